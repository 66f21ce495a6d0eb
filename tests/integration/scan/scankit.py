"""Integration helpers for the scan: one simulated market per session, homes seeded with history
from it (the same frames `dorado data simulate` writes), runtimes whose venues share it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from dorado_tui.domain.clock import NEW_YORK, FixedClock
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.engine.runtime import TWIN_CAPITAL, Runtime, open_runtime
from dorado_tui.home import Home, initialize
from dorado_tui.market import history as mh
from dorado_tui.market.simulator import OPTIONABLE, SYMBOLS, SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.store.repos import regime as regime_repo
from dorado_tui.store.repos import series as series_repo
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

#: A smaller world than the default spec (which starts in 2015): quicker to build, same rules.
SPEC = MarketSpec(seed=7, start=date(2024, 6, 3))
UNTIL = date(2026, 12, 31)
HISTORY = (date(2025, 6, 2), date(2026, 11, 30))


def build_market() -> SimulatedMarket:
    return SimulatedMarket(SPEC, until=UNTIL)


def at(day: date, hh: int = 10, mm: int = 30) -> datetime:
    """An exchange-local (New York) time as an aware UTC instant."""
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK).astimezone(UTC)


def new_home(root: Path) -> Home:
    return initialize(Home.at(root)).home


def copy_home(template: Path, root: Path) -> Home:
    shutil.copytree(template, root)
    return Home.at(root)


def venues(market: SimulatedMarket, home: Home, clock: FixedClock,
           config: SimVenueConfig | None = None) -> tuple[SimulationVenue, SimulationVenue]:
    state = home.state_dir
    trading = SimulationVenue(market, clock, state / "sim_venue.sqlite", config)
    twin = SimulationVenue(market, clock, state / "paper_twins.sqlite",
                           SimVenueConfig(account_id="TWINS", initial_cash=TWIN_CAPITAL))
    return trading, twin


@asynccontextmanager
async def runtime(market: SimulatedMarket, home: Home, clock: FixedClock,
                  config: SimVenueConfig | None = None) -> AsyncIterator[Runtime]:
    trading, twin = venues(market, home, clock, config)
    async with open_runtime(home, clock=clock, venue=trading, twin_venue=twin) as rt:
        yield rt


async def seed_history(rt: Runtime, market: SimulatedMarket, start: date = HISTORY[0], end: date = HISTORY[1]) -> None:
    async with rt.db.transaction() as tx:
        for sym in SYMBOLS:
            await series_repo.upsert_bars(tx, sym, mh.DAILY, mh.daily_bars(market, sym, start, end))
        for u in OPTIONABLE:
            await series_repo.upsert_iv(tx, u, mh.iv_history(market, u, start, end), "simulation")


def regime_states(day: date, computed_at: datetime, macro: str = "goldilocks", macro_conf: float = 0.72,
                  fx: str = "momentum") -> list[RegimeState]:
    asof = day - timedelta(days=1)
    crypto = {"BTC.p_trend": 0.74, "BTC.direction": 1.0, "ETH.p_trend": 0.70, "ETH.direction": -1.0}
    return [RegimeState(RegimeModel.MACRO, asof, macro, macro_conf, {macro: macro_conf}, computed_at),
            RegimeState(RegimeModel.FX, asof, fx, 0.68, {fx: 0.68}, computed_at),
            RegimeState(RegimeModel.CRYPTO, asof, "trending", 0.72, {"trending": 0.72}, computed_at, extra=crypto),
            RegimeState(RegimeModel.CORRELATION, asof, "diversified", 0.8, {"diversified": 0.8}, computed_at,
                        extra={"n_components": 4.0})]


async def publish(rt: Runtime, states: list[RegimeState]) -> None:
    async with rt.db.transaction() as tx:
        for s in states:
            await regime_repo.record_regime(tx, s)


class AdvancingSleep:
    """The scan's injected sleep: records each wait and moves the test clock instead of waiting."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock, self.waits = clock, []  # type: ignore[var-annotated]

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
