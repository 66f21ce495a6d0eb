"""Trading sessions: XNYS from exchange_calendars (holidays, early closes, DST), FX 24/5, crypto 24/7.

A `SessionTable` holds one calendar's sessions as numpy arrays (dates, UTC open/close in epoch
seconds) so that the simulator can map a whole decade at once and the venue can answer "is the
market open now?" with a binary search. Tables are built once per process and cached.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from dorado_tui.domain.clock import NEW_YORK

_EPOCH_DAY = np.datetime64("1970-01-01", "D")
_FIRST_YEAR = 1995
_YEARS_AHEAD = 25


class CalendarKind(StrEnum):
    XNYS = "xnys"  # US equities, ETFs, indices and their options
    FX = "fx"  # Sunday 17:00 to Friday 17:00 New York, closed Jan 1 and Dec 25
    CRYPTO = "crypto"  # every calendar day, UTC midnight to midnight


@dataclass(frozen=True, slots=True)
class Session:
    """One trading session: its date (the exchange date of the close) and UTC bounds."""

    day: date
    open: datetime
    close: datetime
    early_close: bool = False

    @property
    def minutes(self) -> int:
        return int((self.close - self.open).total_seconds() // 60)

    def contains(self, moment: datetime) -> bool:
        return self.open <= moment < self.close


@dataclass(frozen=True)
class SessionTable:
    """Sessions of one calendar, ascending: `days` (datetime64[D]) and `opens`/`closes` (epoch s)."""

    kind: CalendarKind
    days: np.ndarray
    opens: np.ndarray
    closes: np.ndarray
    early: np.ndarray

    def __len__(self) -> int:
        return len(self.days)

    def session(self, i: int) -> Session:
        return Session(
            day=_to_date(self.days[i]),
            open=datetime.fromtimestamp(int(self.opens[i]), UTC),
            close=datetime.fromtimestamp(int(self.closes[i]), UTC),
            early_close=bool(self.early[i]),
        )

    def index_of(self, day: date) -> int | None:
        """Index of the session dated `day`, or None when the market does not trade that day."""
        key = np.datetime64(day, "D")
        i = int(np.searchsorted(self.days, key))
        return i if i < len(self.days) and self.days[i] == key else None

    def index_on_or_before(self, day: date) -> int:
        """Index of the last session dated on or before `day` (-1 when none)."""
        return int(np.searchsorted(self.days, np.datetime64(day, "D"), side="right")) - 1

    def index_at(self, moment: datetime) -> int:
        """Index of the last session that opened at or before `moment` (-1 when none)."""
        return int(np.searchsorted(self.opens, _epoch(moment), side="right")) - 1

    def is_open(self, moment: datetime) -> bool:
        i = self.index_at(moment)
        return i >= 0 and _epoch(moment) < int(self.closes[i])

    def next_open(self, moment: datetime) -> datetime | None:
        """The next session open strictly after `moment` (None past the table's end)."""
        i = int(np.searchsorted(self.opens, _epoch(moment), side="right"))
        return None if i >= len(self.opens) else datetime.fromtimestamp(int(self.opens[i]), UTC)

    def between(self, start: date, end: date) -> slice:
        """Slice of the sessions dated within [start, end]."""
        lo = int(np.searchsorted(self.days, np.datetime64(start, "D"), side="left"))
        hi = int(np.searchsorted(self.days, np.datetime64(end, "D"), side="right"))
        return slice(lo, hi)


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} given where an aware one is required")
    return int(moment.timestamp())


def _to_date(value: np.datetime64) -> date:
    return date.fromordinal(date(1970, 1, 1).toordinal() + int((value - _EPOCH_DAY).astype(int)))


def _xnys_table(first: date, last: date) -> SessionTable:
    import exchange_calendars as xcals
    import pandas as pd

    cal = xcals.get_calendar("XNYS", start=pd.Timestamp(first), end=pd.Timestamp(last))
    sched = cal.schedule
    days = sched.index.values.astype("datetime64[D]")
    opens = sched["open"].values.astype("datetime64[s]").astype(np.int64)
    closes = sched["close"].values.astype("datetime64[s]").astype(np.int64)
    local_close = sched["close"].dt.tz_convert(NEW_YORK.key)
    early = (local_close.dt.hour * 60 + local_close.dt.minute).values < 16 * 60
    return SessionTable(CalendarKind.XNYS, days, opens, closes, np.asarray(early, dtype=bool))


