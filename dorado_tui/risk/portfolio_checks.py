"""Portfolio-level checks (PRD §3.4): heat, concentration, layers, clusters, cross-asset exposure,
Greeks bounds, cash and VaR, each a Decision held against the policy."""

from __future__ import annotations

import math

from dorado_tui.domain.decisions import Decision, Verdict
from dorado_tui.risk.exposure import Exposure, LayerFigures, measure
from dorado_tui.risk.policy import Bounds, LayerPolicy, RiskPolicy, is_unlayered
from dorado_tui.risk.portfolio import ASSET_CLASSES, PortfolioState

_TOL = 1e-9


def cap(check: str, code: str, what: str, figure: float, limit: float, warn: float) -> Decision:
    """figure ≤ limit passes; past it fails; at or above `warn` × limit passes as NEAR_LIMIT."""
    if not math.isfinite(figure):
        return Decision(check, False, code, f"{what} cannot be measured (missing price, vol or NAV)",
                        figure, limit, {})
    if figure > limit * (1 + _TOL) + _TOL:
        return Decision(check, False, code, f"{what} {figure:.2f} % exceeds the limit {limit:g} %",
                        figure, limit, {})
    if figure >= warn * limit and limit > 0:
        return Decision(check, True, "NEAR_LIMIT", f"{what} {figure:.2f} % is near the limit {limit:g} %",
                        figure, limit, {})
    return Decision(check, True, "OK", f"{what} {figure:.2f} % within {limit:g} %", figure, limit, {})


def within(check: str, code: str, what: str, figure: float, bounds: Bounds) -> Decision:
    """figure inside [min, max] passes."""
    lo, hi = bounds.min, bounds.max
    text = f"[{'-∞' if lo is None else f'{lo:g}'}, {'∞' if hi is None else f'{hi:g}'}] %"
    if not math.isfinite(figure):
        return Decision(check, False, code, f"{what} cannot be measured (missing price or NAV)",
                        figure, hi, {})
    if (hi is not None and figure > hi + _TOL) or (lo is not None and figure < lo - _TOL):
        limit = hi if hi is not None and figure > hi else lo
        return Decision(check, False, code, f"{what} {figure:.2f} % is outside {text}", figure, limit, {})
    return Decision(check, True, "OK", f"{what} {figure:.2f} % within {text}", figure, hi, {})


def _layer_decision(fig: LayerFigures, lp: LayerPolicy | None, warn: float) -> Decision:
    """The layer's first breached limit (budget, heat, one underlying's heat and capital,
    positions), else its most used limit."""
    check = f"portfolio.layer.{fig.name}"
    if lp is None and is_unlayered(fig.name):
        return Decision(check, False, "LAYER_MISSING",
                        f"{fig.count} position(s) belong to no strategy layer while the policy defines "
                        "layers: assign their bots a layer or close them", fig.count, 0, {})
    if lp is None:
        return Decision(check, False, "LAYER_UNKNOWN", f"layer {fig.name} has positions but no budget",
                        None, None, {})
    limits = [("LAYER_BUDGET", "capital", fig.capital_pct, lp.capital_budget_pct),
              ("LAYER_HEAT", "heat", fig.heat_pct, lp.max_heat_pct)]
    if lp.max_single_underlying_pct is not None:
        limits.append(("LAYER_CONCENTRATION", f"heat in {fig.max_underlying}", fig.max_underlying_pct,
                       lp.max_single_underlying_pct))
    if lp.max_underlying_capital_pct is not None:
        limits.append(("LAYER_UNDERLYING_CAPITAL", f"capital in {fig.max_capital_underlying}",
                       fig.max_underlying_capital_pct, lp.max_underlying_capital_pct))
    for code, what, figure, limit in limits:
        if not figure <= limit * (1 + _TOL) + _TOL:
            return cap(check, code, f"layer {fig.name} {what}", figure, limit, warn)
    if fig.count > lp.max_positions:
        return Decision(check, False, "LAYER_MAX_POSITIONS",
                        f"layer {fig.name} holds {fig.count} positions (max {lp.max_positions})",
                        fig.count, lp.max_positions, {})
    code, what, figure, limit = max(limits, key=lambda x: x[2] / x[3] if x[3] > 0 else 0.0)
    return cap(check, code, f"layer {fig.name} {what}", figure, limit, warn)


