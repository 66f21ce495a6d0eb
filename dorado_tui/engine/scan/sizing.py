"""Sizing of scan candidates through the risk radar's sizing (`dorado_tui.risk.sizing`).

The bot's sizing block chooses the method and its risk % (bounded by the policy's min/max), the
template's `from_bot_config` defers to it; `max_units` and the template's `hard_cap_pct` (notional
share of NAV, e.g. 3 % per crypto token) cap the quantity. A candidate sizing cannot afford (one
unit's max loss above the budget) keeps one unit — it can only ever run as a paper twin, and
selection's sizing check says why.
"""

from __future__ import annotations

import math
from dataclasses import replace

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.instruments import AssetClass
from dorado_tui.risk.checks_strategy import max_loss_cap
from dorado_tui.risk.policy import RiskPolicy, SizingMethod
from dorado_tui.risk.sizing import SizingFacts, size_candidate
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.templates import StrategyTemplate

#: Order size increments: option contracts, FX micro lots (1,000 units), crypto 0.001 coin.
QUANTITY_STEP = {AssetClass.EQUITY_OPTIONS: 1.0, AssetClass.FX: 1000.0, AssetClass.CRYPTO: 0.001}


def method_of(bot: Bot, tpl: StrategyTemplate) -> SizingMethod:
    name = bot.sizing.method if tpl.sizing.method == "from_bot_config" else tpl.sizing.method
    return SizingMethod(name)


def bot_policy(policy: RiskPolicy, bot: Bot, tpl: StrategyTemplate) -> RiskPolicy:
    """The policy as it sizes this bot: its risk % as the base (clamped to the policy's bounds)
    and its method as the default, so the selection's sizing check agrees with the sizing."""
    s = policy.sizing
    base = min(max(bot.sizing.risk_pct, s.min_risk_pct), s.max_risk_pct)
    method = method_of(bot, tpl)
    if base == s.base_risk_pct and method is s.default_method:
        return policy
    return policy.model_copy(update={"sizing": s.model_copy(update={"base_risk_pct": base, "default_method": method})})


def _notional(c: Candidate) -> float:
    """Account-currency value of one unit (FX priced in JPY converts at the entry)."""
    price = c.entry if c.entry is not None else 0.0
    inst = c.legs[0].instrument if c.legs else None
    if inst is not None and inst.currency not in ("USD", "USDC", "USDT") and price > 0:
        return 1.0  # a USD-based pair: one unit is one dollar
    return abs(price)


def size(c: Candidate, bot: Bot, tpl: StrategyTemplate, policy: RiskPolicy, facts: SizingFacts) -> Candidate:
    """The candidate at its sized quantity, with the sizing decision among its verdicts."""
    pol = bot_policy(policy, bot, tpl)
    step = QUANTITY_STEP[c.asset_class]
    sized = size_candidate(c, facts, pol, max_loss_cap=max_loss_cap(c, facts.nav, pol), quantity_step=step)
    qty, notes = sized.quantity, []
    if bot.sizing.max_units is not None and qty > bot.sizing.max_units * step:
        qty = bot.sizing.max_units * step
        notes.append(f"capped at max_units {bot.sizing.max_units}")
    cap = tpl.sizing.hard_cap_pct
    unit = _notional(c)
    if cap is not None and unit > 0 and qty * unit > cap / 100.0 * facts.nav:
        qty = math.floor(cap / 100.0 * facts.nav / unit / step + 1e-9) * step
        notes.append(f"capped at {cap:g} % of NAV notional")
    flags = list(c.flags)
    if qty <= 0:
        qty = step
        flags.append("unsized: the risk budget does not cover one unit; a paper twin trades one unit")
    decision = sized.decision
    if notes:
        decision = replace(decision, reason=f"{decision.reason}; " + "; ".join(notes))
    return replace(c, quantity=round(qty, 6), flags=tuple(flags), gates=(*c.gates, decision))
