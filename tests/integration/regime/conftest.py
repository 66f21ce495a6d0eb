"""Regime integration fixtures: 20 years of the real simulated market, and a home whose store
holds simulated history (written by the market's own `dorado data simulate` service)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from regime_sim import NOW, SimHistory, simulated_history


@pytest.fixture(scope="session")
def sim20() -> SimHistory:
    """20 years of the default simulated market (seed 7)."""
    return simulated_history(20)


@pytest.fixture(scope="session")
def stored_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with 4 simulated years in its SQLite store (copied per test by `home`)."""
    from dorado_tui.home import Home, initialize
    from dorado_tui.market import data_service
    from dorado_tui.store.database import Database
    from dorado_tui.store.urls import sqlite_url

    root = tmp_path_factory.mktemp("regime-home") / "home"
    home = Home.at(root)
    initialize(home)
    url = sqlite_url(home.db_path)

    async def fill() -> None:
        async with Database(url) as db:
            await data_service.simulate_into_store(db, url, home.state_dir, 4, 7, NOW)

    asyncio.run(fill())
    return root
