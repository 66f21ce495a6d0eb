"""Exchange calendars for the scheduler: session days, UTC open/close, early closes, the zone.

Any exchange_calendars name works (XNYS, XNAS, CMES, XLON, 24/5, 24/7, ...). Each calendar's
sessions are read once into numpy arrays (dates, open and close in epoch seconds) so a trigger
answers "is D a session, when does it open and close?" with a binary search; the table covers
1995 to a few years ahead and widens itself when asked about a later date.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

FIRST_DAY = date(1995, 1, 3)
_AHEAD_YEARS = 3
_CACHE: dict[str, ExchangeCalendar] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class SessionTimes:
    """One session of a calendar: its date, UTC bounds and how much earlier than usual it closed."""

    day: date
    open: datetime
    close: datetime
    early_by: timedelta

    def contains(self, moment: datetime) -> bool:
        return self.open <= moment < self.close


@dataclass(frozen=True)
class ExchangeCalendar:
    """Session table of one exchange_calendars calendar (see the module docstring)."""

    name: str
    zone: ZoneInfo
    regular_close: time
    days: np.ndarray[Any, np.dtype[np.datetime64]]  # ascending
    opens: np.ndarray[Any, np.dtype[np.int64]]  # epoch seconds
    closes: np.ndarray[Any, np.dtype[np.int64]]
    last: date

    def _index(self, day: date) -> int | None:
        key = np.datetime64(day, "D")
        i = int(np.searchsorted(self.days, key))
        return i if i < len(self.days) and self.days[i] == key else None

    def is_session(self, day: date) -> bool:
        return self._index(day) is not None

    def session(self, day: date) -> SessionTimes | None:
        """The session dated `day` (None on weekends and holidays)."""
        i = self._index(day)
        if i is None:
            return None
        open_ = datetime.fromtimestamp(int(self.opens[i]), UTC)
        close = datetime.fromtimestamp(int(self.closes[i]), UTC)
        regular = datetime.combine(day, self.regular_close, tzinfo=self.zone)
        early = max(regular - close, timedelta(0)) if self.regular_close != time(0) else timedelta(0)
        return SessionTimes(day, open_, close, early)

    def sessions_between(self, start: date, end: date) -> list[date]:
        lo = int(np.searchsorted(self.days, np.datetime64(start, "D"), side="left"))
        hi = int(np.searchsorted(self.days, np.datetime64(end, "D"), side="right"))
        return [date.fromisoformat(str(d)) for d in self.days[lo:hi]]


def _build(name: str, last: date) -> ExchangeCalendar:
    import exchange_calendars as xcals
    import pandas as pd

    cal = xcals.get_calendar(name, start=pd.Timestamp(FIRST_DAY), end=pd.Timestamp(last))
    sched = cal.schedule
    days = sched.index.values.astype("datetime64[D]")
    opens = sched["open"].values.astype("datetime64[s]").astype(np.int64)
    closes = sched["close"].values.astype("datetime64[s]").astype(np.int64)
    regular = cal.close_times[-1][1]
    zone = cal.tz if isinstance(cal.tz, ZoneInfo) else ZoneInfo(str(cal.tz))
    return ExchangeCalendar(name, zone, regular, days, opens, closes, last)


def calendar(name: str, until: date | None = None) -> ExchangeCalendar:
    """The cached calendar `name`, covering at least through `until`."""
    need = until or datetime.now(UTC).date()
    with _LOCK:
        found = _CACHE.get(name)
        if found is not None and found.last >= need:
            return found
        last = max(need, datetime.now(UTC).date()).replace(month=12, day=31)
        built = _build(name, last.replace(year=last.year + _AHEAD_YEARS))
        _CACHE[name] = built
        return built
