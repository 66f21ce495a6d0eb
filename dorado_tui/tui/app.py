"""The Dorado operator console: one Textual app over the engine's `ConsoleBackend`.

Attributes down, messages up: the app owns the snapshot, the live marks and the event log and
screens watch them; screens post operator requests up to the app, which runs every backend call
in a worker. One `Worker.StateChanged` handler turns any failure into an error notification.
"""

from __future__ import annotations

import asyncio
import gc
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.reactive import var
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from dorado_tui.domain.clock import Clock, RealClock
from dorado_tui.domain.errors import DoradoError
from dorado_tui.engine.console_views import (
    ConsoleBackend,
    ConsoleScheduler,
    DashboardSnapshot,
    EventView,
    JobView,
    PositionMark,
    SchedulerRole,
    Severity,
)
from dorado_tui.tui import format as console_format
from dorado_tui.tui.actions import ActionsMixin
from dorado_tui.tui.keys import APP_BINDINGS
from dorado_tui.tui.messages import EventsPending, MarksPending, SnapshotStale
from dorado_tui.tui.palette import console_commands
from dorado_tui.tui.screens import SCREENS, screen_factory
from dorado_tui.tui.widgets.chrome import exchange_zone

#: Actions still allowed while a dialog is open (the kill switch always is).
_DIALOG_SAFE_ACTIONS = frozenset({"kill", "command_palette"})
_EVENT_RESTART_SECONDS = 5.0
_ERROR_REPEAT_SECONDS = 30.0


