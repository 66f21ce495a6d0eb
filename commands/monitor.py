"""`dorado monitor --once`: one monitoring pass (cron-safe) — venue events, marks, rules, exits."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commands.common import (
    EXIT_BAD_INPUT,
    HomeOpt,
    JsonOpt,
    console,
    emit_json,
    exit_on_error,
    fail,
)

CHECKS = ("pnl", "breach", "dte", "vol", "breakers")
OnceOpt = Annotated[bool, typer.Option("--once", help="Run one pass and exit (the only mode here; `dorado run` "
                                       "schedules passes on the PRD cadence).")]
WhichOpt = Annotated[str, typer.Option("--positions", help="live, paper or all.")]
ChecksOpt = Annotated[str, typer.Option("--checks", help=f"Comma-separated rule groups: {', '.join(CHECKS)} "
                                        "(default: all).")]


def monitor(once: OnceOpt = True, positions: WhichOpt = "all", checks: ChecksOpt = ",".join(CHECKS),
            home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """One monitoring pass, safe to run from cron at any time: settle unresolved orders left by a
    crash, bring in what the venue did (expiries, assignments, dividends), time out stale
    approvals, mark every open position, evaluate its management rules (profit target, stop, DTE,
    short-strike breach, IV-rank/vol spike, Hurst, time exits, trailing stop) and act on them
    (close, close the tested side, propose a roll or a covered call), record NAV and evaluate the
    circuit breakers.

    Exit codes: 0 pass done, 1 store or venue failed, 2 bad option, 3 an exit was refused by the
    trading state (the position stays managed; `dorado resume` when checked).
    """
    import asyncio

    if positions not in ("live", "paper", "all"):
        fail(f"--positions must be live, paper or all, not {positions!r}", EXIT_BAD_INPUT)
    wanted = frozenset(c.strip() for c in checks.split(",") if c.strip())
    if not wanted or not wanted <= set(CHECKS):
        fail(f"--checks takes {', '.join(CHECKS)}; got {checks!r}", EXIT_BAD_INPUT)
    live = {"live": True, "paper": False, "all": None}[positions]
    with exit_on_error(json_out):
        report = asyncio.run(_pass(home, live, wanted))
    if json_out:
        emit_json({"ok": True, **report})
        return
    _print(report)


async def _pass(home: Any, live: bool | None, checks: frozenset[str]) -> dict[str, Any]:
    from dorado_tui.engine.lifecycle.front import open_lifecycle
    from dorado_tui.home import resolve_home

    async with open_lifecycle(resolve_home(home), start=True, recover=False) as lc:
        recovery = await lc.recover()
        expired = await lc.expire_approvals()
        report = await lc.monitor(live=live, checks=checks)
    out: dict[str, Any] = report.as_dict()
    out["expired_approvals"] = expired
    out["recovery"] = recovery.as_dict()
    return out


def _print(report: dict[str, Any]) -> None:
    from rich.table import Table

    out = console()
    table = Table(title=f"Monitoring pass {report['at']}", title_justify="left")
    for col in ("position", "bot", "paper", "P&L", "sides", "triggered", "action", "result"):
        table.add_column(col, justify="right" if col == "P&L" else "left")
    for p in report["positions"]:
        fired = [d["code"] for d in p["decisions"] if not d["passed"]]
        sides = " ".join(f"{k} {v:,.0f}" for k, v in p["side_pnl"].items())
        action = p["action"]
        result = p["result"] if isinstance(p["result"], str) else (p["result"] or {}).get("status", "")
        table.add_row(p["position"], p["bot"], "yes" if p["paper"] else "", "—" if p["pnl"] is None else
                      f"{p['pnl']:,.2f}", sides, ",".join(fired) or (p["note"] or "—"),
                      "" if action is None else f"{action['kind']} ({action['reason']})", str(result or ""))
    out.print(table)
    for s in report["settled"]:
        out.print(f"venue: {s['position']} {s['event']}" + (f", realized {s['realized_pnl']:,.2f}"
                                                             if s.get("realized_pnl") is not None else ""),
                  markup=False, soft_wrap=True)
    for c in report["proposals"]:
        out.print(f"proposed: {c} (dorado approve)", markup=False)
    for c in report["expired_approvals"]:
        out.print(f"approval timed out: {c}", markup=False)
    for b in report["breakers"]:
        out.print(f"BREAKER {b['code']}: {b['reason']}", markup=False, soft_wrap=True)
    for n in report["notes"]:
        out.print(f"note: {n}", markup=False, soft_wrap=True)