def portfolio_decisions(x: Exposure, policy: RiskPolicy) -> tuple[Decision, ...]:
    """One decision per limit, in a stable order."""
    p, w = policy.portfolio, policy.alerts.warn_at_limit_fraction
    out = [
        cap("portfolio.heat", "HEAT_LIMIT", "portfolio heat", x.heat_pct, p.max_heat_pct, w),
        cap("portfolio.underlying", "UNDERLYING_CONCENTRATION", f"exposure to {x.max_underlying}",
            x.max_underlying_pct, p.max_single_underlying_pct, w),
    ]
    limits = {ac.value: getattr(p.max_asset_class_pct, ac.value) for ac in ASSET_CLASSES}
    ratios = {ac: x.asset_class_pct[ac] / lim if lim > 0 else (math.inf if x.asset_class_pct[ac] > 0 else 0.0)
              for ac, lim in limits.items()}
    worst = max(ratios, key=ratios.__getitem__)
    out.append(cap("portfolio.asset_class", "ASSET_CLASS_CONCENTRATION", f"{worst} exposure",
                   x.asset_class_pct[worst], limits[worst], w))
    out.append(cap("portfolio.cluster", "CLUSTER_CONCENTRATION",
                   f"correlated cluster {'/'.join(x.max_cluster)}", x.max_cluster_pct,
                   p.max_correlated_cluster_pct, w))
    if policy.layers:  # `layers: {}` turns layers off: only the portfolio-wide limits apply
        out.extend(_layer_decision(f, policy.layer(f.name), w) for f in x.layers
                   if f.count or policy.layer(f.name) is not None)
    g = p.greeks
    out += [
        within("portfolio.greeks.delta", "DELTA_BOUNDS", "dollar delta", x.delta_pct, g.delta_pct),
        within("portfolio.greeks.gamma", "GAMMA_BOUNDS", "dollar gamma (1 % move)", x.gamma_pct, g.gamma_pct),
        within("portfolio.greeks.vega", "VEGA_BOUNDS", "vega", x.vega_pct, g.vega_pct),
        within("portfolio.greeks.theta", "THETA_BOUNDS", "theta", x.theta_pct, g.theta_pct),
        cap("portfolio.net_short_vega", "NET_SHORT_VEGA", "net short vega", x.net_short_vega_pct,
            p.max_net_short_vega_pct, w),
        cap("portfolio.beta_delta", "BETA_DELTA", f"|beta-weighted delta| ({p.beta_benchmark})",
            abs(x.beta_delta_pct), p.max_beta_weighted_delta_pct, w),
        cap("portfolio.carry", "CARRY_COST", "daily carry cost", x.carry_cost_pct, p.max_daily_carry_cost_pct, w),
        _min_cash(x, policy),
        _cash_drag(x, policy),
        cap("portfolio.var99", "VAR_LIMIT", f"{p.var_horizon_days}-day VaR 99 %", x.var99_pct, p.max_var99_pct, w),
        cap("portfolio.stress", "STRESS_LIMIT", "worst stress-grid loss", x.stress_worst_pct,
            p.max_stress_loss_pct, w),
    ]
    return tuple(out)


def _min_cash(x: Exposure, policy: RiskPolicy) -> Decision:
    floor = policy.portfolio.min_cash_pct
    if not math.isfinite(x.free_cash_pct) or x.free_cash_pct < floor - _TOL:
        return Decision("portfolio.min_cash", False, "MIN_CASH",
                        f"free cash {x.free_cash_pct:.2f} % is below the minimum {floor:g} %",
                        x.free_cash_pct, floor, {})
    return Decision("portfolio.min_cash", True, "OK", f"free cash {x.free_cash_pct:.2f} % ≥ {floor:g} %",
                    x.free_cash_pct, floor, {})


def _cash_drag(x: Exposure, policy: RiskPolicy) -> Decision:
    """An alert, never a denial: too little capital at work."""
    floor = policy.portfolio.cash_drag_alert_deployed_pct
    if x.deployed_pct < floor:
        return Decision("portfolio.cash_drag", True, "CASH_DRAG",
                        f"only {x.deployed_pct:.2f} % of NAV deployed (alert below {floor:g} %)",
                        x.deployed_pct, floor, {})
    return Decision("portfolio.cash_drag", True, "OK", f"{x.deployed_pct:.2f} % of NAV deployed",
                    x.deployed_pct, floor, {})


def check_portfolio(state: PortfolioState, policy: RiskPolicy) -> Verdict:
    """Every portfolio-level limit against the state (typically after `simulate_add`)."""
    if not (math.isfinite(state.nav) and state.nav > 0):
        return Verdict((Decision.deny("portfolio.nav", "NAV_INVALID",
                                      f"NAV {state.nav:g} is not positive: nothing can be checked"),))
    return Verdict(portfolio_decisions(measure(state, policy), policy))
