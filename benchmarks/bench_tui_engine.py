"""Console speed over the real engine: `EngineConsoleBackend` on the simulation venue with 1,000
stored positions, driven headless through the same app factory as `dorado tui`.

Figures (sizes in each row):
- simulated market build (the simulation venue's one-off cost, 2024-01 → 2026-06, seed 7);
- engine open → first dashboard painted (services, bots, feed backlog, first snapshot);
- snapshot read, awaited from the console's loop while the engine runs on its own loop: with
  nothing changed (every position's view reused from the last read) and a minute later (the
  views depend on the minute: every one rebuilt, the cost of a read after a mark pass);
- live, at the issue's rate (every position marked every 10 s: 100 marks/s) and at ten times it
  (every second): the market moves a minute per pass so every mark moves, the console re-reads
  the snapshot every 2 s and the feed polls the store; figures: mark → dashboard painted (from
  the engine's publish to the first screen refresh after the table holds it), the console loop's
  worst lag (5 ms ticker) and the console thread's CPU between ticks (what its own work blocked,
  not what other threads or the OS took);
- ctrl+k → HALTED and nothing working (key to the kill worker's end, 20 resting orders).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from benchmarks.harness import Result, percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "console"))  # the console's test world

from console_world import (  # noqa: E402
    MONDAY,
    build_market,
    init_home,
    prepare,
    venues,
)

from dorado_tui.domain.account import Position  # noqa: E402
from dorado_tui.domain.clock import FixedClock  # noqa: E402
from dorado_tui.domain.instruments import Right  # noqa: E402
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType  # noqa: E402
from dorado_tui.domain.states import TradingState  # noqa: E402
from dorado_tui.engine.console_backend import BackendSettings, ConsoleCore, EngineConsoleBackend  # noqa: E402
from dorado_tui.engine.console_backend.queries import latest_audit  # noqa: E402
from dorado_tui.engine.console_views import ConsoleEvent, KillReport, PositionMark  # noqa: E402
from dorado_tui.home import Home  # noqa: E402
from dorado_tui.market.simulator import SimulatedMarket  # noqa: E402
from dorado_tui.store.repos import positions as position_repo  # noqa: E402
from dorado_tui.tui.app import DoradoConsole, create_app  # noqa: E402

POSITIONS = 1000
UNDERLYINGS = ("SPY", "QQQ", "IWM", "TLT", "GLD")
TICK = 0.005
KILLS = 5
RESTING = 20
SIZE = (160, 48)


@dataclass(frozen=True)
class Scenario:
    """A live run: every position marked every `step` seconds for `seconds`, held to targets."""

    name: str
    step: float
    seconds: float
    mark_target: float
    lag_target: float


#: The issue's load (1,000 positions, 100 updates/s) and ten times it (targets doubled).
SCENARIOS = (Scenario("100 marks/s", 10.0, 20.0, 100.0, 50.0), Scenario("1,000 marks/s", 1.0, 10.0, 200.0, 100.0))


async def seed_positions(core: ConsoleCore, n: int) -> None:
    """`n` put credit spreads on five underlyings, priced from the venue's chains, as open positions."""
    venue = core.engine.rt.venue
    spreads = []
    for und in UNDERLYINGS:
        for expiry in (await venue.get_expirations(und))[2:5]:  # type: ignore[attr-defined]
            chain = await venue.get_chain(und, expiry)  # type: ignore[attr-defined]
            puts = sorted((c for c in chain.contracts if c.right is Right.PUT and c.bid > 0), key=lambda c: c.strike)
            spreads += [(und, puts[i], puts[i - 1]) for i in range(1, len(puts))]
    now = core.clock.now()
    async with core.engine.rt.db.transaction() as tx:
        for i in range(n):
            und, short, long = spreads[(i * 7919) % len(spreads)]
            credit = short.mid - long.mid
            legs = (Position(short.instrument, -1.0, short.mid), Position(long.instrument, 1.0, long.mid))
            await position_repo.open_position(tx, position_repo.ManagedPosition(
                f"pbench{i:07d}", "qqq-pcs-01", und, 1.0, -credit, now - timedelta(days=1), legs,
                template="put_credit_spread", strategy_layer="L2_credit_spreads",
                max_loss=(short.strike - long.strike - credit) * 100))


