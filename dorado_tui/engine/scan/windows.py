"""Entry windows of intraday templates (0DTE, seed 004), moved by early closes.

A template's `entry.time_window` is written for a regular session (09:30–16:00 New York). On an
early-close day (13:00) every time after the open shifts earlier by the hours the session lost:
the window's end and the template's time exit both move; a window whose end would come at or
before its start does not exist that day. The lifecycle uses `time_exit_on` for the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.decisions import Decision
from dorado_tui.market.calendar import CalendarKind, session_for

REGULAR_CLOSE = time(16, 0)
CHECK = "gate.entry_window"


@dataclass(frozen=True, slots=True)
class EntryWindow:
    """The window of one day in exchange time (aware datetimes), and why it moved."""

    day: date
    start: datetime
    end: datetime
    shifted_by: timedelta

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=NEW_YORK)


def _lost(day: date) -> timedelta | None:
    """How much earlier than 16:00 the session of `day` closes (None when it does not trade)."""
    session = session_for(CalendarKind.XNYS, day)
    if session is None:
        return None
    return max(_local(day, REGULAR_CLOSE) - session.close.astimezone(NEW_YORK), timedelta(0))


def entry_window(day: date, window: tuple[time, time]) -> EntryWindow | None:
    """The entry window of `day` (None when the market is closed or the window vanished)."""
    lost = _lost(day)
    if lost is None:
        return None
    start, end = _local(day, window[0]), _local(day, window[1]) - lost
    if end <= start:
        return None
    return EntryWindow(day, start, end, lost)


def time_exit_on(day: date, at: time) -> datetime | None:
    """The time exit of `day`, moved earlier on an early-close day."""
    lost = _lost(day)
    return None if lost is None else _local(day, at) - lost


def window_decision(now: datetime, window: tuple[time, time]) -> Decision:
    """Gate: is `now` inside the day's entry window?"""
    local = now.astimezone(NEW_YORK)
    day = local.date()
    text = f"{window[0]:%H:%M}–{window[1]:%H:%M}"
    found = entry_window(day, window)
    if found is None:
        lost = _lost(day)
        why = "the market is closed" if lost is None else \
            f"the early close ({lost.total_seconds() / 3600:g} h early) leaves no {text} window"
        return Decision.deny(CHECK, "NO_ENTRY_WINDOW", f"no entry window on {day}: {why}", window=text)
    shown = f"{found.start:%H:%M}–{found.end:%H:%M}" + (" (moved by the early close)" if found.shifted_by else "")
    if not found.contains(now):
        return Decision.deny(CHECK, "OUTSIDE_ENTRY_WINDOW", f"{local:%H:%M} is outside the entry window {shown}",
                             window=shown)
    return Decision.ok(CHECK, f"{local:%H:%M} inside the entry window {shown}", window=shown)
