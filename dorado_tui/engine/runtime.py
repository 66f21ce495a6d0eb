"""The composition root: one `Runtime` built from a home's configuration, shared by every front door.

The Typer commands, the Textual console, the headless daemon and the tests all open the same
runtime (`open_runtime`), so they see the same store, bus, cache, venues and risk services.
Nothing here decides anything: it wires the pieces the configuration names.

Venues: `venue` is where the bots of the configured global mode trade (the simulation venue for
`simulation`, Interactive Brokers for `paper`/`live`, configured from `venue.ibkr`); `twin_venue`
is always a separate simulation account (its own state file and capital) where paper twins of
unselected candidates run, so they never consume the trading account's buying power. A trading
venue that resyncs on (re)connect gets the reconciliation and outage hooks before it connects
(`engine.venue_wiring`), whichever front door opened the runtime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from dorado_tui.domain.clock import Clock, RealClock
from dorado_tui.engine.venue_wiring import ibkr_config, wire_venue
from dorado_tui.home import Home
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.config import Config, load_config
from dorado_tui.store.bus import EventBus, make_bus
from dorado_tui.store.cache import Cache, make_cache
from dorado_tui.store.database import Database
from dorado_tui.store.leases import Leases, make_leases
from dorado_tui.venues.base import VenueAdapter

TWIN_STATE_FILE = "paper_twins.sqlite"
#: Capital of the paper-twin account: large enough that twins are never refused for buying power.
TWIN_CAPITAL = 10_000_000.0


@dataclass
class Runtime:
    """Everything a service needs, built once per process."""

    config: Config
    clock: Clock
    db: Database
    bus: EventBus
    cache: Cache
    leases: Leases
    venue: VenueAdapter
    twin_venue: VenueAdapter
    services: dict[str, Any] = field(default_factory=dict)

    @property
    def home(self) -> Home:
        return self.config.home

    def venue_for(self, bot: Bot, *, paper_twin: bool = False) -> VenueAdapter:
        """The venue a bot trades through (twins always trade on the twin account)."""
        if paper_twin:
            return self.twin_venue
        mode = self.config.venue_mode_for(bot)
        if mode == "simulation" or self.venue.name == "simulation":
            return self.venue if self.venue.name == "simulation" else self.twin_venue
        return self.venue

    async def close(self) -> None:
        """Release every resource (idempotent; errors in one do not leak the others)."""
        for closer in (self.venue.disconnect, self.twin_venue.disconnect, self.leases.close,
                       self.cache.close, self.bus.close, self.db.dispose):
            try:
                await closer()
            except Exception:  # closing must go on; the process is ending anyway
                continue


def _simulated_market(config: Config) -> Any:
    """The home's simulated market: the spec its history was simulated with, else the configured
    seed; parameters from config/market_sim.yaml. Built once per process."""
    from dorado_tui.market.config import load_market_sim_config
    from dorado_tui.market.simulator import SimulatedMarket
    from dorado_tui.market.spec import MarketSpec, load_spec

    home = config.home
    spec = load_spec(home.state_dir) or MarketSpec(seed=config.dorado.simulation.seed)
    return SimulatedMarket(spec, load_market_sim_config(home.config_dir / "market_sim.yaml"))


def _simulation_venue(home: Home, clock: Clock, market: Any, *, twin: bool = False) -> VenueAdapter:
    from dorado_tui.venues.simulation.config import SimVenueConfig
    from dorado_tui.venues.simulation.state import STATE_FILE
    from dorado_tui.venues.simulation.venue import SimulationVenue

    if not twin:
        return SimulationVenue(market, clock, home.state_dir / STATE_FILE)
    config = SimVenueConfig(account_id="TWINS", initial_cash=TWIN_CAPITAL)
    return SimulationVenue(market, clock, home.state_dir / TWIN_STATE_FILE, config)


def _ibkr_venue(config: Config, clock: Clock) -> VenueAdapter:
    from dorado_tui.venues.ibkr.adapter import IBKRAdapter

    return IBKRAdapter(ibkr_config(config), clock)


def build_venues(config: Config, clock: Clock, *, venue: VenueAdapter | None = None,
                 twin_venue: VenueAdapter | None = None) -> tuple[VenueAdapter, VenueAdapter]:
    """(trading venue, paper-twin venue) for the configured global venue mode; the ones given are
    kept, and the simulated market is built only when a simulation venue is still missing."""
    simulated = config.dorado.venue.mode == "simulation"
    if venue is None and not simulated:
        venue = _ibkr_venue(config, clock)
    if venue is not None and twin_venue is not None:
        return venue, twin_venue
    market = _simulated_market(config)
    twin = twin_venue or _simulation_venue(config.home, clock, market, twin=True)
    return venue or _simulation_venue(config.home, clock, market), twin


@asynccontextmanager
async def open_runtime(
    home: Home | None = None,
    *,
    config: Config | None = None,
    clock: Clock | None = None,
    venue: VenueAdapter | None = None,
    twin_venue: VenueAdapter | None = None,
    connect: bool = True,
) -> AsyncIterator[Runtime]:
    """Open the runtime of a home (validated config, migrated store, connected venues).

    Raises ConfigError for a bad configuration and StoreError when the store has not been
    initialised (`dorado init`). Tests pass their own clock and venues (either may be given
    alone; the other is built from the configuration). The trading venue is wired before it
    connects (see the module docstring).
    """
    config = config or load_config(home)
    clock = clock or RealClock()
    db = Database(config.store_url())
    await _require_schema(config, db)
    bus = make_bus(config.bus_url())
    cache = make_cache(config.cache_url())
    leases = make_leases(config.cache_url(), database=db, clock=clock)
    if venue is None or twin_venue is None:
        venue, twin_venue = build_venues(config, clock, venue=venue, twin_venue=twin_venue)
    runtime = Runtime(config, clock, db, bus, cache, leases, venue, twin_venue)
    wire_venue(runtime)
    try:
        if connect:
            await twin_venue.connect()
            await venue.connect()
        yield runtime
    finally:
        await runtime.close()


async def _require_schema(config: Config, db: Database) -> None:
    """Refuse to run against a store that was never migrated (one clear line, not a SQL error)."""
    from dorado_tui.domain.errors import StoreError
    from dorado_tui.store.migrate import current_revision_async, head_revision

    current = await current_revision_async(config.store_url())
    if current is None:
        await db.dispose()
        raise StoreError(f"the store at {db.masked_url} is not initialised: run `dorado init` "
                         f"(or `dorado db upgrade`) for the home {config.home.root}")
    if current != head_revision():
        await db.dispose()
        raise StoreError(f"the store at {db.masked_url} is at revision {current}, this Dorado needs "
                         f"{head_revision()}: run `dorado db upgrade`")
