"""Replay speed: two simulated years of the whole daily loop (target ≤ 180 s), end to end.

Input: a fresh home with the shipped configuration (10 bots: equity options, 0DTE, wheel, FX,
crypto), seed 7, 2023-01-02 → 2024-12-31 (502 XNYS sessions, 731 calendar days of FX/crypto
checks), approval policy "all", one monitoring pass a day. The figure is wall clock from an
empty throwaway home to the printed report: history written to the store, walk-forward regime
states, the loop, the report. The note splits it by phase and event kind, with the machine load.
Set DORADO_BENCH_REPLAY_DAYS to replay fewer days (the figure is then scaled per 2 years, marked).
Run with `python -m benchmarks replay`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import Result

START = date(2023, 1, 2)
END = date(2024, 12, 31)
TARGET_S = 180.0


def _days() -> int:
    raw = os.environ.get("DORADO_BENCH_REPLAY_DAYS", "")
    return int(raw) if raw.strip() else (END - START).days + 1


def main() -> list[Result]:
    from dorado_tui.engine.replay.service import run_replay
    from dorado_tui.home import Home, initialize

    days = _days()
    end = START + timedelta(days=days - 1)
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as tmp:
        home = initialize(Home.at(Path(tmp) / "home")).home
        report = asyncio.run(run_replay(home, START, end, seed=7))
    perf = report.performance
    total = float(perf["total"])
    full = (END - START).days + 1
    scaled = total * full / days
    load = f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    phases = ", ".join(f"{k} {perf[k]:.0f} s" for k in ("prepare", "regime_backfill", "loop"))
    events = ", ".join(f"{k} {v:.0f} s" for k, v in perf["by_event"].items())
    size = f"{report.body['days']} sessions {START} → {end}, seed 7, shipped config"
    note = f"{phases}; loop by event: {events}; invariants {'ok' if report.ok else 'BROKEN'}; {load}"
    if days != full:
        note = f"measured {total:.0f} s for {days} days, scaled ×{full / days:.2f}; " + note
    if not report.ok:
        note += "; broken: " + "; ".join(_broken(report.body))
    return [Result("replay of 2 simulated years", scaled, "s", TARGET_S, size, note)]


def _broken(body: dict[str, Any]) -> list[str]:
    """What made the report not ok: failed invariants and ledger checks, reconciliation findings,
    errors (the first few of each)."""
    out = [f"{i['account']}: NAV {i['nav']} vs cash + marks {i['cash_plus_marks']}, unexplained P&L "
           f"{i['unexplained']}, gaps {i['position_gaps'][:3]}" for i in body["invariants"] if not i["ok"]]
    out += [f"{led['account']} ledger: {(led['venue_positions_vs_executions'] + led['venue_positions_vs_store_fills'])[:3]}"
            for led in body["ledger"] if not led["ok"]]
    return out + [str(x) for x in body["reconcile"][:3]] + [str(x) for x in body["errors"][:3]]
