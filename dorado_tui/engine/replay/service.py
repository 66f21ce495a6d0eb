"""`run_replay`: the whole daily loop over simulated history in a throwaway home, then a report.

Steps: build the throwaway home (the operator's configuration, a fresh store holding the seeded
world's history; see `home`), open a runtime on it with a fast-forward `SimulatedClock`, compute
the walk-forward regime states, wire the lifecycle, scanner (its waits move the simulated clock)
and reconciler, run the loop from the first day's midnight (New York) to the last day's, and read
the report. The throwaway directory is removed afterwards unless `keep` is set.
"""

from __future__ import annotations

import time as wall
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dorado_tui.domain.clock import NEW_YORK, SimulatedClock
from dorado_tui.engine.lifecycle.ids import store_exec_id
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.engine.reconcile.service import Reconciler, ReconcileSettings
from dorado_tui.engine.replay.home import ReplayHome, discard, prepare, replay_config
from dorado_tui.engine.replay.loop import ReplayLoop, ReplaySettings
from dorado_tui.engine.replay.regime import ReplayRegime
from dorado_tui.engine.replay.report import ReplayReport, build_report
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.engine.runtime import Runtime, open_runtime
from dorado_tui.engine.scan.service import Scanner
from dorado_tui.engine.scheduler.services import LifecycleIntake
from dorado_tui.home import Home

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Wiring:
    lifecycle: Lifecycle
    scanner: Scanner
    reconciler: Reconciler
    risk: RiskService


def _sleeper(clock: SimulatedClock) -> Callable[[float], object]:
    async def sleep(seconds: float) -> None:  # retries and waits cost simulated, not real, time
        clock.advance(timedelta(seconds=max(seconds, 0.0)))
    return sleep


async def wire(rt: Runtime, clock: SimulatedClock) -> Wiring:
    """Lifecycle, scanner and reconciler of the replay runtime, all on the simulated clock."""
    risk = RiskService(rt.db, rt.config.risk_policy, clock, rt.bus, actor="replay")
    await risk.start()
    lc = Lifecycle.from_runtime(rt, risk=risk, operator="replay")
    await lc.start(recover=False)
    sleep = _sleeper(clock)
    scanner = Scanner.from_runtime(rt, sink=LifecycleIntake(lc), sleep=sleep)  # type: ignore[arg-type]
    rec = Reconciler(rt.db, risk, clock, bus=rt.bus, leases=rt.leases, recover=lc.recover,
                     process_events=lc.process_expirations, on_order=lc.on_order_update,
                     twin_exec_id=lambda e: store_exec_id(e, twin=True),
                     settings=ReconcileSettings(confirm_delay=60.0), sleep=sleep)  # type: ignore[arg-type]
    return Wiring(lc, scanner, rec, risk)


async def _run(rh: ReplayHome, start: date, end: date, settings: ReplaySettings, progress: Progress) -> ReplayReport:
    first = datetime.combine(start, time(0), tzinfo=NEW_YORK)
    last = datetime.combine(end, time(23, 59), tzinfo=NEW_YORK)
    clock = SimulatedClock(first)
    timings: dict[str, float] = {}
    async with open_runtime(config=replay_config(rh.home), clock=clock) as rt:
        w = await wire(rt, clock)
        t0 = wall.perf_counter()
        progress("regime: walk-forward states")
        regime = await ReplayRegime.backfill(rt, start, end)
        timings["regime_backfill"] = wall.perf_counter() - t0
        progress(f"loop: {start} → {end}")
        loop = ReplayLoop(rt.config, clock, w.lifecycle, w.scanner, w.reconciler, w.risk, regime,
                          (rt.venue, rt.twin_venue), settings)
        t1 = wall.perf_counter()
        tally = await loop.run(first, last)
        timings["loop"] = wall.perf_counter() - t1
        notes = [f"regime model {m} unavailable: {why}" for m, why in sorted(regime.problems.items())]
        notes.append(f"monitoring every {settings.monitor_minutes} min in session (the daemon: 15 live / 60 paper)")
        report = await build_report(w.lifecycle, tally, start=start, end=end, seed=rh.seed, settings=settings,
                                    since=first, notes=notes)
    report.performance = {**{k: round(v, 2) for k, v in timings.items()},
                          "by_event": {k: round(v, 2) for k, v in sorted(tally.seconds.items())}}
    return report


async def run_replay(source: Home, start: date, end: date, *, seed: int | None = None,
                     settings: ReplaySettings | None = None, workdir: Path | None = None, keep: bool = False,
                     progress: Progress | None = None) -> ReplayReport:
    """Replay [start, end] on the seeded simulated market with the operator's configuration in a
    throwaway home (see the module docstring)."""
    say = progress or (lambda _msg: None)
    began = wall.perf_counter()
    say("preparing the throwaway home and its history")
    rh = await prepare(source, start, end, seed, workdir)
    prepared = wall.perf_counter() - began
    try:
        report = await _run(rh, start, end, settings or ReplaySettings(), say)
    finally:
        if not keep:
            discard(rh)
    report.performance = {"prepare": round(prepared, 2), **report.performance,
                          "total": round(wall.perf_counter() - began, 2),
                          "workdir": str(rh.home.root) if keep else None}
    return report
