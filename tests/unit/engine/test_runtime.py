"""The composition root opens a home's store and venues, and refuses an uninitialised store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.errors import StoreError
from dorado_tui.engine.runtime import TWIN_CAPITAL, open_runtime
from dorado_tui.home import Home, initialize


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return initialize(Home.at(tmp_path / "home")).home


async def test_runtime_connects_trading_and_twin_accounts_separately(home: Home) -> None:
    clock = FixedClock(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    async with open_runtime(home, clock=clock) as rt:
        trading = await rt.venue.get_account_state()
        twins = await rt.twin_venue.get_account_state()
        assert rt.venue.status().connected and rt.twin_venue.status().connected
        assert trading.account_id != twins.account_id
        assert twins.cash == pytest.approx(TWIN_CAPITAL)
        assert trading.cash == pytest.approx(100_000.0)
        bot = next(iter(rt.config.bots.values()))
        assert rt.venue_for(bot, paper_twin=True) is rt.twin_venue
        assert rt.venue_for(bot) is rt.venue
    assert (home.state_dir / "paper_twins.sqlite").exists()


async def test_runtime_refuses_a_store_that_was_never_migrated(tmp_path: Path) -> None:
    home = initialize(Home.at(tmp_path / "h")).home
    home.db_path.unlink()
    with pytest.raises(StoreError, match=r"not initialised: run `dorado init`"):
        async with open_runtime(home, connect=False):
            pass
