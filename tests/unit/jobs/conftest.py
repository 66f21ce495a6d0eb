"""A template home and a simulated market shared by the daemon and command tests."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dorado_tui.home import Home, initialize
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.settings.config import Config, load_config

SPEC = MarketSpec(seed=7, start=date(2015, 1, 2))
MONDAY_11AM = datetime(2024, 3, 11, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def market() -> SimulatedMarket:
    return SimulatedMarket(SPEC, until=date(2025, 6, 30))


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config]:
    home = initialize(Home.at(tmp_path_factory.mktemp("template") / "home")).home
    return home.root, load_config(home)


@pytest.fixture
def home_config(tmp_path: Path, template: tuple[Path, Config]) -> Config:
    """A fresh copy of the template home (own store) and its configuration."""
    root, config = template
    shutil.copytree(root, tmp_path / "home")
    return replace(config, home=Home.at(tmp_path / "home"))
