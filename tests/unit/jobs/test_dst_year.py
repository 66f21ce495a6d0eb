"""The shipped job table walked over the whole of 2026 against a hand-written NYSE calendar:
the 09:45 New York scan fires exactly once on every session (spring-forward 8 March and
fall-back 1 November included, with the UTC instant moving by the hour) and never on a holiday or
weekend; the 0DTE time exit and the expiration pass move with the early closes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dorado_tui.engine.scheduler.triggers import fire_times
from dorado_tui.home import Home, initialize
from dorado_tui.jobs import job_table
from dorado_tui.settings.config import Config, load_config

from .test_job_table import Recorder

NY = ZoneInfo("America/New_York")
YEAR = 2026
HOLIDAYS = {date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 4, 3), date(2026, 5, 25),
            date(2026, 6, 19), date(2026, 7, 3), date(2026, 9, 7), date(2026, 11, 26), date(2026, 12, 25)}
EARLY_CLOSES = {date(2026, 11, 27), date(2026, 12, 24)}  # 13:00 New York
SPRING_FORWARD, FALL_BACK = date(2026, 3, 8), date(2026, 11, 1)


def _sessions() -> list[date]:
    day, out = date(YEAR, 1, 1), []
    while day.year == YEAR:
        if day.weekday() < 5 and day not in HOLIDAYS:
            out.append(day)
        day += timedelta(days=1)
    return out


def _is_dst(day: date) -> bool:
    return SPRING_FORWARD <= day < FALL_BACK


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    config: Config = load_config(initialize(Home.at(tmp_path_factory.mktemp("dst") / "home")).home)
    return {spec.id: spec for spec in job_table(config, Recorder())}


def _year(trigger: Any) -> list[datetime]:
    return fire_times(trigger, datetime(YEAR, 1, 1, tzinfo=NY), datetime(YEAR, 12, 31, 23, 59, tzinfo=NY))


def test_hand_calendar_has_the_expected_number_of_sessions() -> None:
    assert len(_sessions()) == 251  # 261 weekdays less 10 holidays, none on a weekend in 2026


def test_0945_scan_fires_exactly_once_on_every_session_of_the_year(table: dict[str, Any]) -> None:
    fired = _year(table["scan:daily_market_open"].trigger)
    per_day = Counter(t.astimezone(NY).date() for t in fired)

    assert sorted(per_day) == _sessions()
    assert set(per_day.values()) == {1}
    assert {t.astimezone(NY).time() for t in fired} == {time(9, 45)}
    for t in fired:  # the UTC instant moves with the clocks: 13:45 in EDT, 14:45 in EST
        day = t.astimezone(NY).date()
        assert t.astimezone(UTC).time() == (time(13, 45) if _is_dst(day) else time(14, 45)), day


@pytest.mark.parametrize("change", [SPRING_FORWARD, FALL_BACK])
def test_the_week_around_each_clock_change_keeps_one_scan_a_session(table: dict[str, Any], change: date) -> None:
    start = datetime.combine(change - timedelta(days=3), time(0), tzinfo=NY)  # Thursday
    fired = fire_times(table["scan:daily_market_open"].trigger, start, start + timedelta(days=7))

    assert [t.astimezone(NY).strftime("%a %d %H:%M") for t in fired] == [
        f"{d:%a %d} 09:45" for d in _sessions() if start.date() <= d <= start.date() + timedelta(days=6)]
    assert [t.astimezone(NY).strftime("%a") for t in fired] == ["Thu", "Fri", "Mon", "Tue", "Wed"]
    elapsed = fired[2].astimezone(UTC) - fired[1].astimezone(UTC)  # real time, not wall-clock time
    assert elapsed == timedelta(days=3, hours=-1 if change == SPRING_FORWARD else 1)


def test_no_equity_job_fires_on_a_holiday(table: dict[str, Any]) -> None:
    equity = [s for s in table.values() if getattr(s.trigger, "calendar_name", "") == "XNYS"]

    for spec in equity:
        days = {t.astimezone(NY).date() for t in _year(spec.trigger)}
        assert not days & HOLIDAYS, (spec.id, sorted(days & HOLIDAYS))


def test_0dte_time_exit_and_expiration_pass_follow_each_session_close(table: dict[str, Any]) -> None:
    exits = {t.astimezone(NY).date(): t.astimezone(NY).time() for t in _year(table["monitor:time_exit@15:45"].trigger)}
    expirations = {t.astimezone(NY).date(): t.astimezone(NY).time() for t in _year(table["expirations"].trigger)}

    assert sorted(exits) == sorted(expirations) == _sessions()
    for day in _sessions():
        early = day in EARLY_CLOSES
        assert exits[day] == (time(12, 45) if early else time(15, 45)), day
        assert expirations[day] == (time(13, 15) if early else time(16, 15)), day


def test_0dte_entry_scan_stays_in_the_morning_on_early_close_days(table: dict[str, Any]) -> None:
    fired = _year(table["scan:zero_dte_morning"].trigger)
    on = {t.astimezone(NY).date(): t.astimezone(NY).time() for t in fired}

    assert all(on[d] == time(10, 5) for d in EARLY_CLOSES)
    assert len(fired) == len(_sessions())