def _fx_table(first: date, last: date) -> SessionTable:
    import pandas as pd

    days = pd.date_range(first, last, freq="D")
    keep = (days.dayofweek < 5) & ~((days.month == 1) & (days.day == 1)) & ~(
        (days.month == 12) & (days.day == 25))
    days = days[keep]
    closes = (days + pd.Timedelta(hours=17)).tz_localize(NEW_YORK.key).tz_convert("UTC")
    # the session opens at 17:00 New York on the previous calendar day (Sunday for Monday)
    opens = (days - pd.Timedelta(hours=7)).tz_localize(NEW_YORK.key).tz_convert("UTC")
    return SessionTable(CalendarKind.FX, days.values.astype("datetime64[D]"), _epoch_seconds(opens),
                        _epoch_seconds(closes), np.zeros(len(days), dtype=bool))


def _epoch_seconds(index: Any) -> np.ndarray:
    return np.asarray(index.tz_localize(None).values.astype("datetime64[s]").astype(np.int64))


def _crypto_table(first: date, last: date) -> SessionTable:
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    opens = (days - _EPOCH_DAY).astype(np.int64) * 86400
    return SessionTable(CalendarKind.CRYPTO, days, opens, opens + 86400,
                        np.zeros(len(days), dtype=bool))


_BUILDERS = {CalendarKind.XNYS: _xnys_table, CalendarKind.FX: _fx_table,
             CalendarKind.CRYPTO: _crypto_table}
_CACHE: dict[CalendarKind, tuple[date, date, SessionTable]] = {}
_LOCK = threading.Lock()


def sessions(kind: CalendarKind, start: date | None = None, end: date | None = None) -> SessionTable:
    """The cached session table of `kind`, covering at least [start, end].

    The table spans 1995 to 25 years from today by default and is rebuilt wider on demand,
    so indices are only stable within one table: look sessions up by date, not by index.
    """
    today = datetime.now(UTC).date()
    first = min(start or today, date(_FIRST_YEAR, 1, 1))
    last = max(end or today, today.replace(year=today.year + _YEARS_AHEAD, day=1))
    with _LOCK:
        cached = _CACHE.get(kind)
        if cached is not None and cached[0] <= first and cached[1] >= last:
            return cached[2]
        if cached is not None:
            first, last = min(first, cached[0]), max(last, cached[1])
        table = _BUILDERS[kind](first, last)
        _CACHE[kind] = (first, last, table)
        return table


def session_for(kind: CalendarKind, day: date) -> Session | None:
    """The session dated `day` (None on weekends and holidays)."""
    table = sessions(kind, day, day)
    i = table.index_of(day)
    return None if i is None else table.session(i)


def is_market_open(kind: CalendarKind, moment: datetime) -> bool:
    """Whether `kind` trades at `moment` (regular hours only for XNYS)."""
    day = moment.astimezone(UTC).date()
    return sessions(kind, day - timedelta(days=7), day + timedelta(days=7)).is_open(moment)


def next_open(kind: CalendarKind, moment: datetime) -> datetime | None:
    """The next session open after `moment`."""
    day = moment.astimezone(UTC).date()
    return sessions(kind, day, day + timedelta(days=30)).next_open(moment)


def trading_days(kind: CalendarKind, start: date, end: date) -> list[date]:
    """Session dates within [start, end], ascending."""
    table = sessions(kind, start, end)
    return [_to_date(d) for d in table.days[table.between(start, end)]]


def previous_session(kind: CalendarKind, day: date) -> date | None:
    """The last session dated strictly before `day`."""
    table = sessions(kind, day - timedelta(days=30), day)
    i = table.index_on_or_before(day - timedelta(days=1))
    return None if i < 0 else _to_date(table.days[i])


def third_friday(year: int, month: int) -> date:
    """The third Friday of a month (monthly option expiry, quarterly dividend anchor)."""
    first = date(year, month, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def session_on_or_before(kind: CalendarKind, day: date) -> date | None:
    """`day` when it is a session, else the last session before it (holiday Friday → Thursday)."""
    table = sessions(kind, day - timedelta(days=30), day)
    i = table.index_on_or_before(day)
    return None if i < 0 else _to_date(table.days[i])


def session_after(kind: CalendarKind, day: date) -> date | None:
    """The first session dated strictly after `day`."""
    table = sessions(kind, day, day + timedelta(days=30))
    i = table.index_on_or_before(day) + 1
    return None if i >= len(table) else _to_date(table.days[i])


def first_session_of_month(kind: CalendarKind, year: int, month: int) -> date | None:
    return session_after(kind, date(year, month, 1) - timedelta(days=1))
