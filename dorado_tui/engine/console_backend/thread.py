"""The engine's own event loop, in a thread of its own, so the console's loop only draws.

Why: the engine's work is CPU as much as I/O — a scan resolves chains, a snapshot builds a
thousand position views from ORM rows, the risk report reprices every leg — and on the console's
loop any of it would freeze keys and redraws (the issue's budget: never blocked > 50 ms). On its
own loop it only competes for the GIL, which Python hands over every few milliseconds. Every
engine object (store engine, bus, venues, services) is created and used on this loop only; the
console awaits results through `run`, which never cancels the engine-side work (a read or an
action cancelled half-way would leave a connection mid-transaction or an order unrecorded).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Seconds a thread may hold the GIL while another waits for it (CPython's default is 5 ms). With
#: the engine, the store's worker and the console all runnable, the console waits a few of these
#: turns for each tick; 1 ms turns keep its worst tick within the 50 ms budget (bench_tui_engine).
GIL_TURN_S = 0.001


class EngineLoop:
    """A private asyncio loop running in a daemon thread (see the module docstring)."""

    def __init__(self, name: str = "dorado-engine") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._inflight: set[concurrent.futures.Future[Any]] = set()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the engine loop is not running")
        return self._loop

    @property
    def running(self) -> bool:
        return self._loop is not None and self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread and its loop (returns once the loop runs)."""
        if self.running:
            return
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_TURN_S))
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(loop, ready), name=self.name, daemon=True)
        self._loop = loop
        self._thread.start()
        ready.wait()

    @staticmethod
    def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                # join the venue's worker threads here: left to interpreter shutdown, a thread
                # still inside C code when the process exits can take the process down with it
                loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the engine loop and wait for its result here. Cancelling the wait does
        not cancel the engine-side work: it finishes and its result is dropped."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        self._inflight.add(future)
        future.add_done_callback(self._settled)
        return await asyncio.shield(asyncio.wrap_future(future))

    def _settled(self, future: concurrent.futures.Future[Any]) -> None:
        self._inflight.discard(future)
        if not future.cancelled() and future.exception() is not None:
            # retrieved here: a caller that stopped waiting must not leave "never retrieved" noise
            log.debug("engine call ended with %r", future.exception())

    async def drain(self, within: float) -> None:
        """Wait (up to `within` seconds) for the engine calls still running to finish."""
        pending = [asyncio.wrap_future(f) for f in list(self._inflight)]
        if pending:
            await asyncio.wait(pending, timeout=within)

    def call_soon(self, fn: Callable[..., object], *args: object) -> None:
        """Schedule a plain callable on the engine loop (from any thread)."""
        self.loop.call_soon_threadsafe(fn, *args)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop (tasks still pending are cancelled) and join the thread."""
        loop, thread = self._loop, self._thread
        self._loop, self._thread = None, None
        if loop is None or thread is None:
            return
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
