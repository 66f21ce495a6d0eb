"""Market data values: bars, quotes, FX swap rates and crypto funding rates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLCV bar; `start` is the bar's opening instant (aware, UTC)."""

    symbol: str
    start: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True, slots=True)
class Quote:
    """A top-of-book quote. Prices are NaN when the venue has none (never 0 as a stand-in)."""

    symbol: str
    bid: float
    ask: float
    last: float
    time: datetime
    bid_size: float = 0.0
    ask_size: float = 0.0

    @property
    def mid(self) -> float:
        return 0.5 * (self.bid + self.ask)

    @property
    def is_two_sided(self) -> bool:
        return self.bid > 0 and self.ask > 0 and self.ask >= self.bid

    def age_seconds(self, now: datetime) -> float:
        return (now - self.time).total_seconds()


@dataclass(frozen=True, slots=True)
class SwapRates:
    """FX overnight swap (carry) in pips per day for a long and a short position."""

    pair: str
    long_pips_per_day: float
    short_pips_per_day: float
    time: datetime


@dataclass(frozen=True, slots=True)
class FundingRate:
    """Crypto perpetual funding rate per 8 hours (fraction, e.g. 0.0001 = 1 bp)."""

    symbol: str
    rate_8h: float
    time: datetime
