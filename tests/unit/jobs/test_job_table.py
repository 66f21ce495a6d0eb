"""The shipped home's job table: which jobs exist, when they fire, and what they call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dorado_tui.engine.scheduler.triggers import fire_times
from dorado_tui.home import Home, initialize
from dorado_tui.jobs import JobServices, job_table
from dorado_tui.settings.config import Config, load_config

NY = ZoneInfo("America/New_York")


class Recorder:
    """JobServices that records each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def regime_update(self) -> None:
        self.calls.append(("regime_update", None))

    async def scan(self, bot_ids: Sequence[str]) -> None:
        self.calls.append(("scan", tuple(bot_ids)))

    async def monitor(self, *, live: bool | None, checks: frozenset[str]) -> None:
        self.calls.append(("monitor", (live, tuple(sorted(checks)))))

    async def expirations(self) -> None:
        self.calls.append(("expirations", None))

    async def approvals(self) -> None:
        self.calls.append(("approvals", None))

    async def reconcile(self, reason: str = "schedule") -> None:
        self.calls.append(("reconcile", reason))


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(initialize(Home.at(tmp_path_factory.mktemp("jobs") / "home")).home)


@pytest.fixture
def table(config: Config) -> dict[str, Any]:
    services: JobServices = Recorder()
    return {spec.id: spec for spec in job_table(config, services)}


def _day(d: date) -> tuple[datetime, datetime]:
    return datetime.combine(d, time(0), tzinfo=NY), datetime.combine(d, time(23, 59), tzinfo=NY)


def test_shipped_home_has_every_job_of_the_prd_table(table: dict[str, Any]) -> None:
    assert set(table) == {
        "regime_update", "scan:daily_market_open", "scan:zero_dte_morning", "scan:fx_daily", "scan:crypto_daily",
        "monitor:live:15m", "monitor:paper:60m", "monitor:dte", "monitor:vol@09:45", "monitor:vol@12:30",
        "monitor:vol@15:45", "monitor:time_exit@15:45", "monitor:fx_crypto:60m", "expirations", "approvals",
        "reconcile"}
    assert table["scan:daily_market_open"].name == "scan daily_market_open (gld-wheel-01, qqq-pcs-01, spy-ic-01, tlt-sp-01)"
    assert table["monitor:live:15m"].name == "monitor live (breach, breakers, pnl) every 15 min"


async def test_jobs_call_their_services_with_the_right_arguments(config: Config) -> None:
    recorder = Recorder()
    specs = {s.id: s for s in job_table(config, recorder)}

    for job_id in ("scan:zero_dte_morning", "monitor:paper:60m", "monitor:time_exit@15:45", "reconcile"):
        await specs[job_id].run()

    assert recorder.calls == [("scan", ("iwm-0dte-vert-01", "spx-0dte-ic-01")),
                              ("monitor", (False, ("breach", "pnl"))),
                              ("monitor", (None, ("dte",))),
                              ("reconcile", "schedule")]


@pytest.mark.parametrize("day", [date(2026, 3, 6), date(2026, 3, 9), date(2026, 10, 30), date(2026, 11, 2)])
def test_daily_scan_fires_once_at_0945_new_york_around_dst_changes(table: dict[str, Any], day: date) -> None:
    fired = fire_times(table["scan:daily_market_open"].trigger, *_day(day))

    assert [t.astimezone(NY).strftime("%H:%M") for t in fired] == ["09:45"]


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1), date(2026, 11, 26), date(2026, 12, 25)])
def test_equity_jobs_stay_silent_on_dst_sundays_and_holidays(table: dict[str, Any], day: date) -> None:
    equity = [s for s in table.values() if getattr(s.trigger, "calendar_name", "") == "XNYS"]

    assert all(fire_times(s.trigger, *_day(day)) == [] for s in equity)


def test_early_close_moves_the_0dte_exit_and_the_expiration_pass(table: dict[str, Any]) -> None:
    start, end = _day(date(2026, 11, 27))  # 13:00 close

    exits = fire_times(table["monitor:time_exit@15:45"].trigger, start, end)
    expiry = fire_times(table["monitor:live:15m"].trigger, start, end)
    after = fire_times(table["expirations"].trigger, start, end)
    late_vol = fire_times(table["monitor:vol@15:45"].trigger, start, end)

    assert [t.astimezone(NY).strftime("%H:%M") for t in exits] == ["12:45"]
    assert expiry[-1].astimezone(NY).strftime("%H:%M") == "12:45"
    assert [t.astimezone(NY).strftime("%H:%M") for t in after] == ["13:15"]
    assert late_vol == []  # 15:45 is after that day's close


def test_a_regular_week_runs_each_daily_job_once_per_session(table: dict[str, Any]) -> None:
    start = datetime(2026, 3, 9, tzinfo=NY)
    end = datetime(2026, 3, 13, 23, 59, tzinfo=NY)
    daily = ["regime_update", "scan:daily_market_open", "scan:zero_dte_morning", "monitor:dte", "expirations"]

    counts = {job: Counter(t.astimezone(NY).date() for t in fire_times(table[job].trigger, start, end))
              for job in daily}

    for job in daily:
        assert sorted(counts[job]) == [date(2026, 3, d) for d in range(9, 14)], job
        assert set(counts[job].values()) == {1}, job


def test_fx_and_crypto_scans_follow_their_calendars(table: dict[str, Any]) -> None:
    fx = fire_times(table["scan:fx_daily"].trigger, datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC))
    crypto = fire_times(table["scan:crypto_daily"].trigger, datetime(2026, 3, 6, tzinfo=UTC),
                        datetime(2026, 3, 10, tzinfo=UTC))

    assert [t.strftime("%a %H:%M") for t in fx] == ["Fri 22:05", "Mon 22:05"]
    assert [t.strftime("%a %H:%M") for t in crypto] == ["Fri 00:05", "Sat 00:05", "Sun 00:05", "Mon 00:05"]


def test_disabled_bots_leave_their_scan_out(config: Config, tmp_path: Path) -> None:
    from dataclasses import replace

    bots = {k: (v.model_copy(update={"enabled": False}) if v.signal_source.schedule == "fx_daily" else v)
            for k, v in config.bots.items()}

    ids = {s.id for s in job_table(replace(config, bots=bots), Recorder())}

    assert "scan:fx_daily" not in ids and "scan:crypto_daily" in ids
