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
    return [Result("replay of 2 simulated years", scaled, "s", TARGET_S, size, note)]
