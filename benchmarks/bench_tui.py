"""Console speed over the seeded recording backend of tests/tui (the console alone): first paint,
live marks with 1,000 positions at 100 updates/s, event-loop lag. The same console over the real
engine is measured in `bench_tui_engine.py`.

- first paint, cold: a fresh interpreter imports everything, builds the console and paints the
  dashboard (bytecode cached privately, as on a normal install);
- first paint in-process with 1,000 positions;
- mark latency: from the backend yielding a position mark to the first screen refresh after the
  dashboard's table holds it (p99 and max over the run), with the 2-second snapshot refresh on;
- loop lag: a 5 ms ticker's worst overshoot while marks stream in (nothing may block > 50 ms);
- first switch to the Positions screen with 1,000 positions (composes and fills the table).
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.harness import Result, percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the seeded recording backend lives with the TUI tests

from tui import seed  # noqa: E402
from tui.fakes import RecordingBackend  # noqa: E402

from dorado_tui.domain.clock import FixedClock  # noqa: E402
from dorado_tui.engine.console_views import DashboardSnapshot, PositionMark  # noqa: E402
from dorado_tui.tui.app import DoradoConsole, create_app  # noqa: E402
from dorado_tui.tui.widgets.table import SyncTable  # noqa: E402

POSITIONS = 1000
RATE = 100  # marks per second
SECONDS = 6.0
TICK = 0.005
COLD_RUNS = 5
SIZE = (160, 48)

_COLD_CHILD = """
import sys
sys.path.insert(0, {tests!r})
from tui import seed
from tui.fakes import RecordingBackend
from dorado_tui.domain.clock import FixedClock
from dorado_tui.tui.app import create_app
app = create_app(RecordingBackend(), clock=FixedClock(seed.ASOF))
async def painted(pilot):
    while app.snapshot is None:
        await pilot.pause(0.01)
    await pilot.pause()
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()
    print("PAINTED", flush=True)
    app.exit()
import asyncio
app.run(headless=True, size=(80, 24), auto_pilot=painted)
"""


class BenchBackend(RecordingBackend):
    """The recording backend whose snapshot folds the marks it has streamed into its positions."""

    def __init__(self, snapshot: DashboardSnapshot) -> None:
        super().__init__(snapshot)
        self.latest: dict[str, PositionMark] = {}

    async def snapshot(self) -> DashboardSnapshot:
        if self.latest:
            marks, self.latest = self.latest, {}
            positions = tuple(replace(p, mark=marks[p.id].mark, unrealized_pnl=marks[p.id].unrealized_pnl)
                              if p.id in marks else p for p in self.current.positions)
            self.current = replace(self.current, version=self.current.version + 1, positions=positions,
                                   asof=max(m.time for m in marks.values()))
        return await super().snapshot()


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_first_paint() -> tuple[float, float, float]:
    """Median wall, max wall and median CPU ms from process start to the dashboard's first paint."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("DORADO_")}
    code = _COLD_CHILD.format(tests=str(ROOT / "tests"))
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as cache:
        env["PYTHONPYCACHEPREFIX"] = cache
        for run in range(COLD_RUNS + 1):
            t0, c0 = time.perf_counter(), _child_cpu()
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                 timeout=120, cwd=ROOT, check=True)
            if "PAINTED" not in out.stdout:
                raise RuntimeError(f"cold child did not paint: {out.stdout}{out.stderr}")
            if run:  # the first run fills the bytecode cache
                walls.append((time.perf_counter() - t0) * 1e3)
                cpus.append((_child_cpu() - c0) * 1e3)
    return statistics.median(walls), max(walls), statistics.median(cpus)


async def _painted(app: DoradoConsole) -> None:
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


