"""One scheduler per store: the lease decides the owner, attached ones take over, shutdown is graceful."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.date import DateTrigger

from dorado_tui.domain.clock import FixedClock
from dorado_tui.engine.console_views import ConsoleScheduler, SchedulerRole
from dorado_tui.engine.scheduler.runner import LEASE, JobSpec, LeasedScheduler
from dorado_tui.engine.scheduler.triggers import DailyAt
from dorado_tui.home import Home, initialize
from dorado_tui.store.bus import InProcessBus
from dorado_tui.store.database import Database
from dorado_tui.store.leases import InProcessLeases, Leases, RedisLeases, SqlLeases


class FakeMonotonic:
    """Seconds that only move when told (lease expiry without waiting)."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def _nothing() -> None:
    return None


def _daily(job_id: str = "scan:daily_market_open") -> JobSpec:
    return JobSpec(job_id, "daily scan", DailyAt("XNYS", time(9, 45)), _nothing)


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def leases(clock: FakeMonotonic) -> Iterator[InProcessLeases]:
    yield InProcessLeases(clock)


async def test_first_process_owns_the_table_and_the_second_attaches(leases: InProcessLeases) -> None:
    a, b = LeasedScheduler([_daily()], leases, owner="a"), LeasedScheduler([_daily()], leases, owner="b")

    roles = (await a.start(), await b.start())

    assert roles == (SchedulerRole.OWNER, SchedulerRole.ATTACHED)
    assert await leases.holder(LEASE) == "a"
    assert isinstance(a, ConsoleScheduler)
    assert [j.id for j in a.next_jobs()] == [j.id for j in b.next_jobs()] == ["scan:daily_market_open"]
    assert a.next_jobs()[0].next_run == b.next_jobs()[0].next_run
    await b.shutdown()
    await a.shutdown()
    assert await leases.holder(LEASE) is None


async def test_attached_process_takes_over_when_the_owner_stops_renewing(leases: InProcessLeases,
                                                                         clock: FakeMonotonic) -> None:
    a = LeasedScheduler([_daily()], leases, owner="a", ttl=30, renew_every=10)
    b = LeasedScheduler([_daily()], leases, owner="b", ttl=30, renew_every=10)
    await a.tick()
    await b.tick()

    clock.t += 31  # a hangs past its lease
    took = await b.tick()
    demoted = await a.tick()

    assert (took, demoted) == (SchedulerRole.OWNER, SchedulerRole.ATTACHED)
    assert [s.role for s in (a, b)].count(SchedulerRole.OWNER) == 1
    await a.shutdown()
    await b.shutdown()


async def test_renewing_owner_keeps_the_lease(leases: InProcessLeases, clock: FakeMonotonic) -> None:
    a = LeasedScheduler([_daily()], leases, owner="a", ttl=30, renew_every=10)
    b = LeasedScheduler([_daily()], leases, owner="b", ttl=30, renew_every=10)
    await a.tick()
    for _ in range(5):
        clock.t += 10
        await a.tick()
        await b.tick()

    assert (a.role, b.role) == (SchedulerRole.OWNER, SchedulerRole.ATTACHED)
    await a.shutdown()
    await b.shutdown()


async def test_shutdown_lets_the_running_job_finish_then_releases_the_lease(leases: InProcessLeases) -> None:
    started, release, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def long_job() -> None:
        started.set()
        await release.wait()
        finished.set()

    now = datetime.now(UTC)
    sched = LeasedScheduler([JobSpec("long", "long job", DateTrigger(now), long_job)], leases, owner="a")
    await sched.start()
    await asyncio.wait_for(started.wait(), 10)

    stopping = asyncio.create_task(sched.shutdown())
    for _ in range(20):
        await asyncio.sleep(0)
    still_waiting = not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, 10)

    assert still_waiting and finished.is_set()
    assert sched.history[-1].job_id == "long" and sched.history[-1].ok
    assert await leases.holder(LEASE) is None and sched.role is SchedulerRole.OFF


async def test_failing_job_is_recorded_and_announced(leases: InProcessLeases) -> None:
    bus = InProcessBus()
    sub = await bus.subscribe("scheduler")

    async def broken() -> None:
        raise RuntimeError("venue unreachable")

    sched = LeasedScheduler([JobSpec("reconcile", "reconcile", DailyAt("XNYS", time(9, 45)), broken)], leases,
                            bus=bus, owner="a")
    await sched.start()
    run = await sched.run_now("reconcile")

    assert not run.ok and run.error == "RuntimeError: venue unreachable"
    events = [await sub.get(within=1.0) for _ in range(2)]
    assert [e.payload["event"] for e in events if e is not None] == ["role", "job_failed"]
    await sched.shutdown()


async def test_owner_start_up_work_runs_once_on_winning_the_lease(leases: InProcessLeases) -> None:
    calls: list[str] = []

    async def startup() -> None:
        calls.append("reconcile")

    a = LeasedScheduler([_daily()], leases, owner="a", on_owner=startup)
    b = LeasedScheduler([_daily()], leases, owner="b", on_owner=startup)
    await a.start()
    await b.start()
    await a.tick()

    assert calls == ["reconcile"]
    await b.shutdown()
    await a.shutdown()


def test_renew_interval_must_be_shorter_than_the_lease() -> None:
    with pytest.raises(ValueError, match="must be shorter than the lease ttl"):
        LeasedScheduler([], InProcessLeases(), ttl=10, renew_every=10)


async def _one_owner(make: list[Leases]) -> list[SchedulerRole]:
    scheds = [LeasedScheduler([_daily()], lease, owner=f"p{i}") for i, lease in enumerate(make)]
    roles = [await s.start() for s in scheds]
    for s in scheds:
        await s.shutdown()
    return roles


async def test_sql_leases_give_one_owner_per_store(tmp_path: Path) -> None:
    home = initialize(Home.at(tmp_path / "home")).home
    clock = FixedClock(datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
    dbs = [Database(f"sqlite+aiosqlite:///{home.db_path}") for _ in range(2)]
    try:
        roles = await _one_owner([SqlLeases(db, clock) for db in dbs])
    finally:
        for db in dbs:
            await db.dispose()

    assert roles == [SchedulerRole.OWNER, SchedulerRole.ATTACHED]


async def test_redis_leases_give_one_owner_per_store(redis_url: str) -> None:
    leases = [RedisLeases(redis_url, prefix="dorado:test:lease:") for _ in range(2)]
    try:
        roles = await _one_owner(list(leases))
    finally:
        for lease in leases:
            await lease.close()

    assert roles == [SchedulerRole.OWNER, SchedulerRole.ATTACHED]


def test_next_jobs_are_soonest_first(leases: InProcessLeases) -> None:
    now = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 New York
    jobs = [JobSpec("late", "late", DailyAt("XNYS", time(15, 0)), _nothing),
            JobSpec("early", "early", DailyAt("XNYS", time(9, 45)), _nothing)]
    sched = LeasedScheduler(jobs, leases, now=lambda: now)

    views = sched.next_jobs(limit=5)

    assert [v.id for v in views] == ["early", "late"]
    assert views[0].next_run == now + timedelta(minutes=45)
