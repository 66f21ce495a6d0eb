"""A shared simulated market and a fresh store + simulation venue per test for reconciliation."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.engine.runtime import Runtime, open_runtime
from dorado_tui.home import Home, initialize
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.settings.config import Config, load_config
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

from ._builders import MONDAY_11AM, SPEC


@pytest.fixture(scope="session")
def market() -> SimulatedMarket:
    return SimulatedMarket(SPEC, until=date(2025, 6, 30))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_11AM)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config]:
    """One initialised home (migrated store) and its configuration, copied by every test."""
    home = initialize(Home.at(tmp_path_factory.mktemp("template") / "home")).home
    return home.root, load_config(home)


@pytest.fixture
async def rt(tmp_path: Path, market: SimulatedMarket, clock: FixedClock,
             template: tuple[Path, Config]) -> AsyncIterator[Runtime]:
    root, config = template
    shutil.copytree(root, tmp_path / "home")
    config = replace(config, home=Home.at(tmp_path / "home"))
    venue = SimulationVenue(market, clock, tmp_path / "venue.sqlite")
    twin = SimulationVenue(market, clock, tmp_path / "twin.sqlite", SimVenueConfig(account_id="TWINS"))
    async with open_runtime(config=config, clock=clock, venue=venue, twin_venue=twin) as runtime:
        yield runtime
