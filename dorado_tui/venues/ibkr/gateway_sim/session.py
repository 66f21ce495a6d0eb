"""One API client connection to the simulated gateway: handshake, ordered writer, subscriptions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from dorado_tui.venues.ibkr.gateway_sim.messages import MessageEncoder
from dorado_tui.venues.ibkr.gateway_sim.wire import (
    HANDSHAKE_PREFIX,
    ClientHello,
    Field,
    ProtocolError,
    choose_version,
    frame,
    parse_hello,
    read_message,
)

log = logging.getLogger(__name__)


@dataclass
class Subscriptions:
    """What a client keeps streaming: market data by reqId, account updates, positions."""

    market_data: dict[int, int] = field(default_factory=dict)  # reqId -> conId
    generic_ticks: dict[int, str] = field(default_factory=dict)
    account_updates: bool = False
    positions: bool = False

    def clear_market_data(self) -> None:
        self.market_data.clear()
        self.generic_ticks.clear()


class Session:
    """A connected client. Writes are queued so that replies keep their order under delays."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 delay: Callable[[], float]) -> None:
        self.reader = reader
        self.writer = writer
        self.client_id: int | None = None
        self.version = 0
        self.encoder = MessageEncoder(0)
        self.subs = Subscriptions()
        self.received: deque[float] = deque()  # monotonic arrival times for the pacing check
        self._delay = delay
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    @property
    def peer(self) -> str:
        info = self.writer.get_extra_info("peername")
        return f"{info[0]}:{info[1]}" if info else "?"

    async def handshake(self, preferred_version: int, reply: Callable[[int], list[Field]]) -> ClientHello:
        """Read `API\\0` + version range, answer with the negotiated version and time."""
        prefix = await self.reader.readexactly(len(HANDSHAKE_PREFIX))
        if prefix != HANDSHAKE_PREFIX:
            raise ProtocolError(f"expected the API handshake prefix, got {prefix!r}")
        hello = parse_hello(await read_message(self.reader))
        self.version = choose_version(hello, preferred_version)
        self.encoder = MessageEncoder(self.version)
        self._writer_task = asyncio.create_task(self._write_loop(), name=f"gw-writer-{self.peer}")
        self.send(reply(self.version))
        return hello

    def send(self, fields: list[Field]) -> None:
        """Queue one message (dropped silently once the session is closing)."""
        if not self.closed.is_set():
            self._queue.put_nowait(frame(fields))

    async def _write_loop(self) -> None:
        try:
            while True:
                data = await self._queue.get()
                if data is None:
                    break
                delay = self._delay()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.writer.write(data)
                await self.writer.drain()
        except (ConnectionError, RuntimeError) as exc:
            log.debug("gateway writer for %s stopped: %s", self.peer, exc)
        finally:
            self.closed.set()

    async def flush_and_close(self) -> None:
        """Deliver what is queued, then close (a gateway answering 326 does this)."""
        self._queue.put_nowait(None)
        if self._writer_task is not None:
            with contextlib.suppress(Exception):
                await self._writer_task
        self.abort()

    def abort(self) -> None:
        """Drop the socket now, like a gateway restart or a network cut."""
        self.closed.set()
        if self._writer_task is not None:
            self._writer_task.cancel()
        transport = self.writer.transport
        if not transport.is_closing():
            transport.abort()
