"""The console's built-in scheduler: the job table of `dorado_tui.jobs` on the engine loop when this
process wins the scheduler lease, else attached (read-only) to the process that holds it.

The job table lives above the engine (`jobs` calls the engine, never the reverse), so the caller
hands in its scheduler factory (`dorado_tui.jobs.make_scheduler`); the jobs run through the very
services the console's actions use (`EngineServices.open` reuses those the console registered).
The lease-holding scheduler runs on the engine loop like every engine object; the console's
loop only reads its role and next jobs, which the scheduler keeps thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable

from dorado_tui.domain.errors import DoradoError
from dorado_tui.engine.console_backend.backend import EngineConsoleBackend
from dorado_tui.engine.console_backend.core import ConsoleCore
from dorado_tui.engine.console_views import ConsoleBackend, ConsoleScheduler, JobView, SchedulerRole
from dorado_tui.engine.runtime import Runtime
from dorado_tui.engine.scheduler.services import EngineServices
from dorado_tui.home import Home

#: Builds the lease-holding scheduler of a runtime over the job services (`jobs.make_scheduler`).
SchedulerMaker = Callable[[Runtime, EngineServices], ConsoleScheduler]


class EngineScheduler:
    """A `ConsoleScheduler` whose scheduler is built and run on the backend's engine loop."""

    def __init__(self, backend: EngineConsoleBackend, make: SchedulerMaker) -> None:
        self.backend, self.make = backend, make
        self._inner: ConsoleScheduler | None = None

    @property
    def role(self) -> SchedulerRole:
        return self._inner.role if self._inner is not None else SchedulerRole.OFF

    async def start(self) -> SchedulerRole:
        """Build the job table over the console's services, try the lease, start if won."""
        async def on_engine(core: ConsoleCore) -> SchedulerRole:
            if self._inner is None:
                services = await EngineServices.open(core.engine.rt)
                self._inner = self.make(core.engine.rt, services)
            return await self._inner.start()

        role = await self.backend.call(on_engine)
        self.backend.set_scheduler(self._facts)
        return role

    async def shutdown(self) -> None:
        """Stop starting jobs, wait for running ones, release the lease (on the engine loop)."""
        inner = self._inner
        if inner is None or not self.backend.thread.running:
            return

        async def on_engine(_core: ConsoleCore) -> None:
            await inner.shutdown()

        await self.backend.call(on_engine)

    def next_jobs(self, limit: int = 3) -> tuple[JobView, ...]:
        return self._inner.next_jobs(limit) if self._inner is not None else ()

    def _facts(self) -> tuple[SchedulerRole, tuple[JobView, ...]]:
        return self.role, self.next_jobs(3)


def build_console_scheduler(home: Home, backend: ConsoleBackend, make: SchedulerMaker | None = None
                            ) -> ConsoleScheduler | None:
    """The built-in scheduler of a console over the engine backend; None without a job table
    (`make`), as for a console that must only attach."""
    if make is None:
        return None
    if not isinstance(backend, EngineConsoleBackend):
        raise DoradoError("the built-in scheduler runs on the engine's console backend only")
    return EngineScheduler(backend, make)
