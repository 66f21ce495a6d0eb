"""Fixtures for the console's engine tests: one simulated market and one prepared home per session,
a fresh copy of the home and a fixed clock per test."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from console_world import MONDAY, build_market, copy_home, init_home, prepare

from dorado_tui.domain.clock import FixedClock
from dorado_tui.home import Home
from dorado_tui.market.simulator import SimulatedMarket


@pytest.fixture(scope="session")
def market() -> SimulatedMarket:
    return build_market()


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory, market: SimulatedMarket) -> Path:
    """An initialised home with a year of the market's history and the test account's capital."""
    root = tmp_path_factory.mktemp("console-template") / "home"
    home = init_home(root)
    with ThreadPoolExecutor(max_workers=1) as pool:  # a session fixture may start inside a running loop
        pool.submit(lambda: asyncio.run(prepare(home, market))).result()
    return root


@pytest.fixture
def home(template_home: Path, tmp_path: Path) -> Home:
    return copy_home(template_home, tmp_path / "home")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY)
