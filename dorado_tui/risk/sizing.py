"""Position sizing: fixed risk %, vol-adjusted and the PRD's adaptive rules, bounded 0.5–4 %.

Every method yields a risk percentage inside the policy's [min_risk_pct, max_risk_pct]; the
latched breaker/vol-regime multiplier then only ever shrinks it. The quantity is the largest
whole step whose max loss fits the budget, so sizing can never put more at risk than allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.decisions import Decision
from dorado_tui.risk.policy import RiskPolicy, SizingMethod, SizingPolicy

CHECK = "trade.sizing"


@dataclass(frozen=True, slots=True)
class SizingFacts:
    """What sizing looks at. Percentages in %; `None` means unknown (that rule is skipped)."""

    nav: float
    portfolio_heat_pct: float = 0.0
    drawdown_pct: float = 0.0
    regime_confidence: float | None = None
    iv_rank: float | None = None
    win_rate_20: float | None = None
    underlying_vol_pct: float | None = None
    multiplier: float = 1.0


@dataclass(frozen=True, slots=True)
class Sizing:
    """The sizing outcome: quantity, the risk % before and after the multiplier, and why."""

    quantity: float
    method: SizingMethod
    method_risk_pct: float
    risk_pct: float
    budget: float
    risk_amount: float
    steps: tuple[str, ...]
    decision: Decision


def _bounded(pct: float, sizing: SizingPolicy) -> float:
    return max(sizing.min_risk_pct, min(pct, sizing.max_risk_pct))


def adaptive_risk_pct(facts: SizingFacts, policy: RiskPolicy) -> tuple[float, tuple[str, ...]]:
    """PRD Phase-1 rules: each adverse condition multiplies the base risk %, then bounds."""
    rules, size = policy.sizing.adaptive, policy.sizing.base_risk_pct
    steps = [f"base {size:g} %"]
    conf, ivr, win, dd = facts.regime_confidence, facts.iv_rank, facts.win_rate_20, facts.drawdown_pct
    conditions: tuple[tuple[bool, float, str], ...] = (
        (conf is not None and conf < rules.low_confidence_below, rules.low_confidence_multiplier,
         f"regime confidence {conf}"),
        (ivr is not None and ivr > rules.iv_rank_high_above, rules.iv_rank_high_multiplier,
         f"IV rank {ivr}"),
        (ivr is not None and ivr < rules.iv_rank_low_below, rules.iv_rank_low_multiplier,
         f"IV rank {ivr}"),
        (win is not None and win < rules.win_rate_low_below, rules.win_rate_low_multiplier,
         f"win rate (20) {win}"),
        (dd > rules.drawdown_above_pct, rules.drawdown_multiplier, f"drawdown {dd:g} %"),
    )
    for applies, factor, label in conditions:
        if applies:
            size *= factor
            steps.append(f"{label} → × {factor:g}")
    headroom = (policy.portfolio.max_heat_pct - facts.portfolio_heat_pct) * rules.heat_headroom_fraction
    if size > headroom:
        size = headroom
        steps.append(f"heat headroom caps at {headroom:g} %")
    return _bounded(size, policy.sizing), tuple(steps)


def method_risk_pct(method: SizingMethod, facts: SizingFacts,
                    policy: RiskPolicy) -> tuple[float, tuple[str, ...]]:
    """The risk % of NAV a method gives, always within the policy's bounds."""
    sizing = policy.sizing
    if method is SizingMethod.FIXED_RISK_PCT:
        return _bounded(sizing.base_risk_pct, sizing), (f"fixed {sizing.base_risk_pct:g} %",)
    if method is SizingMethod.VOL_ADJUSTED:
        vol = facts.underlying_vol_pct
        if vol is None or not math.isfinite(vol) or vol <= 0:
            return _bounded(sizing.base_risk_pct, sizing), ("vol unknown: base risk",)
        pct = sizing.base_risk_pct * sizing.vol_reference_pct / vol
        return _bounded(pct, sizing), (f"base × {sizing.vol_reference_pct:g}/{vol:g} vol = {pct:.4g} %",)
    return adaptive_risk_pct(facts, policy)


def size_candidate(
    candidate: Candidate,
    facts: SizingFacts,
    policy: RiskPolicy,
    *,
    method: SizingMethod | None = None,
    max_loss_cap: float | None = None,
    quantity_step: float = 1.0,
) -> Sizing:
    """Largest quantity (a multiple of `quantity_step`) whose max loss fits the risk budget.

    The budget is the method's risk % × multiplier × NAV, capped by the trade limits
    (absolute and % of NAV) and `max_loss_cap` (e.g. the layer's own cap).
    """
    chosen = method or policy.sizing.default_method
    pct, steps = method_risk_pct(chosen, facts, policy)
    multiplier = max(0.0, min(1.0, facts.multiplier))
    final_pct = pct * multiplier
    caps = [final_pct / 100.0 * facts.nav, policy.trade.max_loss_per_trade,
            policy.trade.max_loss_per_trade_pct / 100.0 * facts.nav]
    if max_loss_cap is not None:
        caps.append(max_loss_cap)
    budget = max(0.0, min(caps))
    unit = candidate.max_loss
    quantity = _quantity(budget, unit, quantity_step)
    decision = _decision(chosen, final_pct, budget, unit, quantity, multiplier)
    return Sizing(quantity, chosen, pct, final_pct, budget, quantity * unit if quantity else 0.0,
                  (*steps, f"× multiplier {multiplier:g} = {final_pct:.4g} %"), decision)


def _quantity(budget: float, unit_loss: float, step: float) -> float:
    if not (math.isfinite(unit_loss) and unit_loss > 0 and step > 0 and math.isfinite(budget)):
        return 0.0
    steps = math.floor(budget / (unit_loss * step) + 1e-9)
    quantity = steps * step
    while quantity > 0 and quantity * unit_loss > budget:  # float guard: never exceed the budget
        quantity -= step
    return max(0.0, quantity)


def _decision(method: SizingMethod, pct: float, budget: float, unit: float, quantity: float,
              multiplier: float) -> Decision:
    facts = {"method": method.value, "risk_pct": pct, "unit_max_loss": unit, "quantity": quantity,
             "multiplier": multiplier}
    if not (math.isfinite(unit) and unit > 0):
        return Decision(CHECK, False, "MAX_LOSS_UNDEFINED",
                        f"cannot size: max loss per unit is {unit:g} (must be a positive number)",
                        unit, budget, facts)
    if quantity <= 0:
        return Decision(CHECK, False, "SIZE_BELOW_ONE_UNIT",
                        f"risk budget {budget:,.2f} ({pct:.3g} % of NAV) is smaller than one "
                        f"unit's max loss {unit:,.2f}", unit, budget, facts)
    return Decision(CHECK, True, "OK",
                    f"{method.value}: {quantity:g} × max loss {unit:,.2f} = {quantity * unit:,.2f} "
                    f"within budget {budget:,.2f} ({pct:.3g} % of NAV)", quantity * unit, budget, facts)
