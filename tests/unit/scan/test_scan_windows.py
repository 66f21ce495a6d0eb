"""0DTE entry windows and time exits move with early closes (exchange calendar, DST-aware)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.engine.scan.windows import entry_window, time_exit_on, window_decision

IC = (time(10, 0), time(14, 0))
VERTICAL = (time(10, 0), time(14, 30))


def ny(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK)


def test_regular_session_keeps_the_template_window() -> None:
    w = entry_window(date(2026, 3, 10), IC)

    assert w is not None
    assert (w.start, w.end, w.shifted_by) == (ny(date(2026, 3, 10), 10), ny(date(2026, 3, 10), 14), timedelta(0))


def test_early_close_moves_the_window_end_and_the_time_exit_by_the_lost_hours() -> None:
    day_after_thanksgiving = date(2026, 11, 27)  # XNYS closes at 13:00

    w = entry_window(day_after_thanksgiving, VERTICAL)

    assert w is not None
    assert w.shifted_by == timedelta(hours=3)
    assert (w.start, w.end) == (ny(day_after_thanksgiving, 10), ny(day_after_thanksgiving, 11, 30))
    assert time_exit_on(day_after_thanksgiving, time(15, 45)) == ny(day_after_thanksgiving, 12, 45)


def test_window_that_no_longer_fits_an_early_close_does_not_exist() -> None:
    christmas_eve = date(2026, 12, 24)

    assert entry_window(christmas_eve, (time(12, 0), time(14, 30))) is None
    d = window_decision(ny(christmas_eve, 12, 15).astimezone(UTC), (time(12, 0), time(14, 30)))
    assert (d.passed, d.code) == (False, "NO_ENTRY_WINDOW")
    assert d.reason == "no entry window on 2026-12-24: the early close (3 h early) leaves no 12:00–14:30 window"


def test_holiday_has_no_window() -> None:
    d = window_decision(ny(date(2026, 12, 25), 11).astimezone(UTC), IC)

    assert (d.passed, d.code) == (False, "NO_ENTRY_WINDOW")
    assert d.reason.endswith("the market is closed")


def test_before_and_inside_the_window_are_told_apart_with_the_local_time() -> None:
    day = date(2026, 3, 10)

    early = window_decision(ny(day, 9, 45).astimezone(UTC), IC)
    inside = window_decision(ny(day, 10, 30).astimezone(UTC), IC)
    late_on_half_day = window_decision(ny(date(2026, 11, 27), 11, 45).astimezone(UTC), IC)

    assert (early.passed, early.code, early.reason) == (False, "OUTSIDE_ENTRY_WINDOW",
                                                        "09:45 is outside the entry window 10:00–14:00")
    assert (inside.passed, inside.reason) == (True, "10:30 inside the entry window 10:00–14:00")
    assert late_on_half_day.reason == "11:45 is outside the entry window 10:00–11:00 (moved by the early close)"