class Stream:
    """Pushes marks at a fixed rate and records when each one reached a painted dashboard."""

    def __init__(self, app: DoradoConsole, backend: BenchBackend) -> None:
        self.app, self.backend = app, backend
        self.sent: dict[tuple[str, float], float] = {}
        self.latencies: list[float] = []
        self.lags: list[float] = []
        self.busy: list[float] = []
        self.running = True

    def observe(self, marks: list[PositionMark]) -> None:
        """Runs after the dashboard patched its table (same node, later callback)."""
        arrived = [self.sent.pop((m.position_id, m.unrealized_pnl), None) for m in marks]

        def painted() -> None:
            now = time.perf_counter()
            self.latencies.extend((now - t) * 1e3 for t in arrived if t is not None)

        self.app.call_after_refresh(painted)

    async def ticker(self) -> None:
        """Wall overshoot of a 5 ms sleep, and the CPU this process burnt meanwhile: on a shared
        machine a long wall gap with little CPU is the OS scheduler, not a blocked loop."""
        while self.running:
            t0, c0 = time.perf_counter(), time.process_time()
            await asyncio.sleep(TICK)
            self.lags.append((time.perf_counter() - t0 - TICK) * 1e3)
            self.busy.append((time.process_time() - c0) * 1e3)

    async def feed(self) -> None:
        start = time.perf_counter()
        for k in range(int(RATE * SECONDS)):
            target = start + k / RATE
            await asyncio.sleep(max(0.0, target - time.perf_counter()))
            pos = f"pos-{(k * 7919) % POSITIONS:04d}"
            pnl = 10_000.0 + k + 0.25
            self.sent[(pos, pnl)] = time.perf_counter()
            mark = PositionMark(pos, 50.0, pnl, seed.ASOF.replace(microsecond=k % 1_000_000))
            self.backend.latest[pos] = mark
            self.backend.push(mark)


async def live_run() -> dict[str, float]:
    backend = BenchBackend(seed.snapshot(POSITIONS))
    app = create_app(backend, clock=FixedClock(seed.ASOF), refresh_seconds=2.0)
    t0 = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        while app.snapshot is None:
            await pilot.pause(0.005)
        await _painted(app)
        first_paint = (time.perf_counter() - t0) * 1e3
        stream = Stream(app, backend)
        app.marks_signal.subscribe(app.screen, stream.observe)
        ticker = asyncio.create_task(stream.ticker())
        await stream.feed()
        await pilot.pause(0.3)
        stream.running = False
        await ticker
        table = app.screen.query_one("#positions", SyncTable)
        last = f"pos-{((int(RATE * SECONDS) - 1) * 7919) % POSITIONS:04d}"
        shown = table.get_cell(last, "pnl")
        if getattr(shown, "plain", shown) != f"+${10_000 + int(RATE * SECONDS) - 1:,}":
            raise RuntimeError(f"the last mark is not on the dashboard: {shown}")
        t1 = time.perf_counter()
        await pilot.press("3")
        while not app.screen.query("#positions") or app.screen.query_one("#positions", SyncTable).row_count < POSITIONS:
            await pilot.pause(0.005)
        await _painted(app)
        switch = (time.perf_counter() - t1) * 1e3
    return {"first_paint": first_paint, "p99": percentile(stream.latencies, 99),
            "max": max(stream.latencies), "count": len(stream.latencies),
            "lag_max": max(stream.lags), "lag_p99": percentile(stream.lags, 99), "switch": switch,
            "busy_max": max(stream.busy), "busy_p99": percentile(stream.busy, 99)}


def main() -> list[Result]:
    cold_median, cold_max, cold_cpu = cold_first_paint()
    live = asyncio.run(live_run())
    n = f"{POSITIONS:,} positions, {RATE} marks/s for {SECONDS:g} s, refresh every 2 s, {SIZE[0]}×{SIZE[1]}"
    return [
        Result("first paint, cold process (median)", cold_median, "ms", 1500,
               f"{COLD_RUNS} fresh interpreters, seeded state, 80×24",
               f"max {cold_max:.0f} ms, CPU {cold_cpu:.0f} ms"),
        Result("first paint, cold process (median CPU)", cold_cpu, "ms", 1500,
               f"{COLD_RUNS} fresh interpreters, seeded state, 80×24"),
        Result("first paint in-process, 1,000 positions", live["first_paint"], "ms", 1500, f"{SIZE[0]}×{SIZE[1]}"),
        Result("mark → dashboard painted (p99)", live["p99"], "ms", 100, n,
               f"max {live['max']:.1f} ms over {int(live['count'])} marks"),
        Result("event-loop lag, wall (max)", live["lag_max"], "ms", 50, n,
               f"p99 {live['lag_p99']:.1f} ms, 5 ms ticker, load average {os.getloadavg()[0]:.1f} on "
               f"{os.cpu_count()} CPUs"),
        Result("event loop blocked, CPU between ticks (max)", live["busy_max"], "ms", 50, n,
               f"p99 {live['busy_p99']:.1f} ms"),
        Result("first switch to Positions, 1,000 positions", live["switch"], "ms", 1000, f"{SIZE[0]}×{SIZE[1]}"),
    ]


if __name__ == "__main__":
    from benchmarks.harness import print_results

    print_results(main())
