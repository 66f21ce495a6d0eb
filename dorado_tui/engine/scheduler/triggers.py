"""Calendar-aware APScheduler triggers: a local time on session days, a cadence inside sessions,
and an offset from the open or the close.

Why our own triggers rather than CronTrigger plus a check inside each job: the fire time itself
must be right. A local time is built in the exchange's zone for each session *date* (one candidate
per date, so a fall-back day cannot fire twice; a time inside a spring-forward gap moves to just
after the gap instead of vanishing), and intraday cadences count from the session's real UTC
open and stop at its real close (early closes cut them; DST cannot shift them). Holidays simply
have no session. `fire_times` walks a trigger the way APScheduler does, for simulated clocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from apscheduler.triggers.base import BaseTrigger

from dorado_tui.engine.scheduler.calendars import ExchangeCalendar, SessionTimes, calendar

_SEARCH_DAYS = 400
_TICK = timedelta(microseconds=1)


def local_instant(day: date, at: time, cal: ExchangeCalendar) -> datetime:
    """`at` on `day` in the calendar's zone, as an instant: the first of two on a fall-back day,
    just after the gap for a time a spring-forward day skips."""
    return datetime.combine(day, at).replace(tzinfo=cal.zone, fold=0).astimezone(UTC)


class SessionTrigger(BaseTrigger):  # type: ignore[misc]
    """Base: candidates per session date, searched forward from APScheduler's start instant."""

    def __init__(self, calendar_name: str) -> None:
        self.calendar_name = calendar_name
        calendar(calendar_name)  # an unknown name fails here, when the table is built

    def candidates(self, session: SessionTimes, cal: ExchangeCalendar) -> Iterator[datetime]:
        raise NotImplementedError

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # as CronTrigger: after a fire, the next strictly later one (a missed one included)
        start = (now if previous_fire_time is None else previous_fire_time + _TICK).astimezone(UTC)
        cal = calendar(self.calendar_name)
        day = start.astimezone(cal.zone).date() - timedelta(days=2)
        for _ in range(_SEARCH_DAYS):
            day += timedelta(days=1)
            if day > cal.last:
                cal = calendar(self.calendar_name, day)
            session = cal.session(day)
            if session is None:
                continue
            for moment in self.candidates(session, cal):
                if moment >= start:
                    return moment.astimezone(cal.zone)
        return None


class DailyAt(SessionTrigger):
    """`at` (exchange-local) on every session day. `within_session` skips days whose session is
    closed at that time (a 13:30 scan on a 13:00 early-close day); `shift_early_close` moves the
    time earlier by the hours an early close takes away (a 15:45 time exit → 12:45)."""

    def __init__(self, calendar_name: str, at: time, *, within_session: bool = False,
                 shift_early_close: bool = False) -> None:
        super().__init__(calendar_name)
        self.at, self.within_session, self.shift_early_close = at, within_session, shift_early_close

    def candidates(self, session: SessionTimes, cal: ExchangeCalendar) -> Iterator[datetime]:
        moment = local_instant(session.day, self.at, cal)
        if self.shift_early_close:
            moment -= session.early_by
        if not self.within_session or session.contains(moment):
            yield moment

    def __str__(self) -> str:
        extra = " (moved by early closes)" if self.shift_early_close else ""
        return f"{self.at:%H:%M} {self.calendar_name} sessions{extra}"


class SessionEvery(SessionTrigger):
    """Every `every` inside each session, from its open (+ `offset`) until before its close."""

    def __init__(self, calendar_name: str, every: timedelta, *, offset: timedelta = timedelta(0)) -> None:
        if every <= timedelta(0):
            raise ValueError(f"a cadence must be positive, got {every}")
        super().__init__(calendar_name)
        self.every, self.offset = every, offset

    def candidates(self, session: SessionTimes, cal: ExchangeCalendar) -> Iterator[datetime]:
        moment = session.open + self.offset
        while moment < session.close:
            yield moment
            moment += self.every

    def __str__(self) -> str:
        return f"every {self.every.total_seconds() / 60:g} min in {self.calendar_name} sessions"


class SessionEdge(SessionTrigger):
    """A fixed offset from each session's open or close (after the close: expirations)."""

    def __init__(self, calendar_name: str, edge: str, offset: timedelta = timedelta(0)) -> None:
        if edge not in ("open", "close"):
            raise ValueError(f"edge must be 'open' or 'close', got {edge!r}")
        super().__init__(calendar_name)
        self.edge, self.offset = edge, offset

    def candidates(self, session: SessionTimes, cal: ExchangeCalendar) -> Iterator[datetime]:
        yield (session.open if self.edge == "open" else session.close) + self.offset

    def __str__(self) -> str:
        minutes = self.offset.total_seconds() / 60
        return f"{self.edge} {minutes:+g} min of {self.calendar_name} sessions"


def fire_times(trigger: BaseTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Every instant `trigger` fires in [start, end], asked the way APScheduler asks (the next
    fire time after the previous one, with the clock at that instant)."""
    out: list[datetime] = []
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment <= end:
        out.append(moment)
        moment = trigger.get_next_fire_time(moment, moment)
    return out
