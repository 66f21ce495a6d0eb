"""Time-series tables: OHLCV bars, IV history, macro features, funding rates, Hurst series.

Natural composite primary keys (no surrogate id): these tables are upserted in bulk and read by
range, and the key is the index those reads use.
"""

from __future__ import annotations

import datetime as dt

from dorado_tui.store.tables.base import Field, StoreModel, utc
from dorado_tui.store.types import DEFAULT_USER


def _user() -> str:
    return Field(default=DEFAULT_USER, max_length=64, primary_key=True)  # type: ignore[no-any-return]


class OhlcvRow(StoreModel, table=True):
    """One bar; `ts` is the bar's opening instant in UTC."""

    __tablename__ = "ohlcv"

    user_id: str = _user()
    symbol: str = Field(primary_key=True)
    timeframe: str = Field(primary_key=True)
    ts: dt.datetime = utc(primary_key=True)
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0


class IvHistoryRow(StoreModel, table=True):
    """Daily implied volatility of an underlying (the input of IV rank and percentile)."""

    __tablename__ = "iv_history"

    user_id: str = _user()
    underlying: str = Field(primary_key=True)
    date: dt.date = Field(primary_key=True)
    iv: float
    source: str = ""


class MacroFeatureRow(StoreModel, table=True):
    """One value of one macro feature (FRED series or derived) on one date."""

    __tablename__ = "macro_features"

    user_id: str = _user()
    name: str = Field(primary_key=True)
    date: dt.date = Field(primary_key=True)
    value: float


class FundingRateRow(StoreModel, table=True):
    """Crypto perpetual funding rate per 8 hours at one instant."""

    __tablename__ = "funding_rates"

    user_id: str = _user()
    symbol: str = Field(primary_key=True)
    ts: dt.datetime = utc(primary_key=True)
    rate_8h: float


class HurstRow(StoreModel, table=True):
    """Rolling Hurst exponent of one instrument over `window` bars, as of one date."""

    __tablename__ = "hurst_series"

    user_id: str = _user()
    symbol: str = Field(primary_key=True)
    window: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    date: dt.date = Field(primary_key=True)
    hurst: float
