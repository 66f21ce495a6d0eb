"""`LeasedScheduler`: exactly one process per store runs the job table; the others attach.

The process that takes the store lease "scheduler" (SQL leases without Redis, Redis leases with
it) starts an APScheduler `AsyncIOScheduler` on its own event loop and renews the lease every
`renew_every` seconds; one that does not get it is ATTACHED (read-only) and tries again on every
tick, so it takes over when the holder dies and its lease expires. A holder that fails to renew
stops starting jobs at once. `shutdown` is graceful: no new job starts, running jobs finish (up
to `grace` seconds), then the lease is released. Implements the console's `ConsoleScheduler`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from dorado_tui.engine.console_views import JobView, SchedulerRole
from dorado_tui.store.bus import EventBus
from dorado_tui.store.leases import Leases

log = logging.getLogger(__name__)

LEASE = "scheduler"
CHANNEL = "scheduler"


@dataclass(frozen=True)
class JobSpec:
    """One row of the job table: what runs, when, and how late it may still start."""

    id: str
    name: str
    trigger: BaseTrigger
    run: Callable[[], Awaitable[Any]]
    misfire_grace_seconds: float = 600.0


@dataclass(frozen=True, slots=True)
class JobRun:
    """One finished run of a job (kept for status and tests)."""

    job_id: str
    started: datetime
    finished: datetime
    ok: bool
    error: str = ""


def identity() -> str:
    """Who holds the lease: host, pid and a random suffix (a restarted pid is a new owner)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LeasedScheduler:
    """Runs `jobs` while holding the scheduler lease (see the module docstring)."""

    def __init__(self, jobs: Sequence[JobSpec], leases: Leases, *, bus: EventBus | None = None,
                 ttl: float = 30.0, renew_every: float = 10.0, grace: float = 300.0,
                 on_owner: Callable[[], Awaitable[Any]] | None = None, owner: str | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if renew_every >= ttl:
            raise ValueError(f"renew_every ({renew_every} s) must be shorter than the lease ttl ({ttl} s)")
        self.jobs = tuple(jobs)
        self.leases, self.bus = leases, bus
        self.ttl, self.renew_every, self.grace = ttl, renew_every, grace
        self.on_owner = on_owner
        self.owner = owner or identity()
        self.now = now
        self.history: deque[JobRun] = deque(maxlen=200)
        self._role = SchedulerRole.OFF
        self._aps: AsyncIOScheduler | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()
        self._stopping = False

    # ----------------------------------------------------------------- ConsoleScheduler

    @property
    def role(self) -> SchedulerRole:
        return self._role

    async def start(self) -> SchedulerRole:
        """Try the lease; run the job table if won, else attach. Ticks in the background."""
        self._stopping = False
        await self.tick()
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._loop(), name="scheduler-lease")
        return self._role

    async def shutdown(self) -> None:
        """Stop starting jobs, let running ones finish (up to `grace` s), release the lease."""
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        await self._stop_jobs()
        if self._role is SchedulerRole.OWNER:
            await self.leases.release(LEASE, self.owner)
        await self._set_role(SchedulerRole.OFF)

    def next_jobs(self, limit: int = 3) -> tuple[JobView, ...]:
        """The next jobs to fire, soonest first: the running scheduler's when owner, else computed
        from the same job table (every process builds it from the same configuration)."""
        now = self.now()
        if self._aps is not None and self._aps.running:
            upcoming = [(j.next_run_time, j.id, j.name) for j in self._aps.get_jobs() if j.next_run_time]
        else:
            upcoming = [(t, spec.id, spec.name) for spec in self.jobs
                        if (t := spec.trigger.get_next_fire_time(None, now)) is not None]
        upcoming.sort(key=lambda x: x[0])
        return tuple(JobView(job_id, name, when.astimezone(UTC)) for when, job_id, name in upcoming[:limit])

    # ----------------------------------------------------------------- lease

    async def tick(self) -> SchedulerRole:
        """One lease step: renew when owner (demote on loss), try to take it when attached."""
        if self._stopping:
            return self._role
        if self._role is SchedulerRole.OWNER:
            try:
                kept = await self.leases.renew(LEASE, self.owner, self.ttl)
            except Exception as exc:  # the store is down: we cannot prove we still hold it
                log.warning("scheduler lease renewal failed: %s", exc)
                kept = False
            if not kept:
                log.error("scheduler lease lost (held by %s now): stopping the job table",
                          await self._holder())
                await self._stop_jobs()
                await self._set_role(SchedulerRole.ATTACHED)
            return self._role
        if await self.leases.acquire(LEASE, self.owner, self.ttl):
            await self._become_owner()
        elif self._role is not SchedulerRole.ATTACHED:
            await self._set_role(SchedulerRole.ATTACHED)
        return self._role

    async def holder(self) -> str | None:
        """Who holds the scheduler lease now (this process's owner id when it is the owner)."""
        return await self._holder()

    async def _holder(self) -> str | None:
        with contextlib.suppress(Exception):
            return await self.leases.holder(LEASE)
        return None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                await self.tick()
            except Exception:  # a tick must never kill the loop; the next one tries again
                log.exception("scheduler lease tick failed")

    async def _become_owner(self) -> None:
        await self._set_role(SchedulerRole.OWNER)
        if self.on_owner is not None:
            keep = asyncio.create_task(self._keep_alive(), name="scheduler-lease-startup")
            try:
                await self.on_owner()
            except Exception:
                log.exception("scheduler start-up work failed; the job table runs regardless")
            finally:
                keep.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keep
        aps = AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        for spec in self.jobs:
            aps.add_job(self._runner(spec), spec.trigger, id=spec.id, name=spec.name,
                        misfire_grace_time=int(spec.misfire_grace_seconds), replace_existing=True)
        aps.start()
        self._aps = aps
        log.info("scheduler owner %s: %d jobs", self.owner, len(self.jobs))

    async def _keep_alive(self) -> None:
        """Renew the lease while the start-up work (a reconciliation) runs: it may outlast a ttl."""
        while True:
            await asyncio.sleep(self.renew_every)
            with contextlib.suppress(Exception):
                await self.leases.renew(LEASE, self.owner, self.ttl)

    async def _stop_jobs(self) -> None:
        aps, self._aps = self._aps, None
        if aps is not None and aps.running:
            aps.pause()
        if self._inflight:
            _, pending = await asyncio.wait(set(self._inflight), timeout=self.grace)
            for task in pending:  # past the grace period: a job that cannot finish is cancelled
                log.error("job %s did not finish within %g s: cancelled", task.get_name(), self.grace)
                task.cancel()
        if aps is not None and aps.running:
            aps.shutdown(wait=False)

    async def _set_role(self, role: SchedulerRole) -> None:
        changed = role is not self._role
        async with self._changed:
            self._role = role
            self._changed.notify_all()
        if changed and self.bus is not None:
            with contextlib.suppress(Exception):
                await self.bus.publish(CHANNEL, {"event": "role", "role": role.value, "owner": self.owner,
                                                 "at": self.now().isoformat()})

    async def wait_role(self, role: SchedulerRole, within: float) -> bool:
        """Wait until this process has `role` (True) or `within` seconds pass (False)."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self._role is role), within)
            except TimeoutError:
                return False
        return True

    # ----------------------------------------------------------------- jobs

    def _runner(self, spec: JobSpec) -> Callable[[], Coroutine[Any, Any, None]]:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                task.set_name(f"job:{spec.id}")
                self._inflight.add(task)
            started = self.now()
            try:
                await spec.run()
                self.history.append(JobRun(spec.id, started, self.now(), True))
            except Exception as exc:  # one failing job must not stop the table
                log.exception("job %s failed", spec.id)
                self.history.append(JobRun(spec.id, started, self.now(), False, f"{type(exc).__name__}: {exc}"))
                await self._publish_failure(spec, exc)
            finally:
                if task is not None:
                    self._inflight.discard(task)
        return run

    async def run_now(self, job_id: str) -> JobRun:
        """Run one job at once through the same wrapper (the console's "run now", tests)."""
        spec = next((s for s in self.jobs if s.id == job_id), None)
        if spec is None:
            raise KeyError(f"no job {job_id!r} (jobs: {', '.join(s.id for s in self.jobs)})")
        await asyncio.create_task(self._runner(spec)())
        return self.history[-1]

    async def _publish_failure(self, spec: JobSpec, exc: Exception) -> None:
        if self.bus is not None:
            with contextlib.suppress(Exception):
                await self.bus.publish(CHANNEL, {"event": "job_failed", "job": spec.id, "name": spec.name,
                                                 "error": f"{type(exc).__name__}: {exc}",
                                                 "at": self.now().isoformat()})
