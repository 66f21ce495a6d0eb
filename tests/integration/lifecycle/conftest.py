"""Fixtures for lifecycle integration tests: one market and one initialised home per session."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lifecycle_world import MONDAY, build_market, copy_home, store_history

from dorado_tui.domain.clock import FixedClock
from dorado_tui.home import Home, initialize
from dorado_tui.market.simulator import SimulatedMarket


@pytest.fixture(scope="session")
def market() -> SimulatedMarket:
    return build_market()


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory, market: SimulatedMarket) -> Path:
    """An initialised home whose store holds a year of the market's daily bars and IV history."""
    root = tmp_path_factory.mktemp("lifecycle-template") / "home"
    home = initialize(Home.at(root)).home
    with ThreadPoolExecutor(max_workers=1) as pool:  # a session fixture may start inside a running loop
        pool.submit(lambda: asyncio.run(store_history(home, market))).result()
    return root


@pytest.fixture
def home(template_home: Path, tmp_path: Path) -> Home:
    return copy_home(template_home, tmp_path / "home")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY)
