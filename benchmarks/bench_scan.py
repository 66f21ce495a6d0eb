"""Scan speed: the default universe (10 shipped bots, full chains) and 500 bots, runtime open.

A home is initialised in a scratch directory with the shipped configuration, 430 days of the
simulated market's history in its store and the day's regime states; one warm-up scan pays the
JIT and calendar loading. "cold chains" scans move the clock past the 2-minute chain TTL first,
so every chain is fetched and validated again (the daily scan's case); "cached chains" repeats a
scan inside the TTL (the console's re-scan). 500 bots are the shipped ten, fifty times each
(same underlyings, so they share chains: the extra cost is gates, resolution, sizing, selection
and persisting every candidate with its verdicts).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.harness import Result
from dorado_tui.domain.clock import NEW_YORK, FixedClock
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.engine.runtime import TWIN_CAPITAL, open_runtime
from dorado_tui.engine.scan.service import Scanner
from dorado_tui.home import Home, initialize
from dorado_tui.market import history as mh
from dorado_tui.market.simulator import OPTIONABLE, SYMBOLS, SimulatedMarket
from dorado_tui.market.spec import MarketSpec, save_spec
from dorado_tui.store.repos import regime as regime_repo
from dorado_tui.store.repos import series as series_repo
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

DAY = date(2026, 10, 13)
SCAN_AT = datetime(2026, 10, 13, 10, 30, tzinfo=NEW_YORK).astimezone(UTC)
COPIES = 50
RUNS = 5


def _clone_bots(home: Home, copies: int) -> int:
    bots = sorted((home.root / "config" / "bots").glob("*.yaml"))
    for path in bots:
        text = path.read_text()
        bot_id = path.stem
        for k in range(1, copies):
            clone = text.replace(f"id: {bot_id}", f"id: {bot_id}-x{k:02d}")
            (path.parent / f"{bot_id}-x{k:02d}.yaml").write_text(clone)
    return len(bots) * copies


async def _seed(rt: object, market: SimulatedMarket) -> None:
    start, end = DAY - timedelta(days=430), DAY - timedelta(days=1)
    async with rt.db.transaction() as tx:  # type: ignore[attr-defined]
        for sym in SYMBOLS:
            await series_repo.upsert_bars(tx, sym, mh.DAILY, mh.daily_bars(market, sym, start, end))
        for u in OPTIONABLE:
            await series_repo.upsert_iv(tx, u, mh.iv_history(market, u, start, end), "simulation")
        at = SCAN_AT - timedelta(hours=2)
        extra = {"BTC.p_trend": 0.74, "BTC.direction": 1.0, "ETH.p_trend": 0.7, "ETH.direction": -1.0}
        for model, label, x in ((RegimeModel.MACRO, "goldilocks", {}), (RegimeModel.FX, "momentum", {}),
                                (RegimeModel.CRYPTO, "trending", extra),
                                (RegimeModel.CORRELATION, "diversified", {"n_components": 4.0})):
            await regime_repo.record_regime(tx, RegimeState(model, DAY - timedelta(days=1), label, 0.72,
                                                            {label: 0.72}, at, extra=x))


def _venues(market: SimulatedMarket, home: Home, clock: FixedClock) -> dict[str, SimulationVenue]:
    twin = SimVenueConfig(account_id="TWINS", initial_cash=TWIN_CAPITAL)
    return {"venue": SimulationVenue(market, clock, home.state_dir / "sim_venue.sqlite"),
            "twin_venue": SimulationVenue(market, clock, home.state_dir / "paper_twins.sqlite", twin)}


async def _timed(scanner: Scanner, clock: FixedClock, step: timedelta) -> tuple[float, int, int]:
    clock.advance(step)
    t0 = time.perf_counter()
    result = await scanner.scan()
    return time.perf_counter() - t0, len(result.candidates), scanner.fetcher.requests


async def _scan_figures(root: Path, market: SimulatedMarket, seed: bool, label: str, size: str,
                        target_ms: float) -> list[Result]:
    home = Home.at(root)
    clock = FixedClock(SCAN_AT - timedelta(minutes=30))
    async with open_runtime(home, clock=clock, **_venues(market, home, clock)) as rt:
        if seed:
            await _seed(rt, market)
        scanner = Scanner.from_runtime(rt)
        await scanner.scan()  # warm-up: JIT caches, calendars, first chains
        clock.set(SCAN_AT)
        cold = [await _timed(scanner, clock, timedelta(minutes=3)) for _ in range(RUNS)]
        warm = [await _timed(scanner, clock, timedelta(seconds=1)) for _ in range(RUNS)]
    cold_ms = statistics.median(s for s, _, _ in cold) * 1e3
    warm_ms = statistics.median(s for s, _, _ in warm) * 1e3
    n = cold[-1][1]
    return [Result(f"scan {label}, cold chains", cold_ms, "ms", target_ms, size, f"{n} candidates, median of {RUNS}"),
            Result(f"scan {label}, cached chains", warm_ms, "ms", target_ms, size, f"median of {RUNS}")]


def main() -> list[Result]:
    spec = MarketSpec.default()
    t0 = time.perf_counter()
    market = SimulatedMarket(spec, until=DAY + timedelta(days=60))
    build = time.perf_counter() - t0
    out: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="dorado-bench-scan-") as tmp:
        root = Path(tmp) / "home"
        home = initialize(Home.at(root)).home
        save_spec(home.state_dir, spec)
        bots = len(list((root / "config" / "bots").glob("*.yaml")))
        out += asyncio.run(_scan_figures(root, market, True, f"default universe ({bots} bots)",
                                         f"{bots} bots, 10 underlyings, full chains", 1000.0))
        n = _clone_bots(home, COPIES)
        out += asyncio.run(_scan_figures(root, market, False, f"{n} bots", f"{n} bots on 10 underlyings", 30_000.0))
    out.append(Result("simulated market build (setup, not a target)", build, "s", 60.0, "seed 7 from 2015"))
    return out


if __name__ == "__main__":
    from benchmarks.harness import print_results

    print_results(main())
