"""Trade-level strategy and capital checks: layer, DTE, delta, width, stop distance, max loss,
naked shorts, buying power and sizing. Same signature as the market checks."""

from __future__ import annotations

import math
from dataclasses import replace

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.orders import Action
from dorado_tui.risk._decide import deny, ok
from dorado_tui.risk.breakers import sizing_multiplier
from dorado_tui.risk.context import TradeContext, constraints_for
from dorado_tui.risk.layers import binding_cap, cash_secured, committed_capital
from dorado_tui.risk.margin import coverage
from dorado_tui.risk.policy import RiskPolicy, is_unlayered
from dorado_tui.risk.sizing import SizingFacts, quantity_increment, size_candidate


def check_layer(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    """The candidate's strategy layer must exist, be enabled and allow the template. When the
    policy defines layers, a trade without one is refused: it would bypass every layer limit."""
    if not policy.layers:
        return ok("trade.layer", "no strategy layers configured")
    if is_unlayered(c.strategy_layer):
        return deny("trade.layer", "LAYER_MISSING",
                    f"bot {c.bot_id} names no strategy layer; the risk policy defines "
                    f"{', '.join(policy.layers)} and every trade must belong to one")
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
    """The tighter per-trade max-loss cap for the candidate: each cap its layer sets replaces the
    global one of the same name (see `dorado_tui.risk.layers.loss_caps`)."""
    return binding_cap(policy, c.strategy_layer, nav).value


def check_max_loss(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    total, cap = c.total_max_loss, binding_cap(policy, c.strategy_layer, ctx.nav)
    if not math.isfinite(total) or total < 0:
        return deny("trade.max_loss", "MAX_LOSS_UNDEFINED", f"max loss {total:g} is not defined",
                    total, cap.value)
    if total > cap.value:
        return deny("trade.max_loss", "MAX_LOSS_PER_TRADE",
                    f"max loss {total:,.2f} exceeds the per-trade cap {cap.value:,.2f} ({cap.source})",
                    total, cap.value)
    return ok("trade.max_loss", f"max loss {total:,.2f} within {cap.value:,.2f} ({cap.source})", total, cap.value)


def check_naked_shorts(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    cov = coverage(c, shares_available=ctx.shares_available,
                   cash_secured_puts=cash_secured(policy, c.strategy_layer))
    if cov.naked and not policy.trade.allow_naked_short_options:
        legs = ", ".join(c.legs[i].instrument.symbol for i in cov.naked)
        return deny("trade.naked_short", "NAKED_SHORT_OPTION",
                    f"uncovered short option(s) {legs}: naked shorts are not allowed",
                    float(len(cov.naked)), 0.0)
    what = "naked shorts allowed by policy" if cov.naked else "every short option is covered"
    return ok("trade.naked_short", what, float(len(cov.naked)), 0.0)


def check_buying_power(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    """Capital the trade commits (as its layer measures it, or at the caller's broker margin
    rate) against the buying power left after the policy's buffer."""
    need = committed_capital(c, policy, shares_available=ctx.shares_available,
                             underlying_price=ctx.underlying_price, margin_rate=ctx.margin_rate)
    available = ctx.buying_power - policy.trade.min_buying_power_buffer_pct / 100.0 * ctx.nav
    if not math.isfinite(need):
        why = ("cannot margin the naked short without the underlying price" if c.dte is not None else
               f"cannot value {c.underlying} in the account currency")
        return deny("trade.buying_power", "MARGIN_UNKNOWN", why, need, available)
    if need > available:
        return deny("trade.buying_power", "INSUFFICIENT_BUYING_POWER",
                    f"needs {need:,.2f} of buying power, {available:,.2f} available", need, available)
    return ok("trade.buying_power", f"needs {need:,.2f} of {available:,.2f} buying power",
              need, available)


def check_sizing(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    """The candidate's quantity must not exceed what sizing allows under the latched multipliers."""
    facts = ctx.sizing or SizingFacts(nav=ctx.nav)
    multiplier = facts.multiplier * sizing_multiplier(ctx.states, ctx.scopes(c), ctx.regime, ctx.now, policy)
    facts = replace(facts, multiplier=multiplier, shares_available=ctx.shares_available)
    sized = size_candidate(c, facts, policy, max_loss_cap=max_loss_cap(c, ctx.nav, policy),
                           quantity_step=quantity_increment(c))
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
