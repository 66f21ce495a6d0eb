"""Scan integration fixtures: one simulated market per session, one seeded template home, copied
per test module so that one module's regime states and candidates never leak into another's."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scankit import SPEC, build_market, new_home, runtime, seed_history

from dorado_tui.domain.clock import FixedClock
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import save_spec


@pytest.fixture(scope="session")
def market() -> SimulatedMarket:
    return build_market()


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory, market: SimulatedMarket) -> Path:
    """An initialised home whose store holds the market's daily bars and IV history."""
    root = tmp_path_factory.mktemp("scan-template") / "home"
    home = new_home(root)
    save_spec(home.state_dir, SPEC)  # a runtime opened by a command rebuilds this very market

    async def seed() -> None:
        clock = FixedClock(datetime(2026, 1, 5, 15, 0, tzinfo=UTC))
        async with runtime(market, home, clock) as rt:
            await seed_history(rt, market)

    with ThreadPoolExecutor(max_workers=1) as pool:  # a session fixture may start inside a running loop
        pool.submit(lambda: asyncio.run(seed())).result()
    return root
