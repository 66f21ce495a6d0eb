"""The scan's pipeline data (PRD Tier 3): daily bars and IV history from the store, point in time.

Only history dated strictly before the scan's exchange date is used, so an as-of scan never sees
its own day's close (the day's live figures come from the venue: quotes and chains). Each scan
loads every symbol once, however many bots share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dorado_tui.store.database import Database
from dorado_tui.store.repos import series

Array = NDArray[Any]

DAILY = "1d"
#: Calendar days of bars loaded: enough for a 252-session vol percentile after indicator warm-up.
BAR_DAYS = 430
#: Calendar days of IV history loaded (the IV-rank window is at most 1,260 sessions).
IV_DAYS = 400


@dataclass(frozen=True)
class Bars:
    """Daily OHLC of one symbol, oldest first; `days` are session dates."""

    symbol: str
    days: tuple[date, ...]
    open: Array
    high: Array
    low: Array
    close: Array

    def __len__(self) -> int:
        return len(self.days)

    @property
    def last_close(self) -> float:
        return float(self.close[-1]) if len(self.close) else float("nan")

    @classmethod
    def from_frame(cls, symbol: str, frame: pd.DataFrame) -> Bars:
        days = tuple(ts.date() for ts in pd.DatetimeIndex(frame.index))
        return cls(symbol, days, *(frame[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close")))

    def closes(self) -> pd.Series:
        return pd.Series(self.close, index=pd.Index(self.days, name="date"), name=self.symbol)


class StoreHistory:
    """Bars and IV history of the store, as of an exchange date (exclusive)."""

    def __init__(self, db: Database, asof: date, bar_days: int = BAR_DAYS, iv_days: int = IV_DAYS) -> None:
        self.db, self.asof = db, asof
        self.bar_days, self.iv_days = bar_days, iv_days
        self._bars: dict[str, Bars] = {}
        self._iv: dict[str, pd.Series] = {}

    async def load(self, bar_symbols: Iterable[str], iv_symbols: Iterable[str] = ()) -> None:
        """Read what is not yet loaded, in one session."""
        want_bars = [s for s in dict.fromkeys(bar_symbols) if s not in self._bars]
        want_iv = [s for s in dict.fromkeys(iv_symbols) if s not in self._iv]
        if not want_bars and not want_iv:
            return
        first = datetime.combine(self.asof - timedelta(days=self.bar_days), time(), tzinfo=UTC)
        last = datetime.combine(self.asof, time(), tzinfo=UTC) - timedelta(microseconds=1)
        async with self.db.read() as session:
            for sym in want_bars:
                frame = await series.load_bars(session, sym, DAILY, start=first, end=last)
                self._bars[sym] = Bars.from_frame(sym, frame)
            for sym in want_iv:
                iv = await series.load_iv(session, sym, start=self.asof - timedelta(days=self.iv_days),
                                          end=self.asof - timedelta(days=1))
                self._iv[sym] = iv

    def bars(self, symbol: str) -> Bars | None:
        found = self._bars.get(symbol)
        return found if found is not None and len(found) else None

    def iv(self, underlying: str) -> pd.Series:
        return self._iv.get(underlying, pd.Series(dtype="float64"))

    def closes(self, symbols: Iterable[str]) -> pd.DataFrame:
        """Aligned closes (dates every symbol traded) of the symbols that have bars."""
        cols = {s: b.closes() for s in symbols if (b := self.bars(s)) is not None}
        return pd.DataFrame(cols).dropna()
