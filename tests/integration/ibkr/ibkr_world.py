"""A paper-mode Dorado home wired to an in-process gateway simulator: the home's `venue.ibkr`
points at the simulator's port, the simulator serves the simulation venue (`VenueBook`) over the
same simulated market the store's history came from, and the runtime is the real `open_runtime`
(so the IBKR adapter is built from dorado.yaml and wired with the reconciliation and outage hooks).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dorado_tui.domain.clock import NEW_YORK, FixedClock
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.engine.lifecycle.settings import ExecutionSettings, LifecycleSettings
from dorado_tui.engine.runtime import TWIN_CAPITAL, Runtime, open_runtime
from dorado_tui.home import Home, initialize
from dorado_tui.market import history as mh
from dorado_tui.market.simulator import OPTIONABLE, SYMBOLS, SimulatedMarket
from dorado_tui.market.spec import MarketSpec, save_spec
from dorado_tui.market.universe import FX_PAIRS, INDICES, STOCKS, instrument_for
from dorado_tui.store.database import Database
from dorado_tui.store.repos import regime as regime_repo
from dorado_tui.store.repos import series as series_repo
from dorado_tui.store.urls import sqlite_url
from dorado_tui.venues.ibkr.adapter import IBKRAdapter
from dorado_tui.venues.ibkr.gateway_sim.server import GatewaySimulator
from dorado_tui.venues.ibkr.gateway_sim.venue_book import VenueBook
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

SPEC = MarketSpec(seed=7, start=date(2024, 6, 3))
UNTIL = date(2026, 12, 31)
HISTORY = (date(2025, 6, 2), date(2026, 11, 30))
#: A Friday: the golden scan's day (spy-ic-01 selects an iron condor expiring 2026-09-18).
SCAN_DAY = date(2026, 8, 7)
CLIENT_ID = 17
SETTLE = 20.0  # seconds any single wait may take before a test fails
FAST = LifecycleSettings(execution=ExecutionSettings(walk_steps=3, step_seconds=20.0, poll_seconds=5.0,
                                                     stuck_seconds=40.0, cancel_confirm_seconds=20.0))

#: venue.ibkr for the tests: short timeouts and backoffs, fewer strikes per chain, whose wings stop at
#: |delta| 0.10 (speed only: every message is paced at IB's rate, the quotes themselves are instant).
IBKR_YAML = """\
venue:
  mode: paper
  ibkr:
    host: 127.0.0.1
    paper_port: {port}
    client_id: {client_id}
    connect_timeout_s: 5
    request_timeout_s: 10
    order_ack_timeout_s: 5
    reconnect_initial_s: 0.01
    reconnect_max_s: 0.05
    heartbeat_interval_s: 600
    quote_wait_s: 5
    chain_strike_window: 0.12
    chain_near_strikes: 5
    chain_min_abs_delta: 0.1
    chain_max_strikes: {strikes}
"""


def at(day: date, hh: int = 10, mm: int = 30) -> datetime:
    """An exchange-local (New York) time as an aware UTC instant."""
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK).astimezone(UTC)


def build_market() -> SimulatedMarket:
    return SimulatedMarket(SPEC, until=UNTIL)


async def _seed_history(home: Home, market: SimulatedMarket) -> None:
    db = Database(sqlite_url(home.db_path))
    try:
        async with db.transaction() as tx:
            for sym in SYMBOLS:
                await series_repo.upsert_bars(tx, sym, mh.DAILY, mh.daily_bars(market, sym, *HISTORY))
            for u in OPTIONABLE:
                await series_repo.upsert_iv(tx, u, mh.iv_history(market, u, *HISTORY), "simulation")
    finally:
        await db.dispose()


def template_home(root: Path, market: SimulatedMarket) -> Path:
    """An initialised home with the market's spec and a year and a half of bars and IV history."""
    home = initialize(Home.at(root)).home
    save_spec(home.state_dir, SPEC)
    with ThreadPoolExecutor(max_workers=1) as pool:  # session fixtures may start inside a running loop
        pool.submit(lambda: asyncio.run(_seed_history(home, market))).result()
    return root


def paper_home(template: Path, target: Path, port: int, *, strikes: int = 80) -> Home:
    """A copy of the template whose dorado.yaml trades paper through the simulator at `port`."""
    shutil.copytree(template, target)
    home = Home.at(target)
    path = home.config_dir / "dorado.yaml"
    text = path.read_text()
    _, _, tail = text.partition("\nstore:")
    ibkr = IBKR_YAML.format(port=port, client_id=CLIENT_ID, strikes=strikes)
    path.write_text(ibkr + "\nstore:" + tail if tail else ibkr)
    return home


def regime_states(day: date) -> list[RegimeState]:
    """Risk-on regimes published the morning of `day` (the scan's gate 1 passes)."""
    asof, computed = day - timedelta(days=1), at(day, 8, 30)
    crypto = {"BTC.p_trend": 0.74, "BTC.direction": 1.0, "ETH.p_trend": 0.70, "ETH.direction": -1.0}
    return [RegimeState(RegimeModel.MACRO, asof, "goldilocks", 0.72, {"goldilocks": 0.72}, computed),
            RegimeState(RegimeModel.FX, asof, "momentum", 0.68, {"momentum": 0.68}, computed),
            RegimeState(RegimeModel.CRYPTO, asof, "trending", 0.72, {"trending": 0.72}, computed, extra=crypto),
            RegimeState(RegimeModel.CORRELATION, asof, "diversified", 0.8, {"diversified": 0.8}, computed,
                        extra={"n_components": 4.0})]


async def publish_regimes(rt: Runtime, day: date) -> None:
    async with rt.db.transaction() as tx:
        for state in regime_states(day):
            await regime_repo.record_regime(tx, state)


@dataclass
class Broker:
    """The simulated broker behind the gateway: the simulation venue and the simulator serving it."""

    venue: SimulationVenue
    gateway: GatewaySimulator


@asynccontextmanager
async def broker(market: SimulatedMarket, clock: FixedClock, state: Path) -> AsyncIterator[Broker]:
    """The simulation venue (its own state file, outside the home) behind a gateway simulator."""
    venue = SimulationVenue(market, clock, state / "ib_broker.sqlite")
    await venue.connect()
    book = VenueBook(venue, clock, [instrument_for(s) for s in (*STOCKS, *INDICES, *FX_PAIRS)])
    try:
        async with GatewaySimulator(book, clock) as gw:
            yield Broker(venue, gw)
    finally:
        await venue.disconnect()


def twin_venue(market: SimulatedMarket, clock: FixedClock, home: Home) -> SimulationVenue:
    return SimulationVenue(market, clock, home.state_dir / "paper_twins.sqlite",
                           SimVenueConfig(account_id="TWINS", initial_cash=TWIN_CAPITAL))


@asynccontextmanager
async def dorado(home: Home, market: SimulatedMarket, clock: FixedClock, **lifecycle: Any,
                 ) -> AsyncIterator[tuple[Runtime, Lifecycle]]:
    """One Dorado process: the real runtime (IB venue from dorado.yaml) and its lifecycle."""
    async with open_runtime(home, clock=clock, twin_venue=twin_venue(market, clock, home)) as rt:
        assert isinstance(rt.venue, IBKRAdapter)
        lc = Lifecycle.from_runtime(rt, settings=lifecycle.pop("settings", FAST), **lifecycle)
        rt.services["lifecycle"] = lc
        await lc.start(recover=False)  # the connect's reconciliation already recovered intents
        yield rt, lc


class AdvancingSleep:
    """The scan's injected sleep: moves the test clock instead of waiting (records each wait)."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
