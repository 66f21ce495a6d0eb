"""A simulated world for the console's integration tests: one market, a home whose store holds a
year of its daily bars and implied vols, and the real console backend over both simulation accounts
at a fixed instant (a Monday morning in New York, market open)."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import Right
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.engine.console_backend import BackendSettings, ConsoleCore, EngineConsoleBackend
from dorado_tui.engine.lifecycle.settings import ExecutionSettings, LifecycleSettings
from dorado_tui.engine.runtime import TWIN_CAPITAL
from dorado_tui.home import Home, initialize
from dorado_tui.market import history
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec, save_spec
from dorado_tui.venues.base import VenueAdapter
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.state import STATE_FILE
from dorado_tui.venues.simulation.venue import SimulationVenue

SPEC = MarketSpec(seed=7, start=date(2024, 1, 2))
UNTIL = date(2026, 6, 30)
#: Monday 10 March 2025, 11:00 in New York: the market is open.
MONDAY = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
HISTORY = (date(2024, 2, 1), date(2025, 3, 7))
#: Short walk steps: the fixed clock is moved by the lifecycle's own pauses, never slept on.
LIFECYCLE = LifecycleSettings(execution=ExecutionSettings(walk_steps=3, step_seconds=20.0, poll_seconds=5.0,
                                                          stuck_seconds=40.0, cancel_confirm_seconds=20.0))
#: Fast loops for tests: the feed polls often, marks and the risk view refresh often.
FAST = BackendSettings(poll_seconds=0.1, mark_seconds=1.0, risk_seconds=10.0, regime_every=5)


def build_market() -> SimulatedMarket:
    return SimulatedMarket(SPEC, until=UNTIL)


#: The trading account's capital: a cash-secured put on TLT or GLD (≈ $10k at risk) fits its 2 %
#: sizing budget and the shipped policy's per-trade caps, so a scan selects one.
CAPITAL = 1_000_000.0


async def prepare(home: Home, market: SimulatedMarket) -> None:
    """The store's history and the account's capital of a fresh test home."""
    await store_history(home, market)
    venue, _ = venues(home, market, FixedClock(MONDAY))
    await venue.connect()
    try:
        await venue.deposit(CAPITAL - (await venue.get_account_state()).net_liquidation)
    finally:
        await venue.disconnect()


async def store_history(home: Home, market: SimulatedMarket) -> None:
    """Daily bars of every simulated symbol and the ATM IV of the optionable ones, as
    `dorado data simulate` would store them."""
    from dorado_tui.store.database import Database
    from dorado_tui.store.repos import series
    from dorado_tui.store.urls import sqlite_url

    start, end = HISTORY
    db = Database(sqlite_url(home.db_path))
    try:
        async with db.transaction() as tx:
            for sym in history.history_symbols():
                await series.upsert_bars(tx, sym, "1d", history.daily_bars(market, sym, start, end))
            for sym in history.iv_underlyings():
                await series.upsert_iv(tx, sym, history.iv_history(market, sym, start, end))
    finally:
        await db.dispose()


def init_home(root: Path) -> Home:
    """An initialised home that trades the test market (its spec saved in state/)."""
    home = initialize(Home.at(root)).home
    save_spec(home.state_dir, SPEC)
    return home


def copy_home(template: Path, target: Path) -> Home:
    shutil.copytree(template, target)
    return Home.at(target)


def venues(home: Home, market: SimulatedMarket, clock: FixedClock) -> tuple[SimulationVenue, SimulationVenue]:
    """The trading account and the paper-twin account of `home` on the shared market."""
    venue = SimulationVenue(market, clock, home.state_dir / STATE_FILE)
    twins = SimulationVenue(market, clock, home.state_dir / "paper_twins.sqlite",
                            SimVenueConfig(account_id="TWINS", initial_cash=TWIN_CAPITAL))
    return venue, twins


def backend(home: Home, market: SimulatedMarket, clock: FixedClock) -> EngineConsoleBackend:
    """The real console backend of `home`, on the shared market and the fixed clock."""
    venue, twins = venues(home, market, clock)
    return EngineConsoleBackend(home, clock=clock, venue=venue, twin_venue=twins, lifecycle=LIFECYCLE,
                                settings=FAST, operator="tester")


async def read_store[T](backend: EngineConsoleBackend, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`fn(session)` in a read of the backend's store, on the engine's loop (where the store lives)."""
    async def read(core: ConsoleCore) -> T:
        async with core.engine.rt.db.read() as s:
            return await fn(s)

    return await backend.call(read)


async def at_venue[T](backend: EngineConsoleBackend, fn: Callable[[VenueAdapter], Awaitable[T]]) -> T:
    """`fn(venue)` on the backend's trading venue, on the engine's loop."""
    return await backend.call(lambda core: fn(core.engine.rt.venue))


async def rest_an_order(venue: VenueAdapter) -> str:
    """A buy limit far below the ask, placed at the venue behind Dorado's back: it rests."""
    assert isinstance(venue, SimulationVenue)
    expiry = (await venue.get_expirations("SPY"))[3]
    chain = await venue.get_chain("SPY", expiry)
    put = min((c for c in chain.contracts if c.right is Right.PUT and c.ask > 1.0), key=lambda c: c.ask)
    order = Order("outside-1", (OrderLeg(put.instrument, Action.BUY, 1),), 1, OrderType.LIMIT, 0.05)
    assert (await venue.place_order(order)).status.is_working
    return order.client_order_id
