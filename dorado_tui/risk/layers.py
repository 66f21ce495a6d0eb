"""What a strategy layer changes for one trade: its per-trade max-loss caps, whether its short puts
are cash-secured, and the capital the trade commits against the layer's budget.

Every check, the sizing and the selection ask here, so a layer's settings mean the same thing
wherever they are read (`config/risk_policy.yaml` documents them; `policy.py` the semantics).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from dorado_tui.domain.account import Position
from dorado_tui.domain.candidates import Candidate
from dorado_tui.risk.margin import capital_requirement, unit_value
from dorado_tui.risk.policy import LayerPolicy, RiskPolicy, is_unlayered


@dataclass(frozen=True, slots=True)
class LossCap:
    """One per-trade max-loss cap in account currency and the setting it comes from."""

    value: float
    source: str


def layer_of(policy: RiskPolicy, name: str | None) -> LayerPolicy | None:
    """The layer's policy, or None for a trade without a layer or a layer the policy lacks."""
    return None if is_unlayered(name) else policy.layer(name or "")


@dataclass(frozen=True, slots=True)
class _Rules:
    absolute: LossCap
    pct: float
    pct_source: str
    cash_secured: bool
    margin: float


# Keyed by policy identity and layer name; the entry holds the policy so an id is never reused
# while it lives (policies are frozen: an entry never goes stale). Trade checks ask per candidate.
_RULES: dict[tuple[int, str | None], tuple[RiskPolicy, _Rules]] = {}


def _rules(policy: RiskPolicy, layer: str | None) -> _Rules:
    hit = _RULES.get((id(policy), layer))
    if hit is not None and hit[0] is policy:
        return hit[1]
    if len(_RULES) > 256:
        _RULES.clear()
    lp, trade = layer_of(policy, layer), policy.trade
    if lp is not None and lp.max_loss_per_trade is not None:
        absolute = LossCap(lp.max_loss_per_trade, f"layer {layer} max_loss_per_trade")
    else:
        absolute = LossCap(trade.max_loss_per_trade, "trade.max_loss_per_trade")
    if lp is not None and lp.max_loss_per_trade_pct is not None:
        pct, where = lp.max_loss_per_trade_pct, f"layer {layer} max_loss_per_trade_pct"
    else:
        pct, where = trade.max_loss_per_trade_pct, "trade.max_loss_per_trade_pct"
    rules = _Rules(absolute, pct, f"{where} {pct:g} % of NAV", bool(lp and lp.cash_secured_puts),
                   1.0 if lp is None else lp.notional_margin_pct / 100.0)
    _RULES[(id(policy), layer)] = (policy, rules)
    return rules


def loss_caps(policy: RiskPolicy, layer: str | None, nav: float) -> tuple[LossCap, LossCap]:
    """The absolute and the % of NAV cap for a trade in `layer`: each one the layer sets replaces
    the global `trade` cap of the same name; one it leaves null is inherited."""
    rules = _rules(policy, layer)
    return rules.absolute, LossCap(rules.pct / 100.0 * nav, rules.pct_source)


def binding_cap(policy: RiskPolicy, layer: str | None, nav: float) -> LossCap:
    """The tighter of the two per-trade caps (the absolute one on a tie)."""
    absolute, relative = loss_caps(policy, layer, nav)
    return relative if relative.value < absolute.value else absolute


def cash_secured(policy: RiskPolicy, layer: str | None) -> bool:
    """Short puts in this layer are cash-secured (reserve strike × multiplier)."""
    return _rules(policy, layer).cash_secured


def notional_margin(policy: RiskPolicy, layer: str | None) -> float:
    """Fraction of an FX/crypto notional a position in this layer commits (1.0 without a layer)."""
    return _rules(policy, layer).margin


def committed_capital(candidate: Candidate, policy: RiskPolicy, *, quantity: float | None = None,
                      shares_available: float = 0.0, underlying_price: float | None = None,
                      margin_rate: float | None = None) -> float:
    """Capital the candidate commits as its layer measures it: cash-secured puts at strike ×
    multiplier, linear positions at the layer's share of notional (or `margin_rate` when the
    caller knows the broker's), everything else by the radar's margin rules."""
    rules = _rules(policy, candidate.strategy_layer)
    return capital_requirement(candidate, quantity=quantity, shares_available=shares_available,
                               cash_secured_puts=rules.cash_secured, underlying_price=underlying_price,
                               margin_rate=rules.margin if margin_rate is None else margin_rate)


def held_capital(policy: RiskPolicy, layer: str | None, legs: Iterable[Position], max_loss: float) -> float:
    """Capital an open position commits against its layer, from its venue legs: FX, crypto and
    shares at their dollar notional (mark, else cost) × the layer's margin share, options beside
    them covered; a position of options only at its max loss (a defined-risk spread's or a
    cash-secured put's committed capital). Infinite when a linear leg cannot be valued."""
    margin, linear, found = _rules(policy, layer).margin, 0.0, False
    for leg in legs:
        if leg.instrument.is_option or leg.quantity == 0:
            continue
        found = True
        price = leg.mark if leg.mark is not None else leg.avg_cost
        value = unit_value(leg.instrument, price)
        if not math.isfinite(value):
            return math.inf
        linear += abs(leg.quantity) * value * leg.instrument.multiplier * margin
    return linear if found else max(0.0, max_loss)
