"""Simulated history as the frames the store keeps: daily bars, macro series, IV, funding, regimes.

Daily bars are stamped at 00:00 UTC of their session date (the same convention as imported CSV
files), so a bar's date is its session's date whatever the instrument's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from dorado_tui.market.calendar import CalendarKind, sessions
from dorado_tui.market.config import REGIMES
from dorado_tui.market.intraday import daily_ohlc
from dorado_tui.market.simulator import OPTIONABLE, SYMBOLS, SimulatedMarket

DAILY = "1d"
#: Macro feature holding the planted regime as its index in REGIMES (0 calm … 4 recovery).
PLANTED_REGIME_FEATURE = "sim_planted_regime"
FUNDING_SYMBOLS = ("BTC", "ETH")
_IV_T = 30 / 365.0

Progress = Callable[[str, int, int], None]


def _window(market: SimulatedMarket, symbol: str, start: date, end: date) -> np.ndarray:
    series = market.series(symbol)
    lo = int(np.searchsorted(series.days, np.datetime64(start, "D"), side="left"))
    hi = int(np.searchsorted(series.days, np.datetime64(end, "D"), side="right"))
    return np.arange(lo, hi)


def _date_index(days: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(days.astype("datetime64[D]")), name="ts").tz_localize(UTC)


def daily_bars(market: SimulatedMarket, symbol: str, start: date, end: date) -> pd.DataFrame:
    """OHLCV of `symbol`'s sessions dated within [start, end] (high/low from its minute bars)."""
    market.ensure(end)
    series = market.series(symbol)
    idx = _window(market, symbol, start, end)
    o, h, lo, c = daily_ohlc(series, market.seed, idx)
    return pd.DataFrame({"open": o, "high": h, "low": lo, "close": c,
                         "volume": series.volume[idx].astype(np.float64)},
                        index=_date_index(series.days[idx]))


def _xnys_days(market: SimulatedMarket, start: date, end: date) -> tuple[pd.Index, np.ndarray]:
    table = sessions(CalendarKind.XNYS, start, end)
    days = table.days[table.between(start, end)]
    index = pd.Index([date.fromisoformat(str(d)) for d in days], name="date")
    return index, (days - market.paths.days[0]).astype(np.int64)


def macro_frame(market: SimulatedMarket, start: date, end: date) -> pd.DataFrame:
    """Macro series on XNYS session dates (credit spread, 2s10s, yields, rate differentials) and
    the planted regime as `sim_planted_regime`."""
    market.ensure(end)
    index, d = _xnys_days(market, start, end)
    data = {name: values[d] for name, values in market.paths.macro.series().items()}
    data[PLANTED_REGIME_FEATURE] = market.paths.regime[d].astype(np.float64)
    return pd.DataFrame(data, index=index)


def iv_history(market: SimulatedMarket, underlying: str, start: date, end: date) -> pd.Series:
    """ATM 30-day implied vol of an optionable underlying at each session's close."""
    market.ensure(end)
    series = market.series(underlying)
    idx = _window(market, underlying, start, end)
    values = [float(market.surface_state(underlying, datetime.fromtimestamp(int(series.closes_utc[i]), UTC))
                    .atm(_IV_T)) for i in idx]
    return pd.Series(values, index=pd.Index([date.fromisoformat(str(d)) for d in series.days[idx]], name="date"),
                     name=underlying)


def funding_series(market: SimulatedMarket, symbol: str, start: date, end: date) -> pd.Series:
    """Perpetual funding per 8 h at 00/08/16 UTC of every day in [start, end]."""
    market.ensure(end)
    k = FUNDING_SYMBOLS.index(symbol)
    lo, hi = market.day_index(start), market.day_index(end)
    values = market.paths.macro.funding[k, lo:hi + 1].reshape(-1)
    first = datetime(start.year, start.month, start.day, tzinfo=UTC)
    stamps = pd.date_range(first, periods=len(values), freq="8h", tz=UTC, name="ts")
    return pd.Series(values, index=stamps, name=symbol)


def planted_regimes(market: SimulatedMarket, start: date, end: date) -> pd.Series:
    """The planted regime name of every calendar day in [start, end]."""
    market.ensure(end)
    lo, hi = market.day_index(start), market.day_index(end)
    names = np.array(REGIMES)[market.paths.regime[lo:hi + 1]]
    index = pd.Index([start + timedelta(days=i) for i in range(hi - lo + 1)], name="date")
    return pd.Series(names, index=index, name="regime")


def history_symbols() -> tuple[str, ...]:
    return SYMBOLS


def iv_underlyings() -> tuple[str, ...]:
    return OPTIONABLE
