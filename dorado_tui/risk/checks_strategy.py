"""Trade-level strategy and capital checks: layer, DTE, delta, width, stop distance, max loss,
naked shorts, buying power and sizing. Same signature as the market checks."""

from __future__ import annotations

import math

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.orders import Action
from dorado_tui.risk._decide import deny, ok
from dorado_tui.risk.breakers import sizing_multiplier
from dorado_tui.risk.context import TradeContext, constraints_for
from dorado_tui.risk.margin import capital_requirement, coverage
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.sizing import SizingFacts, size_candidate


def check_layer(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    """The candidate's strategy layer must exist, be enabled and allow the template."""
    if not policy.layers:
        return ok("trade.layer", "no strategy layers configured")
    layer = policy.layer(c.strategy_layer)
    if layer is None:
        return deny("trade.layer", "LAYER_UNKNOWN",
                    f"strategy layer {c.strategy_layer!r} has no budget in the risk policy")
    if not layer.enabled:
        return deny("trade.layer", "LAYER_DISABLED", f"strategy layer {c.strategy_layer} is disabled")
    if layer.templates and c.template not in layer.templates:
        return deny("trade.layer", "TEMPLATE_NOT_IN_LAYER",
                    f"template {c.template} is not allowed in layer {c.strategy_layer} "
                    f"(allowed: {', '.join(layer.templates)})")
    return ok("trade.layer", f"{c.template} is allowed in layer {c.strategy_layer}")


def check_dte(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    k = constraints_for(policy, c.strategy_layer, ctx.template)
    if c.dte is None:
        return ok("trade.dte", "no expiry (not an options trade)")
    if k.max_dte is not None and c.dte > k.max_dte:
        return deny("trade.dte", "DTE_TOO_LONG", f"{c.dte} DTE exceeds the maximum {k.max_dte}",
                    c.dte, k.max_dte)
    if k.min_dte is not None and c.dte < k.min_dte:
        return deny("trade.dte", "DTE_TOO_SHORT", f"{c.dte} DTE is below the minimum {k.min_dte}",
                    c.dte, k.min_dte)
    return ok("trade.dte", f"{c.dte} DTE within [{k.min_dte}, {k.max_dte}]", c.dte, k.max_dte)


def check_delta(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    """Every short option leg's |delta| must lie within [min_abs_delta, max_abs_delta]."""
    k = constraints_for(policy, c.strategy_layer, ctx.template)
    shorts = [leg for leg in c.legs if leg.instrument.is_option and leg.action is Action.SELL]
    if not shorts:
        return ok("trade.delta", "no short option legs")
    for leg in shorts:
        if leg.delta is None:
            return deny("trade.delta", "DELTA_MISSING", f"{leg.instrument.symbol} has no delta")
        d = abs(leg.delta)
        if k.min_abs_delta is not None and d < k.min_abs_delta:
            return deny("trade.delta", "DELTA_TOO_SMALL",
                        f"short {leg.role} |delta| {d:.3f} is below {k.min_abs_delta:g}",
                        d, k.min_abs_delta)
        if k.max_abs_delta is not None and d > k.max_abs_delta:
            return deny("trade.delta", "DELTA_TOO_LARGE",
                        f"short {leg.role} |delta| {d:.3f} exceeds {k.max_abs_delta:g}",
                        d, k.max_abs_delta)
    worst = max(abs(leg.delta or 0.0) for leg in shorts)
    return ok("trade.delta", f"short legs' |delta| within [{k.min_abs_delta}, {k.max_abs_delta}]",
              worst, k.max_abs_delta)


def check_width(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    k = constraints_for(policy, c.strategy_layer, ctx.template)
    if c.width is None:
        return ok("trade.width", "no spread width (not a spread)")
    if k.max_width is not None and c.width > k.max_width:
        return deny("trade.width", "WIDTH_TOO_WIDE", f"width {c.width:g} exceeds {k.max_width:g}",
                    c.width, k.max_width)
    if k.min_width is not None and c.width < k.min_width:
        return deny("trade.width", "WIDTH_TOO_NARROW", f"width {c.width:g} is below {k.min_width:g}",
                    c.width, k.min_width)
    return ok("trade.width", f"width {c.width:g} within [{k.min_width}, {k.max_width}]",
              c.width, k.max_width)


def check_stop_distance(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    k = constraints_for(policy, c.strategy_layer, ctx.template)
    if c.entry is None or c.stop is None:
        return ok("trade.stop_distance", "no entry/stop (options trade)")
    if c.entry <= 0 or not math.isfinite(c.entry):
        return deny("trade.stop_distance", "ENTRY_INVALID", f"entry price {c.entry:g} is not usable")
    pct = abs(c.entry - c.stop) / c.entry * 100.0
    if k.max_stop_distance_pct is not None and pct > k.max_stop_distance_pct:
        return deny("trade.stop_distance", "STOP_TOO_FAR",
                    f"stop is {pct:.2f} % from entry (max {k.max_stop_distance_pct:g} %)",
                    pct, k.max_stop_distance_pct)
    if k.min_stop_distance_pct is not None and pct < k.min_stop_distance_pct:
        return deny("trade.stop_distance", "STOP_TOO_CLOSE",
                    f"stop is {pct:.2f} % from entry (min {k.min_stop_distance_pct:g} %)",
                    pct, k.min_stop_distance_pct)
    return ok("trade.stop_distance", f"stop is {pct:.2f} % from entry", pct, k.max_stop_distance_pct)


def max_loss_cap(c: Candidate, nav: float, policy: RiskPolicy) -> float:
    """The tightest per-trade max-loss cap: absolute, % of NAV, and the layer's own."""
    caps = [policy.trade.max_loss_per_trade, policy.trade.max_loss_per_trade_pct / 100.0 * nav]
    layer = policy.layer(c.strategy_layer)
    if layer is not None and layer.max_loss_per_trade is not None:
        caps.append(layer.max_loss_per_trade)
    return min(caps)


def check_max_loss(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    total, cap = c.total_max_loss, max_loss_cap(c, ctx.nav, policy)
    if not math.isfinite(total) or total < 0:
        return deny("trade.max_loss", "MAX_LOSS_UNDEFINED", f"max loss {total:g} is not defined",
                    total, cap)
    if total > cap:
        return deny("trade.max_loss", "MAX_LOSS_PER_TRADE",
                    f"max loss {total:,.2f} exceeds the per-trade cap {cap:,.2f}", total, cap)
    return ok("trade.max_loss", f"max loss {total:,.2f} within {cap:,.2f}", total, cap)


def _cash_secured(c: Candidate, policy: RiskPolicy) -> bool:
    layer = policy.layer(c.strategy_layer)
    return bool(layer and layer.cash_secured_puts)


def check_naked_shorts(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    cov = coverage(c, shares_available=ctx.shares_available, cash_secured_puts=_cash_secured(c, policy))
    if cov.naked and not policy.trade.allow_naked_short_options:
        legs = ", ".join(c.legs[i].instrument.symbol for i in cov.naked)
        return deny("trade.naked_short", "NAKED_SHORT_OPTION",
                    f"uncovered short option(s) {legs}: naked shorts are not allowed",
                    float(len(cov.naked)), 0.0)
    what = "naked shorts allowed by policy" if cov.naked else "every short option is covered"
    return ok("trade.naked_short", what, float(len(cov.naked)), 0.0)


def check_buying_power(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    need = capital_requirement(c, shares_available=ctx.shares_available,
                               cash_secured_puts=_cash_secured(c, policy),
                               underlying_price=ctx.underlying_price, margin_rate=ctx.margin_rate)
    available = ctx.buying_power - policy.trade.min_buying_power_buffer_pct / 100.0 * ctx.nav
    if not math.isfinite(need):
        return deny("trade.buying_power", "MARGIN_UNKNOWN",
                    "cannot margin the naked short without the underlying price", need, available)
    if need > available:
        return deny("trade.buying_power", "INSUFFICIENT_BUYING_POWER",
                    f"needs {need:,.2f} of buying power, {available:,.2f} available", need, available)
    return ok("trade.buying_power", f"needs {need:,.2f} of {available:,.2f} buying power",
              need, available)


def check_sizing(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    """The candidate's quantity must not exceed what sizing allows under the latched multipliers."""
    facts = ctx.sizing or SizingFacts(nav=ctx.nav)
    multiplier = facts.multiplier * sizing_multiplier(ctx.states, ctx.scopes(c), ctx.regime, ctx.now, policy)
    facts = SizingFacts(facts.nav, facts.portfolio_heat_pct, facts.drawdown_pct, facts.regime_confidence,
                        facts.iv_rank, facts.win_rate_20, facts.underlying_vol_pct, multiplier)
    sized = size_candidate(c, facts, policy, max_loss_cap=max_loss_cap(c, ctx.nav, policy))
    if not sized.decision.passed:
        return sized.decision
    if c.quantity > sized.quantity + 1e-9:
        return deny("trade.sizing", "SIZE_ABOVE_POLICY",
                    f"quantity {c.quantity:g} exceeds the sized {sized.quantity:g} "
                    f"({sized.method.value}, {sized.risk_pct:.3g} % of NAV)",
                    c.quantity, sized.quantity, steps=list(sized.steps))
    return ok("trade.sizing", f"quantity {c.quantity:g} ≤ sized {sized.quantity:g} "
              f"({sized.method.value}, {sized.risk_pct:.3g} % of NAV)",
              c.quantity, sized.quantity, steps=list(sized.steps))