@dataclass
class Live:
    """What the live run records on both sides of the engine/console boundary."""

    sent: dict[tuple[str, float], float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    busy: list[float] = field(default_factory=list)
    running: bool = True

    def published(self, item: ConsoleEvent | None) -> None:  # on the engine loop, at publish time
        if isinstance(item, PositionMark):
            self.sent[(item.position_id, item.unrealized_pnl)] = time.perf_counter()

    def observe(self, app: DoradoConsole, marks: list[PositionMark]) -> None:
        arrived = [self.sent.pop((m.position_id, m.unrealized_pnl), None) for m in marks]

        def painted() -> None:
            now = time.perf_counter()
            self.latencies.extend((now - t) * 1e3 for t in arrived if t is not None)

        app.call_after_refresh(painted)

    async def ticker(self) -> None:
        while self.running:
            t0, c0 = time.perf_counter(), time.thread_time()
            await asyncio.sleep(TICK)
            self.lags.append((time.perf_counter() - t0 - TICK) * 1e3)
            self.busy.append((time.thread_time() - c0) * 1e3)


async def _painted(app: DoradoConsole) -> None:
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


async def _live(app: DoradoConsole, backend: EngineConsoleBackend, clock: FixedClock, sc: Scenario) -> Live:
    """Move the market a minute every `sc.step` seconds for `sc.seconds`; every mark it moves is
    timed from the engine's publish to the painted dashboard."""
    live = Live()

    async def attach(core: ConsoleCore) -> None:
        core.feed.attach(live.published)

    await backend.call(attach)
    app.marks_signal.subscribe(app.screen, lambda marks: live.observe(app, marks))
    ticker = asyncio.create_task(live.ticker())
    start = time.perf_counter()
    while time.perf_counter() - start < sc.seconds:
        clock.advance(timedelta(minutes=1))
        await asyncio.sleep(sc.step)
    live.running = False
    await ticker
    return live


async def _rest(core: ConsoleCore, run: int) -> None:
    venue = core.engine.rt.venue
    expiry = (await venue.get_expirations("SPY"))[3]  # type: ignore[attr-defined]
    chain = await venue.get_chain("SPY", expiry)  # type: ignore[attr-defined]
    puts = [c for c in chain.contracts if c.right is Right.PUT and c.ask > 1.0][:RESTING]
    for k, put in enumerate(puts):
        order = Order(f"bench-{run}-{k}", (OrderLeg(put.instrument, Action.BUY, 1),), 1, OrderType.LIMIT, 0.05)
        await venue.place_order(order)


async def _cancelled(core: ConsoleCore) -> int:
    async with core.engine.rt.db.read() as s:
        kill = await latest_audit(s, "risk.kill")
    return len(kill.payload.get("cancelled") or ()) if kill else 0


async def _kills(app: DoradoConsole, backend: EngineConsoleBackend) -> tuple[list[float], int]:
    """From the key to the engine's answer (HALT committed, cancels acknowledged), `KILLS` times."""
    walls, cancelled = [], 0
    answered = asyncio.Event()
    kill = backend.kill

    async def timed_kill() -> KillReport:
        report = await kill()
        answered.set()
        return report

    backend.kill = timed_kill  # type: ignore[method-assign]
    for run in range(KILLS):
        await backend.call(lambda core, run=run: _rest(core, run))  # type: ignore[misc]
        answered.clear()
        t0 = time.perf_counter()
        app.simulate_key("ctrl+k")  # as a terminal delivers it (the pilot's press waits for idle)
        await answered.wait()
        walls.append((time.perf_counter() - t0) * 1e3)
        if await backend.orders_in_flight() or (await backend.snapshot()).trading.global_state is not TradingState.HALTED:
            raise RuntimeError("the kill left the store unhalted or orders working")
        cancelled = await backend.call(_cancelled)
        await backend.resume("benchmark")
    return walls, cancelled


async def _session(home: Home, market: SimulatedMarket, clock: FixedClock, sc: Scenario,
                   *, kills: bool) -> dict[str, float]:
    """One console over the engine: first paint, snapshot reads, the live run, optionally kills."""
    venue, twins = venues(home, market, clock)
    backend = EngineConsoleBackend(home, clock=clock, venue=venue, twin_venue=twins, operator="bench",
                                   settings=BackendSettings(poll_seconds=0.5, mark_seconds=sc.step, risk_seconds=30.0))
    app = create_app(backend, clock=clock, refresh_seconds=2.0)
    t0 = time.perf_counter()
    out: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        while app.snapshot is None:
            await pilot.pause(0.005)
        await _painted(app)
        out["first"] = (time.perf_counter() - t0) * 1e3
        reads, rebuilt = [], []
        for _ in range(10):
            r0 = time.perf_counter()
            await backend.snapshot()
            reads.append((time.perf_counter() - r0) * 1e3)
        for _ in range(5):
            clock.advance(timedelta(minutes=1))
            r0 = time.perf_counter()
            await backend.snapshot()
            rebuilt.append((time.perf_counter() - r0) * 1e3)
        live = await _live(app, backend, clock, sc)
        if kills:
            walls, out["cancelled"] = await _kills(app, backend)
            out |= {"kill_median": statistics.median(walls), "kill_max": max(walls)}
    return out | {"read_median": statistics.median(reads), "read_max": max(reads),
                  "rebuilt_median": statistics.median(rebuilt), "rebuilt_max": max(rebuilt),
                  "p99": percentile(live.latencies, 99), "max": max(live.latencies), "count": len(live.latencies),
                  "lag_max": max(live.lags), "lag_p99": percentile(live.lags, 99), "busy_max": max(live.busy),
                  "busy_p99": percentile(live.busy, 99)}


async def engine_run(root: Path) -> tuple[float, list[dict[str, float]]]:
    t0 = time.perf_counter()
    market = build_market()
    market_ms = (time.perf_counter() - t0) * 1e3
    home = init_home(root)
    await prepare(home, market)
    clock = FixedClock(MONDAY)
    venue, twins = venues(home, market, clock)
    seeding = EngineConsoleBackend(home, clock=clock, venue=venue, twin_venue=twins, operator="bench")
    await seeding.open()
    await seeding.call(lambda core: seed_positions(core, POSITIONS))
    await seeding.close()
    runs = [await _session(home, market, clock, sc, kills=sc is SCENARIOS[-1]) for sc in SCENARIOS]
    return market_ms, runs


def _live_rows(sc: Scenario, r: dict[str, float], n: str, load: str) -> list[Result]:
    size = (f"{n}; {sc.name}: every position marked every {sc.step:g} s for {sc.seconds:g} s (the market "
            f"moves a minute each time), snapshot every 2 s, feed poll 0.5 s")
    return [
        Result(f"engine, {sc.name}: mark → dashboard painted (p99)", r["p99"], "ms", sc.mark_target, size,
               f"max {r['max']:.0f} ms over {int(r['count'])} marks"),
        Result(f"engine, {sc.name}: console loop lag, wall (max)", r["lag_max"], "ms", sc.lag_target, size,
               f"p99 {r['lag_p99']:.1f} ms, 5 ms ticker, {load}"),
        Result(f"engine, {sc.name}: console thread CPU between ticks (max)", r["busy_max"], "ms", sc.lag_target,
               size, f"p99 {r['busy_p99']:.1f} ms"),
    ]


def main() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        market_ms, runs = asyncio.run(engine_run(Path(tmp) / "home"))
    n = f"{POSITIONS:,} positions × 2 legs, simulation venue, {SIZE[0]}×{SIZE[1]}"
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    first, last = runs[0], runs[-1]
    rows = [
        Result("engine: simulated market build", market_ms, "ms", 10_000, "seed 7, 2024-01 → 2026-06",
               "the simulation venue's one-off cost, built off the console loop"),
        Result("engine: open → first dashboard painted", first["first"], "ms", 5_000, n, load),
        Result("engine: snapshot read, views reused (median)", first["read_median"], "ms", 500, n,
               f"max {first['read_max']:.0f} ms; on the engine loop, awaited from the console's"),
        Result("engine: snapshot read, every view rebuilt (median)", first["rebuilt_median"], "ms", 500, n,
               f"max {first['rebuilt_max']:.0f} ms; the clock a minute on each time"),
    ]
    for sc, r in zip(SCENARIOS, runs, strict=True):
        rows += _live_rows(sc, r, n, load)
    rows.append(Result("engine: ctrl+k → HALTED, nothing working (median)", last["kill_median"], "ms", 1_000,
                       f"{RESTING} resting orders at the venue, {KILLS} runs, during the {SCENARIOS[-1].name} run's "
                       "aftermath", f"max {last['kill_max']:.0f} ms, {int(last['cancelled'])} cancelled per kill"))
    return rows


if __name__ == "__main__":
    from benchmarks.harness import print_results

    print_results(main())
