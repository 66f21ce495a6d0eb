"""Simulated history for the regime integration tests, through the production frame adapter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from dorado_tui.regime.inputs import MarketFrames

NOW = datetime(2024, 6, 28, 21, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SimHistory:
    data: MarketFrames
    planted: pd.Series  # planted regime name per calendar day


def simulated_history(years: int, seed: int = 7, start: date = date(2015, 1, 2)) -> SimHistory:
    """Daily closes of every simulated symbol (as the store keeps them: 00:00 UTC stamps), the
    macro series and funding, through `frames_from_store` — the production path."""
    from dorado_tui.market import history
    from dorado_tui.market.config import REGIMES
    from dorado_tui.market.simulator import SYMBOLS, SimulatedMarket
    from dorado_tui.market.spec import MarketSpec
    from dorado_tui.regime.inputs import frames_from_store

    end = start + timedelta(days=int(years * 365.25))
    market = SimulatedMarket(MarketSpec(seed=seed, start=start), until=end)
    bars = {}
    for symbol in SYMBOLS:
        s = market.series(symbol)
        index = pd.DatetimeIndex(s.days.astype("datetime64[ns]")).tz_localize("UTC")
        frame = pd.DataFrame({"close": s.close, "high": s.close, "low": s.close}, index=index)
        bars[symbol] = frame[frame.index <= pd.Timestamp(end, tz="UTC")]
    macro = history.macro_frame(market, start, end)
    funding = {s: history.funding_series(market, s, start, end) for s in history.FUNDING_SYMBOLS}
    days = pd.date_range(start, end, freq="D")
    planted = pd.Series(np.array(REGIMES)[market.paths.regime[: len(days)]], index=days)
    return SimHistory(frames_from_store(bars, macro, funding), planted)
