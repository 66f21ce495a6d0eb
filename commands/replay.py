"""`dorado replay --from D1 --to D2`: the whole daily loop over simulated history, then a report."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from commands.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    HomeOpt,
    JsonOpt,
    console,
    emit_json,
    exit_on_error,
    fail,
)

SeedOpt = Annotated[int | None, typer.Option("--seed", help="Simulated market seed (default: the seed of the "
                                             "home's stored history, else simulation.seed).", min=0)]
ApproveOpt = Annotated[str, typer.Option("--approve", help="Stand-in operator: 'all' approves every pending "
                                         "candidate, 'none' lets approvals time out (they run as twins).")]
ResumeOpt = Annotated[str, typer.Option("--resume", help="'next_day' resumes latched breakers at the next "
                                        "session's regime update; 'never' keeps them latched.")]
MonitorOpt = Annotated[int, typer.Option("--monitor-minutes", min=15, max=390, help="Monitoring cadence in "
                                         "session (390 = one pass a day at 12:00 New York).")]
KeepOpt = Annotated[bool, typer.Option("--keep", help="Keep the throwaway home (its path is printed).")]
WorkdirOpt = Annotated[Path | None, typer.Option("--workdir", help="Empty directory for the throwaway home "
                                                 "(default: a new temporary one).")]


def replay(from_: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD).")],
           to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (YYYY-MM-DD).")],
           seed: SeedOpt = None, approve: ApproveOpt = "all", resume: ResumeOpt = "next_day",
           monitor_minutes: MonitorOpt = 390, keep: KeepOpt = False, workdir: WorkdirOpt = None,
           home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Replay the daily loop — regime update, scans, selection, the approval policy, execution,
    monitoring, exits and expirations, weekly reconciliation — over the seeded simulated market
    from D1 to D2 on a fast-forward clock, with this home's bots, templates and risk policy, in a
    throwaway home: the live store, Redis and broker are never touched. Prints trades, P&L,
    drawdown, breaker trips, live vs paper twins, the outcome of each gate's skipped candidates
    and the accounting invariants. The same seed gives the same report.

    Exit codes: 0 replayed and every invariant holds, 1 the replay failed or an invariant broke,
    2 bad input.
    """
    import asyncio

    if approve not in ("all", "none"):
        fail(f"--approve must be 'all' or 'none', got {approve!r}", EXIT_BAD_INPUT)
    if resume not in ("next_day", "never"):
        fail(f"--resume must be 'next_day' or 'never', got {resume!r}", EXIT_BAD_INPUT)
    if to.date() < from_.date():
        fail(f"--to {to.date()} is before --from {from_.date()}", EXIT_BAD_INPUT)
    with exit_on_error(json_out):
        report = asyncio.run(_replay(home, from_, to, seed, approve, resume, monitor_minutes, keep, workdir, json_out))
    if json_out:
        emit_json(report.as_dict())
    else:
        _print(report)
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


async def _replay(home: Any, start: datetime, end: datetime, seed: int | None, approve: str, resume: str,
                  monitor_minutes: int, keep: bool, workdir: Path | None, quiet: bool) -> Any:
    from dorado_tui.engine.replay.loop import ReplaySettings
    from dorado_tui.engine.replay.service import run_replay
    from dorado_tui.home import resolve_home

    err = console(stderr=True)
    settings = ReplaySettings(approve=approve, resume=resume, monitor_minutes=monitor_minutes,
                              monitor_offset_minutes=150 if monitor_minutes >= 390 else 0)
    return await run_replay(resolve_home(home), start.date(), end.date(), seed=seed, settings=settings,
                            workdir=workdir, keep=keep,
                            progress=None if quiet else (lambda m: err.print(f"replay: {m}", markup=False)))


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*("—" if v is None else str(v) for v in row))
    return table


def _print(report: Any) -> None:
    out = console()
    b = report.body
    out.print(f"Replay {report.start} → {report.end}, seed {report.seed}: {b['days']} days, {b['scans']} scans, "
              f"candidates {b['candidates']}, approvals {b['approvals']}", markup=False, soft_wrap=True)
    t = b["trades"]
    out.print(_table("Trades", ["", "opened", "closed", "wins", "realized P&L", "fees", "mean reward"],
                     [[k, t[k]["opened"], t[k]["closed"], t[k]["wins"], t[k]["realized_pnl"], t[k]["fees"],
                       t[k]["mean_reward"]] for k in ("live", "paper")]))
    out.print(_table("P&L and drawdown", ["account", "start NAV", "end NAV", "P&L", "return %", "max DD %",
                                          "DD from → to"],
                     [[k, v["start_nav"], v["end_nav"], v["pnl"], v["return_pct"], v["drawdown"]["pct"],
                       f"{v['drawdown']['peak']} → {v['drawdown']['trough']}"] for k, v in b["pnl"].items()]))
    out.print(f"Breaker trips: {b['breakers']['trips'] or 'none'} (resumed {b['breakers']['resumed']}×)",
              markup=False, soft_wrap=True)
    out.print(_table("Live vs paper twins by bot", ["bot", "live P&L", "live closed", "paper P&L", "paper closed"],
                     [[r["bot"], r["live_pnl"], r["live_closed"], r["paper_pnl"], r["paper_closed"]]
                      for r in b["live_vs_paper"]]))
    out.print(_table("What skipped candidates made (paper twins by the gate that skipped them)",
                     ["gate", "twins", "closed", "P&L", "mean P&L", "win rate"],
                     [[g["gate"], g["twins"], g["closed"], g["pnl"], g["mean_pnl"], g["win_rate"]]
                      for g in b["gates"]]))
    _print_checks(out, report)


def _print_checks(out: Any, report: Any) -> None:
    b = report.body
    for inv in b["invariants"]:
        out.print(f"{inv['account']}: NAV {inv['nav']} = cash + marks {inv['cash_plus_marks']}; P&L not explained "
                  f"{inv['unexplained']}; position gaps {inv['position_gaps'] or 'none'} → "
                  f"{'ok' if inv['ok'] else 'BROKEN'}", markup=False, soft_wrap=True)
    for led in b["ledger"]:
        out.print(f"{led['account']}: positions = sum of fills → {'ok' if led['ok'] else 'BROKEN'} "
                  f"{led['venue_positions_vs_executions'] + led['venue_positions_vs_store_fills'] or ''}",
                  markup=False, soft_wrap=True)
    for line in [*b["reconcile"], *b["errors"], *b["notes"]]:
        out.print(line, markup=False, soft_wrap=True)
    out.print(f"performance: {report.performance}", markup=False, soft_wrap=True)
