"""Position sizing: fixed risk %, vol-adjusted and the PRD's adaptive rules, bounded 0.5–4 %;
and a layer's `capital_pct` (cash committed, the wheel's measure).

Every risk-% method yields a percentage inside the policy's [min_risk_pct, max_risk_pct]; the
latched breaker/vol-regime multiplier then only ever shrinks it. The quantity is the largest
whole step whose max loss fits the budget and the per-trade caps (the layer's where it sets
them), so sizing can never put more at risk than allowed. `capital_pct` (set on a layer) takes
the largest step whose committed capital fits the layer's per-trade share of its budget × the
multiplier and whose max loss fits the per-trade caps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import SecType
from dorado_tui.risk.layers import committed_capital, layer_of, loss_caps
from dorado_tui.risk.policy import (
    CapitalSizing,
    LayerPolicy,
    RiskPolicy,
    SizingMethod,
    SizingPolicy,
)

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
    layer_heat_pct: float | None = None
    """Heat of the candidate's layer, % of NAV: adaptive sizing's headroom counts it too."""
    shares_available: float = 0.0
    """Shares held and free to cover calls (capital_pct: a covered call commits none)."""


@dataclass(frozen=True, slots=True)
class Sizing:
    """The sizing outcome: quantity, the risk % before and after the multiplier, and why.

    For capital_pct the percentages are the capital share of NAV and `budget` is capital."""

    quantity: float
    method: SizingMethod | CapitalSizing
    method_risk_pct: float
    risk_pct: float
    budget: float
    risk_amount: float
    steps: tuple[str, ...]
    decision: Decision


def _bounded(pct: float, sizing: SizingPolicy) -> float:
    return max(sizing.min_risk_pct, min(pct, sizing.max_risk_pct))


def adaptive_risk_pct(facts: SizingFacts, policy: RiskPolicy,
                      layer: LayerPolicy | None = None) -> tuple[float, tuple[str, ...]]:
    """PRD Phase-1 rules: each adverse condition multiplies the base risk %, then bounds. The heat
    headroom is the portfolio's, or the layer's when that is smaller and its heat is known."""
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
    room, whose = policy.portfolio.max_heat_pct - facts.portfolio_heat_pct, "heat"
    layer_room = None if layer is None or facts.layer_heat_pct is None else layer.max_heat_pct - facts.layer_heat_pct
    if layer_room is not None and layer_room < room:
        room, whose = layer_room, "layer heat"
    headroom = room * rules.heat_headroom_fraction
    if size > headroom:
        size = headroom
        steps.append(f"{whose} headroom caps at {headroom:g} %")
    return _bounded(size, policy.sizing), tuple(steps)


def method_risk_pct(method: SizingMethod, facts: SizingFacts, policy: RiskPolicy,
                    layer: LayerPolicy | None = None) -> tuple[float, tuple[str, ...]]:
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
    return adaptive_risk_pct(facts, policy, layer)


def size_candidate(
    candidate: Candidate,
    facts: SizingFacts,
    policy: RiskPolicy,
    *,
    method: SizingMethod | CapitalSizing | None = None,
    max_loss_cap: float | None = None,
    quantity_step: float = 1.0,
) -> Sizing:
    """Largest quantity (a multiple of `quantity_step`) within the budget.

    The method is the candidate's layer's `sizing_method` (a layer that sizes by capital always
    does), else `method`, else the policy's default. Risk-% methods: the budget is the risk % × multiplier × NAV, capped by the per-trade
    caps (the layer's where it sets them) and `max_loss_cap`. capital_pct: see `size_by_capital`.
    """
    layer = layer_of(policy, candidate.strategy_layer)
    chosen = (layer.sizing_method if layer is not None else None) or method or policy.sizing.default_method
    caps = [cap.value for cap in loss_caps(policy, candidate.strategy_layer, facts.nav)]
    if max_loss_cap is not None:
        caps.append(max_loss_cap)
    multiplier = max(0.0, min(1.0, facts.multiplier))
    if isinstance(chosen, CapitalSizing):
        return size_by_capital(candidate, facts, policy, min(caps), multiplier, quantity_step)
    pct, steps = method_risk_pct(chosen, facts, policy, layer)
    final_pct = pct * multiplier
    budget = max(0.0, min(final_pct / 100.0 * facts.nav, *caps))
    unit = candidate.max_loss
    quantity = _quantity(budget, unit, quantity_step)
    decision = _decision(chosen, final_pct, budget, unit, quantity, multiplier)
    return Sizing(quantity, chosen, pct, final_pct, budget, quantity * unit if quantity else 0.0,
                  (*steps, f"× multiplier {multiplier:g} = {final_pct:.4g} %"), decision)


def size_by_capital(candidate: Candidate, facts: SizingFacts, policy: RiskPolicy, loss_cap: float,
                    multiplier: float, step: float) -> Sizing:
    """capital_pct: the largest step whose committed capital fits the layer's per-trade share of
    its budget × `multiplier` and whose max loss fits `loss_cap`."""
    name, layer = candidate.strategy_layer, layer_of(policy, candidate.strategy_layer)
    if layer is None or not layer.capital_per_trade_pct:
        return _by_capital(0.0, "CAPITAL_SHARE_UNSET", f"capital_pct needs a layer with capital_per_trade_pct; "
                           f"{name!r} has none", candidate.max_loss, 0.0, 0.0, multiplier)
    share = layer.capital_budget_pct * layer.capital_per_trade_pct / 100.0
    budget = max(0.0, share * multiplier / 100.0 * facts.nav)
    unit_capital = committed_capital(candidate, policy, quantity=1.0, shares_available=facts.shares_available)
    unit_loss = candidate.max_loss
    if not (math.isfinite(unit_loss) and unit_loss > 0):
        return _by_capital(0.0, "MAX_LOSS_UNDEFINED", f"cannot size: max loss per unit is {unit_loss:g} "
                           "(must be a positive number)", unit_loss, budget, share, multiplier)
    if not (math.isfinite(unit_capital) and unit_capital >= 0):
        return _by_capital(0.0, "CAPITAL_UNDEFINED", f"cannot size: the capital one unit commits is "
                           f"{unit_capital:g}", unit_capital, budget, share, multiplier)
    by_capital = _quantity(budget, unit_capital, step) if unit_capital > 0 else math.inf
    quantity = min(by_capital, _quantity(max(0.0, loss_cap), unit_loss, step))
    of_layer = f"{layer.capital_per_trade_pct:g} % of layer {name}'s budget"
    if quantity > 0:
        return _by_capital(quantity, "OK", f"capital_pct: {quantity:g} × capital {unit_capital:,.2f} = "
                           f"{quantity * unit_capital:,.2f} within {budget:,.2f} ({of_layer}); max loss "
                           f"{quantity * unit_loss:,.2f} within the per-trade cap {loss_cap:,.2f}",
                           quantity * unit_capital, budget, share, multiplier, unit_loss)
    if by_capital <= 0:
        why = (f"capital per trade {budget:,.2f} ({share * multiplier:.3g} % of NAV: {of_layer}) is "
               f"smaller than one unit's committed capital {unit_capital:,.2f}")
        return _by_capital(0.0, "SIZE_BELOW_ONE_UNIT", why, unit_capital, budget, share, multiplier)
    why = f"per-trade max-loss cap {loss_cap:,.2f} is smaller than one unit's max loss {unit_loss:,.2f}"
    return _by_capital(0.0, "SIZE_BELOW_ONE_UNIT", why, unit_loss, loss_cap, share, multiplier)


def _by_capital(quantity: float, code: str, reason: str, figure: float, limit: float, share_pct: float,
                multiplier: float, unit_loss: float = 0.0) -> Sizing:
    """A capital_pct outcome: its decision holds the figure against the limit that decided it."""
    facts = {"method": CapitalSizing.CAPITAL_PCT.value, "capital_pct": share_pct * multiplier,
             "quantity": quantity, "multiplier": multiplier}
    decision = Decision(CHECK, code == "OK", code, reason, figure, limit, facts)
    steps = (f"capital share {share_pct:.4g} % of NAV × multiplier {multiplier:g}",)
    return Sizing(quantity, CapitalSizing.CAPITAL_PCT, share_pct, share_pct * multiplier, limit,
                  quantity * unit_loss, steps, decision)


def quantity_increment(candidate: Candidate) -> float:
    """The finest quantity the candidate can be ordered in: whole option contracts, shares and FX
    units; crypto to 10⁻⁸ of a coin. The sizing check sizes at this increment, so a venue's
    coarser lot (an FX micro lot, 0.001 BTC) always sizes within what the check allows."""
    crypto = any(leg.instrument.sec_type is SecType.CRYPTO for leg in candidate.legs)
    return 1e-8 if crypto else 1.0


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