class DoradoConsole(ActionsMixin, App[None]):
    """The console. Build it with `create_app` (the CLI, the tests and the benchmarks do)."""

    CSS_PATH = "console.tcss"
    TITLE = "Dorado"
    MODES: ClassVar[dict[str, Callable[[], Screen[None]]]] = {  # type: ignore[assignment]
        mode: screen_factory(mode) for mode in SCREENS}
    DEFAULT_MODE = "dashboard"
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)

    snapshot: var[DashboardSnapshot | None] = var(None, always_update=True)
    """The engine's latest snapshot (None until the first read succeeds)."""
    now: var[datetime] = var(datetime.min.replace(tzinfo=UTC))
    """The clock's current instant, ticked every second for the status bar."""
    scheduler_role: var[SchedulerRole | None] = var(None)
    """This process's scheduler role when it has a scheduler hook (else the snapshot says)."""
    next_jobs: var[tuple[JobView, ...] | None] = var(None)
    """The hook's next jobs (None: take them from the snapshot)."""
    kill_pending: var[str | None] = var(None)
    """The kill banner the console shows itself from the keypress until the engine's state agrees."""

    def __init__(self, backend: ConsoleBackend, *, clock: Clock | None = None,
                 scheduler: ConsoleScheduler | None = None, local_tz: tzinfo | None = None,
                 refresh_seconds: float = 2.0) -> None:
        super().__init__()
        console_format.set_monochrome(self.no_color)
        self.backend = backend
        self.clock: Clock = clock or RealClock()
        self.scheduler = scheduler
        self.local_tz: tzinfo = local_tz or datetime.now().astimezone().tzinfo or exchange_zone("UTC")
        self.refresh_seconds = refresh_seconds
        self.marks: dict[str, PositionMark] = {}
        self.event_log: deque[EventView] = deque(maxlen=2000)
        self.marks_signal: Signal[list[PositionMark]] = Signal(self, "marks")
        self.events_signal: Signal[list[EventView]] = Signal(self, "events")
        self._pending_marks: dict[str, PositionMark] = {}
        self._pending_events: list[EventView] = []
        self._wakeups: set[str] = set()
        self._backend_open = False
        self._last_error: tuple[str, str, float] | None = None
        self.set_reactive(DoradoConsole.now, self.clock.now())

    @property
    def exchange_tz(self) -> tzinfo:
        snap = self.snapshot
        return exchange_zone(snap.status.exchange_tz if snap else "America/New_York")

    # -- start-up, refresh, shutdown ------------------------------------------------------------
    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self.set_interval(self.refresh_seconds, self._periodic_refresh)
        self._startup()

    @work(group="startup", exit_on_error=False)
    async def _startup(self) -> None:
        await self.backend.open()
        self._backend_open = True
        self._pump_events()
        if self.scheduler is not None:
            self._start_scheduler()
        await self._read_snapshot()

    @work(group="scheduler", exit_on_error=False)
    async def _start_scheduler(self) -> None:
        assert self.scheduler is not None
        self.scheduler_role = await self.scheduler.start()
        self.next_jobs = self.scheduler.next_jobs(3)

    def _tick(self) -> None:
        self.now = self.clock.now()
        if self.scheduler is not None and self.scheduler_role is not None:
            self.scheduler_role = self.scheduler.role
            self.next_jobs = self.scheduler.next_jobs(3)

    def _periodic_refresh(self) -> None:
        if not self._backend_open:
            if not self._running_in("startup"):
                self._startup()
            return
        if not self._running_in("snapshot"):  # a slow read is not cancelled by the next tick
            self._refresh_worker()

    def request_refresh(self) -> None:
        """Re-read now: an in-flight read may predate the change, so it is cancelled (exclusive)."""
        if self._backend_open:
            self._refresh_worker()

    @work(exclusive=True, group="snapshot", exit_on_error=False)
    async def _refresh_worker(self) -> None:
        await self._read_snapshot()

    async def _read_snapshot(self) -> None:
        self.apply_snapshot(await self.backend.snapshot())

    def apply_snapshot(self, snap: DashboardSnapshot) -> None:
        """Make `snap` the console's state (older or same versions are ignored)."""
        old = self.snapshot
        if old is not None and snap.version <= old.version:
            return
        if old is None:
            # Everything allocated up to the first snapshot (Textual, the screens, the engine's
            # services) lives as long as the console: freezing it keeps full collections from
            # walking it — measured as 55-65 ms pauses with 1,000 positions (bench_tui).
            gc.freeze()
        self.marks = {k: m for k, m in self.marks.items() if m.time > snap.asof}
        self._add_events(snap.events, notify=False)
        if self.kill_pending is not None and snap.trading.global_state.value == "HALTED":
            self.kill_pending = None  # the engine's own banner takes over
        self.snapshot = snap

    async def on_unmount(self) -> None:
        was_open, self._backend_open = self._backend_open, False
        if self.scheduler is not None:
            try:
                await self.scheduler.shutdown()
            except Exception as exc:  # closing must not hide the backend close below
                self.log.error(f"scheduler shutdown failed: {exc!r}")
        if was_open:
            await self.backend.close()

    def _running_in(self, group: str) -> bool:
        return any(w.group == group and w.is_running for w in self.workers)

    # -- the live stream ------------------------------------------------------------------------
    @work(exclusive=True, group="events", exit_on_error=False)
    async def _pump_events(self) -> None:
        count = 0
        async for event in self.backend.events():
            if isinstance(event, PositionMark):
                self._pending_marks[event.position_id] = event
                self._wake(MarksPending())
            elif isinstance(event, EventView):
                self._pending_events.append(event)
                self._wake(EventsPending())
            else:
                self._wake(SnapshotStale())
            count += 1
            if count % 256 == 0:  # a backend yielding a burst without awaiting must not starve the UI
                await asyncio.sleep(0)

    def _wake(self, message: MarksPending | EventsPending | SnapshotStale) -> None:
        """At most one wake-up of each kind waits in the queue: back-pressure for slow links."""
        kind = type(message).__name__
        if kind not in self._wakeups:
            self._wakeups.add(kind)
            self.post_message(message)

    def on_marks_pending(self, _message: MarksPending) -> None:
        self._wakeups.discard("MarksPending")
        batch, self._pending_marks = self._pending_marks, {}
        if batch:
            self.marks.update(batch)
            self.marks_signal.publish(list(batch.values()))

    def on_events_pending(self, _message: EventsPending) -> None:
        self._wakeups.discard("EventsPending")
        batch, self._pending_events = self._pending_events, []
        self._add_events(batch, notify=True)

    def on_snapshot_stale(self, _message: SnapshotStale) -> None:
        self._wakeups.discard("SnapshotStale")
        self.request_refresh()

    def _add_events(self, events: Iterable[EventView], *, notify: bool) -> None:
        last = self.event_log[-1].seq if self.event_log else -1
        fresh = sorted((e for e in events if e.seq > last), key=lambda e: e.seq)
        if not fresh:
            return
        self.event_log.extend(fresh)
        self.events_signal.publish(fresh)
        for e in fresh if notify else ():
            if e.severity in (Severity.ERROR, Severity.CRITICAL):
                self.notify(e.text, title=e.kind.value, severity="error", timeout=10)

    # -- errors -----------------------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR and worker.error is not None:
            self.report_error(worker.error, worker.name)
        ended = event.state in (WorkerState.ERROR, WorkerState.SUCCESS)
        if worker.group == "events" and ended and self._backend_open:
            # the stream ended or broke while the console still runs: reconnect shortly
            self.set_timer(_EVENT_RESTART_SECONDS, self._pump_events)

    def report_error(self, error: BaseException, where: str) -> None:
        """One error notification; the same error repeating within 30 s is not shown again."""
        if isinstance(error, DoradoError):
            title, message = error.title, error.message
        else:
            title, message = f"{where} failed", f"{type(error).__name__}: {error}"
        stamp = asyncio.get_running_loop().time()
        last = self._last_error
        if last is not None and last[:2] == (title, message) and stamp - last[2] < _ERROR_REPEAT_SECONDS:
            return
        self._last_error = (title, message, stamp)
        self.notify(message, title=title, severity="error", timeout=10)

    # -- palette and dialogs ---------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from console_commands(self, screen)
        yield from super().get_system_commands(screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a dialog is open only the kill switch (and the palette) act at app level."""
        return not (isinstance(self.screen, ModalScreen) and action not in _DIALOG_SAFE_ACTIONS)


def create_app(backend: ConsoleBackend, *, clock: Clock | None = None,
               scheduler: ConsoleScheduler | None = None, local_tz: tzinfo | None = None,
               refresh_seconds: float = 2.0) -> DoradoConsole:
    """The one app factory shared by `dorado tui`, the tests and the benchmarks."""
    return DoradoConsole(backend, clock=clock, scheduler=scheduler, local_tz=local_tz,
                         refresh_seconds=refresh_seconds)
