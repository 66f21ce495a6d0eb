"""`dorado risk`: limits against usage, Greeks, VaR, the stress grid, breakers and trading states."""

from __future__ import annotations

from typing import Any

from commands.common import HomeOpt, JsonOpt, console, emit_json, exit_on_error


def risk(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Show the risk radar for the open positions: every portfolio limit with its usage (heat,
    concentration, layers, clusters, Greeks bounds, net short vega, beta-weighted delta, carry,
    cash, VaR 99 %, stress), the portfolio Greeks, the stress grid (spot × vol shocks), each
    circuit breaker's figure against its threshold, and every trading state that is not ACTIVE.
    Read-only: nothing is latched or sent.

    Exit codes: 0 shown, 1 store or venue unavailable, 2 invalid configuration.
    """
    import asyncio

    with exit_on_error(json_out):
        report = asyncio.run(_report(home))
    if json_out:
        emit_json({"ok": True, **report.as_dict()})
        return
    _print(report)


async def _report(home: Any) -> Any:
    from dorado_tui.engine.risk_report import build_risk_report
    from dorado_tui.engine.runtime import open_runtime
    from dorado_tui.home import resolve_home

    async with open_runtime(resolve_home(home), connect=False) as rt:
        await rt.venue.connect()
        return await build_risk_report(rt.db, rt.venue, rt.config.risk_policy, rt.clock)


def _mark(d: Any) -> str:
    if not d.passed:
        return "BREACH"
    return "near" if d.code in ("NEAR_LIMIT", "NEAR_BREAKER", "CASH_DRAG") else "ok"


def _num(v: Any) -> str:
    return "—" if v is None else f"{v:,.2f}"


def _print_full(out: Any, report: Any) -> None:
    from rich.table import Table

    full = report.full
    if full is None:
        return
    if full.var is not None:
        v = full.var
        out.print(f"historical VaR by full repricing: 95 % {v.var_95:,.2f} (CVaR {v.cvar_95:,.2f}), "
                  f"99 % {v.var_99:,.2f} (CVaR {v.cvar_99:,.2f})", markup=False, soft_wrap=True)
    if full.grid is not None:
        g = full.grid
        grid = Table(title="Full-repricing stress P&L: spot shock (β-scaled) × relative vol shock")
        grid.add_column("spot \\ vol")
        for dv in g.vol_shocks.tolist():
            grid.add_column(f"{dv:+.0%}", justify="right")
        for ds, row in zip(g.spot_shocks.tolist(), g.pnl.tolist(), strict=True):
            grid.add_row(f"{ds:+.0%}", *(f"{p:+,.0f}" for p in row))
        out.print(grid)
    for name, pnl in full.scenarios.items():
        out.print(f"scenario {name}: {pnl:+,.2f}", markup=False)


def _print(report: Any) -> None:
    from rich.table import Table

    out = console()
    x = report.exposure
    out.print(f"NAV {report.nav:,.2f}  ·  {report.positions} open position(s)  ·  {report.at:%Y-%m-%d %H:%M} UTC",
              markup=False)
    limits = Table(title="Limits (% of NAV)", show_lines=False)
    for col in ("check", "figure", "limit", "", "reason"):
        limits.add_column(col)
    for d in report.limits:
        limits.add_row(d.check, _num(d.figure), _num(d.limit), _mark(d), d.reason)
    out.print(limits)
    out.print(f"Greeks (% of NAV): dollar delta {x.delta_pct:.2f}, dollar gamma/1% {x.gamma_pct:.3f}, "
              f"vega {x.vega_pct:.3f}, theta {x.theta_pct:.3f}, beta-weighted delta {x.beta_delta_pct:.2f}",
              markup=False, soft_wrap=True)
    out.print(f"VaR 99 % (delta-gamma, limit check): {x.var99_pct:.2f} % of NAV", markup=False)
    _print_full(out, report)
    grid = Table(title="Stress P&L (% of NAV, Taylor, limit check): spot shock × vol points")
    grid.add_column("spot \\ vol")
    for v in report.vol_shocks:
        grid.add_column(f"{v:+g} pts", justify="right")
    for s, row in zip(report.spot_shocks, x.stress_grid_pct.tolist(), strict=True):
        grid.add_row(f"{s:+g} %", *(f"{p:+.2f}" for p in row))
    out.print(grid)
    breakers = Table(title="Circuit breakers")
    for col in ("breaker", "figure", "limit", "", "reason"):
        breakers.add_column(col)
    for d in report.breakers:
        breakers.add_row(d.check, _num(d.figure), _num(d.limit), "TRIPPED" if not d.passed else _mark(d), d.reason)
    out.print(breakers)
    restricted = [(s, st) for s, st in report.states.scopes.items() if st.state.value != "ACTIVE" or st.trips]
    for scope, st in restricted:
        why = "; ".join(t.reason for t in st.trips) or "set by the operator"
        out.print(f"{scope}: {st.state.value} (sizing × {st.sizing_multiplier:g}) — {why}", markup=False,
                  soft_wrap=True)
    if not restricted:
        out.print("trading: every scope ACTIVE", markup=False)
    for note in report.notes:
        out.print(f"note: {note}", markup=False, soft_wrap=True)
