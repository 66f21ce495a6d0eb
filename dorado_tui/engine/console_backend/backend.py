"""`EngineConsoleBackend`: the real engine behind the operator console (`ConsoleBackend`).

The console calls it on its own loop; every call runs on the engine loop (`thread.EngineLoop`)
where `core.ConsoleCore` and all engine objects live, and the console only awaits the result.
The live stream crosses the same way: the engine's feed hands each item to a sink that puts it
on the console's loop (dropping the oldest items if the console stops reading).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from dorado_tui.domain.annotations import AnnotationTag
from dorado_tui.domain.clock import Clock
from dorado_tui.engine.console_backend.core import BackendSettings, ConsoleCore, SchedulerFacts
from dorado_tui.engine.console_backend.thread import EngineLoop
from dorado_tui.engine.console_views import (
    ActionResult,
    ConsoleEvent,
    DashboardSnapshot,
    KillReport,
)
from dorado_tui.engine.lifecycle.settings import LifecycleSettings
from dorado_tui.home import Home
from dorado_tui.settings.config import Config
from dorado_tui.venues.base import VenueAdapter

T = TypeVar("T")
#: Items the console may fall behind by before the oldest are dropped (marks repeat anyway).
QUEUE_LIMIT = 5000
#: Seconds `close` waits for engine calls still running.
CLOSE_GRACE = 15.0


class EngineConsoleBackend:
    """The console's engine (see the module docstring). Build it with `build_console_backend`."""

    def __init__(self, home: Home, *, clock: Clock | None = None, config: Config | None = None,
                 venue: VenueAdapter | None = None, twin_venue: VenueAdapter | None = None,
                 lifecycle: LifecycleSettings | None = None, settings: BackendSettings | None = None,
                 operator: str | None = None) -> None:
        self.core = ConsoleCore(home, clock=clock, config=config, venue=venue, twin_venue=twin_venue,
                                lifecycle=lifecycle, settings=settings, operator=operator)
        self.thread = EngineLoop()

    async def call(self, fn: Callable[[ConsoleCore], Awaitable[T]]) -> T:
        """Run `fn(core)` on the engine loop (how tests and the scheduler hook reach the engine)."""
        async def on_engine() -> T:
            return await fn(self.core)

        return await self.thread.run(on_engine())

    def set_scheduler(self, facts: SchedulerFacts | None) -> None:
        """Where the status bar reads the scheduler's role and next jobs from."""
        self.core.scheduler = facts

    # ----------------------------------------------------------------- the ConsoleBackend protocol

    async def open(self) -> None:
        self.thread.start()
        try:
            await self.thread.run(self.core.open())
        except BaseException:
            self.thread.stop()
            raise

    async def close(self) -> None:
        """Let calls still running finish (a snapshot read, an approval recording its fills; at
        most `CLOSE_GRACE` seconds), then close the engine. Working orders stay working."""
        if not self.thread.running:
            return
        try:
            await self.thread.drain(CLOSE_GRACE)
            await self.thread.run(self.core.close())
        finally:
            self.thread.stop()

    async def snapshot(self) -> DashboardSnapshot:
        return await self.thread.run(self.core.snapshot())

    async def scan_now(self) -> ActionResult:
        return await self.thread.run(self.core.scan_now())

    async def approve(self, candidate_id: str, tag: AnnotationTag | None) -> ActionResult:
        return await self.thread.run(self.core.approve(candidate_id, tag))

    async def reject(self, candidate_id: str, reason: str) -> ActionResult:
        return await self.thread.run(self.core.reject(candidate_id, reason))

    async def kill(self) -> KillReport:
        return await self.thread.run(self.core.kill())

    async def resume(self, reason: str) -> ActionResult:
        return await self.thread.run(self.core.resume(reason))

    async def set_bot_enabled(self, bot_id: str, enabled: bool) -> ActionResult:
        return await self.thread.run(self.core.set_bot_enabled(bot_id, enabled))

    async def orders_in_flight(self) -> int:
        return await self.thread.run(self.core.orders_in_flight())

    def events(self) -> AsyncIterator[ConsoleEvent]:
        """Everything the engine's feed publishes from this call on, until the backend closes.

        The sink is attached by the time anything asked of the engine after this call runs (the
        engine loop runs callbacks in order), not when iteration begins: a mark or fill published
        between `events()` and the first `anext` is delivered, not lost."""
        here = asyncio.get_running_loop()
        queue: asyncio.Queue[ConsoleEvent | None] = asyncio.Queue()

        def sink(item: ConsoleEvent | None) -> None:  # runs on the engine loop
            with contextlib.suppress(RuntimeError):  # the console's loop has closed: nobody listens
                here.call_soon_threadsafe(_offer, queue, item)

        self.thread.call_soon(self.core.feed.attach, sink)
        return self._drain(queue, sink)

    async def _drain(self, queue: asyncio.Queue[ConsoleEvent | None],
                     sink: Callable[[ConsoleEvent | None], None]) -> AsyncIterator[ConsoleEvent]:
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield item
        finally:
            if self.thread.running:
                self.thread.call_soon(self.core.feed.detach, sink)


def _offer(queue: asyncio.Queue[ConsoleEvent | None], item: ConsoleEvent | None) -> None:
    if queue.qsize() >= QUEUE_LIMIT:
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(item)


def build_console_backend(home: Home) -> EngineConsoleBackend:
    """The console's engine for a home (what `dorado tui` runs)."""
    return EngineConsoleBackend(home)
