"""Calendar-aware triggers across the 2026 DST changes, holidays and early closes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from dorado_tui.engine.scheduler import calendars
from dorado_tui.engine.scheduler.calendars import ExchangeCalendar
from dorado_tui.engine.scheduler.triggers import (
    DailyAt,
    SessionEdge,
    SessionEvery,
    fire_times,
    local_instant,
)

NY = ZoneInfo("America/New_York")


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _local_days(times: list[datetime]) -> Counter[date]:
    return Counter(t.astimezone(NY).date() for t in times)


@pytest.fixture
def every_day_new_york() -> Iterator[str]:
    """A test calendar that trades every calendar day in New York time (sessions 00:00–24:00)."""
    days = np.arange(np.datetime64("2026-01-01"), np.datetime64("2027-01-01"))
    opens = np.array([int(local_instant(date.fromisoformat(str(d)), time(0), _ny_cal()).timestamp()) for d in days])
    name = "TEST-NY-DAILY"
    calendars._CACHE[name] = ExchangeCalendar(name, NY, time(0), days, opens, opens + 86400, date(2026, 12, 31))
    yield name
    calendars._CACHE.pop(name, None)


def _ny_cal() -> ExchangeCalendar:
    return ExchangeCalendar("x", NY, time(0), np.array([], "datetime64[D]"), np.array([]), np.array([]), date(2026, 1, 1))


def test_scan_at_0945_fires_once_per_session_across_spring_forward() -> None:
    trigger = DailyAt("XNYS", time(9, 45))

    fired = fire_times(trigger, _utc(2026, 3, 5), _utc(2026, 3, 11, 23))

    assert [t.astimezone(NY).strftime("%a %H:%M") for t in fired] == [
        "Thu 09:45", "Fri 09:45", "Mon 09:45", "Tue 09:45", "Wed 09:45"]
    assert fired[1].astimezone(UTC).hour == 14 and fired[2].astimezone(UTC).hour == 13  # EST → EDT
    assert max(_local_days(fired).values()) == 1


def test_scan_at_0945_fires_once_per_session_across_fall_back() -> None:
    fired = fire_times(DailyAt("XNYS", time(9, 45)), _utc(2026, 10, 29), _utc(2026, 11, 4, 23))

    assert [t.astimezone(NY).strftime("%m-%d %H:%M") for t in fired] == [
        "10-29 09:45", "10-30 09:45", "11-02 09:45", "11-03 09:45", "11-04 09:45"]
    assert fired[1].astimezone(UTC).hour == 13 and fired[2].astimezone(UTC).hour == 14  # EDT → EST


@pytest.mark.parametrize("holiday", [date(2026, 1, 1), date(2026, 4, 3), date(2026, 7, 3), date(2026, 11, 26),
                                     date(2026, 12, 25)])
def test_no_scan_on_exchange_holidays(holiday: date) -> None:
    start = datetime.combine(holiday - timedelta(days=1), time(0), tzinfo=NY)
    fired = fire_times(DailyAt("XNYS", time(9, 45)), start, start + timedelta(days=3))

    assert holiday not in _local_days(fired)


def test_time_in_the_spring_forward_gap_moves_past_it_instead_of_vanishing(every_day_new_york: str) -> None:
    fired = fire_times(DailyAt(every_day_new_york, time(2, 30)), _utc(2026, 3, 7), _utc(2026, 3, 9, 12))

    assert [t.astimezone(NY).strftime("%m-%d %H:%M %Z") for t in fired] == [
        "03-07 02:30 EST", "03-08 03:30 EDT", "03-09 02:30 EDT"]


def test_time_in_the_repeated_fall_back_hour_fires_once(every_day_new_york: str) -> None:
    fired = fire_times(DailyAt(every_day_new_york, time(1, 30)), _utc(2026, 10, 31), _utc(2026, 11, 2, 12))

    assert [t.astimezone(NY).strftime("%m-%d %H:%M %Z") for t in fired] == [
        "10-31 01:30 EDT", "11-01 01:30 EDT", "11-02 01:30 EST"]


def test_fifteen_minute_cadence_follows_the_session_including_the_early_close() -> None:
    trigger = SessionEvery("XNYS", timedelta(minutes=15))

    regular = fire_times(trigger, _utc(2026, 11, 25), _utc(2026, 11, 25, 23, 59))
    early = fire_times(trigger, _utc(2026, 11, 27), _utc(2026, 11, 27, 23, 59))
    after_dst = fire_times(trigger, _utc(2026, 3, 9), _utc(2026, 3, 9, 23, 59))

    assert len(regular) == 26 and regular[0].strftime("%H:%M") == "09:30" and regular[-1].strftime("%H:%M") == "15:45"
    assert len(early) == 14 and early[-1].astimezone(NY).strftime("%H:%M") == "12:45"
    assert after_dst[0] == _utc(2026, 3, 9, 13, 30)


def test_time_exit_moves_earlier_on_an_early_close_day() -> None:
    trigger = DailyAt("XNYS", time(15, 45), shift_early_close=True)

    fired = fire_times(trigger, _utc(2026, 11, 25), _utc(2026, 11, 30, 23))

    assert [t.astimezone(NY).strftime("%m-%d %H:%M") for t in fired] == ["11-25 15:45", "11-27 12:45", "11-30 15:45"]


def test_scan_after_an_early_close_is_skipped_that_day() -> None:
    trigger = DailyAt("XNYS", time(13, 30), within_session=True)

    fired = fire_times(trigger, _utc(2026, 11, 25), _utc(2026, 11, 30, 23))

    assert sorted(_local_days(fired)) == [date(2026, 11, 25), date(2026, 11, 30)]


def test_after_close_job_follows_the_real_close() -> None:
    fired = fire_times(SessionEdge("XNYS", "close", timedelta(minutes=15)), _utc(2026, 11, 25), _utc(2026, 11, 28))

    assert [t.astimezone(NY).strftime("%m-%d %H:%M") for t in fired] == ["11-25 16:15", "11-27 13:15"]


def test_fx_and_crypto_calendars_fire_on_their_own_days() -> None:
    fx = fire_times(DailyAt("24/5", time(22, 5)), _utc(2026, 3, 6), _utc(2026, 3, 10))
    crypto = fire_times(DailyAt("24/7", time(0, 5)), _utc(2026, 3, 6), _utc(2026, 3, 10))

    assert [t.strftime("%a %H:%M") for t in fx] == ["Fri 22:05", "Mon 22:05"]
    assert len(crypto) == 4 and all(t.strftime("%H:%M") == "00:05" for t in crypto)


def test_a_late_scheduler_sees_the_missed_fire_time_first() -> None:
    trigger = DailyAt("XNYS", time(9, 45))
    previous = datetime(2026, 3, 10, 9, 45, tzinfo=NY)

    missed = trigger.get_next_fire_time(previous, datetime(2026, 3, 12, 12, 0, tzinfo=NY))

    assert missed == datetime(2026, 3, 11, 9, 45, tzinfo=NY)  # APScheduler then applies its misfire rules


def test_unknown_calendar_is_refused_when_the_trigger_is_built() -> None:
    with pytest.raises(Exception, match="NOPE"):
        DailyAt("NOPE", time(9, 45))
