"""The headless daemon: reconciles at start, owns the job table, stops gracefully."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views import SchedulerRole
from dorado_tui.engine.reconcile.model import Reconciliation
from dorado_tui.engine.scheduler.runner import LEASE, LeasedScheduler
from dorado_tui.jobs import DaemonReport, run_daemon
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.settings.config import Config
from dorado_tui.store.database import Database
from dorado_tui.store.leases import SqlLeases
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

from .conftest import MONDAY_11AM


async def _daemon(config: Config, market: SimulatedMarket, tmp_path: Path, *,
                  prepare: bool = False) -> tuple[DaemonReport, SchedulerRole, str | None]:
    clock = FixedClock(MONDAY_11AM)
    venue = SimulationVenue(market, clock, tmp_path / "venue.sqlite")
    twin = SimulationVenue(market, clock, tmp_path / "twin.sqlite", SimVenueConfig(account_id="TWINS"))
    if prepare:  # an order someone placed at the venue by hand (TWS): not Dorado's
        await venue.connect()
        spy = Instrument("SPY", SecType.STOCK, "SPY")
        await venue.place_order(Order("TWS-1", (OrderLeg(spy, Action.BUY),), 1, OrderType.LIMIT, 1.0))
    stop, seen = asyncio.Event(), {}

    def ready(scheduler: LeasedScheduler, startup: Sequence[Reconciliation]) -> None:
        seen["role"] = scheduler.role
        seen["holder"] = scheduler.owner
        stop.set()

    report = await run_daemon(config=config, stop=stop, ready=ready, clock=clock, venue=venue, twin_venue=twin)
    return report, seen["role"], seen["holder"]


async def test_daemon_reconciles_owns_the_table_and_releases_the_lease(home_config: Config,
                                                                      market: SimulatedMarket,
                                                                      tmp_path: Path) -> None:
    report, role, owner = await _daemon(home_config, market, tmp_path)

    assert role is SchedulerRole.OWNER and report.role is SchedulerRole.OWNER
    assert [r.reason for r in report.startup] == ["startup", "startup"]
    assert all(r.clean for r in report.startup)
    db = Database(home_config.store_url())
    try:
        assert await SqlLeases(db, FixedClock(MONDAY_11AM)).holder(LEASE) is None
    finally:
        await db.dispose()
    assert owner is not None


async def test_daemon_start_up_halts_on_an_order_dorado_did_not_place(home_config: Config, market: SimulatedMarket,
                                                                     tmp_path: Path) -> None:
    report, _, _ = await _daemon(home_config, market, tmp_path, prepare=True)

    trading = report.startup[0]
    assert trading.verdict is TradingState.HALTED
    assert any("TWS-1" in line for line in trading.diff_lines())
