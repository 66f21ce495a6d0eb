"""Background passes on the engine loop: repeated on a cadence (or at once when woken), stopped
between passes, and out of the way of the kill switch.

Stopping asks the loop to finish its current pass instead of cancelling it: a pass cancelled in
the middle of a database read hands a connection back mid-transaction. Only a pass that does not
finish within `grace` seconds is cancelled. Long passes (a thousand positions marked or viewed)
call `Priority.pause_point` every few dozen items: each await of the kill's then waits for a
few milliseconds of other work at most, and none while the kill runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs `body` now, then every `every` seconds or as soon as `wake` is called."""

    def __init__(self, name: str, body: Callable[[], Awaitable[None]], every: float, *, grace: float = 10.0,
                 settle: float = 0.0) -> None:
        self.name, self.body, self.every, self.grace, self.settle = name, body, every, grace, settle
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    def wake(self) -> None:
        """Run the next pass now (after `settle` seconds, so a burst of changes costs one pass)."""
        self._wake.set()

    async def stop(self) -> None:
        """Let the current pass finish, then end (cancelled only after `grace` seconds)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), self.grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.body()
            except Exception:  # one failed pass must not end the loop: the next one retries
                log.exception("%s: a pass failed", self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every)
            self._wake.clear()
            if self.settle > 0 and not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.settle)


class Priority:
    """Lets an urgent action (the kill switch) have the engine loop: while one runs, background
    passes park at their next `pause_point` instead of taking turns with it."""

    def __init__(self) -> None:
        self._clear = asyncio.Event()
        self._clear.set()
        self._urgent = 0

    @contextlib.asynccontextmanager
    async def urgent(self) -> AsyncIterator[None]:
        self._urgent += 1
        self._clear.clear()
        try:
            yield
        finally:
            self._urgent -= 1
            if not self._urgent:
                self._clear.set()

    async def pause_point(self) -> None:
        """Give the loop away, and wait while an urgent action runs."""
        await asyncio.sleep(0)
        await self._clear.wait()
