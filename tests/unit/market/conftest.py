"""Simulated markets shared by the market tests (built once per worker: building costs ~1 s)."""

from __future__ import annotations

from datetime import date

import pytest

from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec

TWENTY_YEARS = MarketSpec(seed=11, start=date(2005, 1, 3))
TEN_YEARS = MarketSpec(seed=7, start=date(2015, 1, 2))


@pytest.fixture(scope="session")
def market20() -> SimulatedMarket:
    """20 simulated years (statistical tests)."""
    return SimulatedMarket(TWENTY_YEARS, until=date(2025, 1, 3))


@pytest.fixture(scope="session")
def market() -> SimulatedMarket:
    """The market most tests quote from (2015 to mid-2025)."""
    return SimulatedMarket(TEN_YEARS, until=date(2025, 6, 30))
