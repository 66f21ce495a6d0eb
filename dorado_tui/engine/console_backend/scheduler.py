"""The console's built-in scheduler hook: the job table of `dorado_tui.jobs` on the engine loop
when this process wins the scheduler lease, else attached (read-only) to the process that holds it."""

from __future__ import annotations

from dorado_tui.engine.console_backend.backend import EngineConsoleBackend
from dorado_tui.engine.console_views import ConsoleBackend, ConsoleScheduler
from dorado_tui.home import Home


def build_console_scheduler(home: Home, backend: ConsoleBackend) -> ConsoleScheduler | None:
    """The scheduler hook for a console over `backend` (None: this installation has no job table)."""
    scheduler: ConsoleScheduler | None = None
    if isinstance(backend, EngineConsoleBackend) and scheduler is not None:
        backend.set_scheduler(lambda: (scheduler.role, scheduler.next_jobs(3)))
    return scheduler
