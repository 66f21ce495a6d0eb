"""A simulated market and venue factory for the simulation-venue tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

SPEC = MarketSpec(seed=7, start=date(2015, 1, 2))
MONDAY_11AM = datetime(2024, 3, 11, 15, 0, tzinfo=UTC)  # 11:00 New York, a normal session


@pytest.fixture(scope="session")
def market() -> SimulatedMarket:
    return SimulatedMarket(SPEC, until=date(2025, 6, 30))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_11AM)


VenueFactory = Callable[..., "AsyncIterator[SimulationVenue]"]


@pytest.fixture
async def make_venue(market: SimulatedMarket, clock: FixedClock) -> AsyncIterator[Callable[..., object]]:
    """`await make_venue(**config)` → a connected in-memory venue (or on `path=`)."""
    opened: list[SimulationVenue] = []

    async def make(path: Path | None = None, **config: object) -> SimulationVenue:
        venue = SimulationVenue(market, clock, path, SimVenueConfig(**config))  # type: ignore[arg-type]
        await venue.connect()
        opened.append(venue)
        return venue

    yield make
    for venue in opened:
        await venue.disconnect()
