"""The event bus: fills, state changes and the kill switch reach every listener (and, through
Redis pub/sub, every process). In-process when no URL is configured.

Channels are plain names ("trading_state", "orders"); a subscription may use glob patterns
("bot.*"). Payloads are JSON objects. Delivery is at-most-once, as with Redis pub/sub: the bus
tells listeners that something changed; the store remains the record.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from dorado_tui.store.types import jsonable

#: A listener that falls this far behind loses its oldest events (counted in `dropped`).
QUEUE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Event:
    """One published event."""

    channel: str
    payload: dict[str, Any]


class Subscription(ABC):
    """Events of the subscribed channels in publication order; close it when done."""

    @abstractmethod
    async def get(self, within: float | None = None) -> Event | None:
        """The next event, or None when `within` seconds pass first (None: wait for one)."""

    @abstractmethod
    async def close(self) -> None:
        """Stop receiving; idempotent."""

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            event = await self.get(within=None)
            if event is not None:
                yield event

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


class EventBus(ABC):
    """Publish/subscribe between the engine, the console and other processes."""

    @abstractmethod
    async def publish(self, channel: str, payload: Mapping[str, Any]) -> None:
        """Send `payload` to every current subscriber of `channel`."""

    @abstractmethod
    async def subscribe(self, *channels: str) -> Subscription:
        """Start listening; returns once the subscription is live (nothing published after
        this returns is missed)."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections; idempotent."""


def _is_pattern(channel: str) -> bool:
    return any(ch in channel for ch in "*?[")


class _LocalSubscription(Subscription):
    def __init__(self, bus: InProcessBus, channels: tuple[str, ...]) -> None:
        self._bus = bus
        self.channels = channels
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.dropped = 0

    def matches(self, channel: str) -> bool:
        return any(fnmatch.fnmatchcase(channel, c) if _is_pattern(c) else c == channel for c in self.channels)

    def offer(self, event: Event) -> None:
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def get(self, within: float | None = None) -> Event | None:
        if not self.queue.empty():
            return self.queue.get_nowait()
        try:
            return await asyncio.wait_for(self.queue.get(), within)
        except TimeoutError:
            return None

    async def close(self) -> None:
        self._bus.subscribers.discard(self)


class InProcessBus(EventBus):
    """The embedded bus: listeners in this process only."""

    def __init__(self) -> None:
        self.subscribers: set[_LocalSubscription] = set()

    async def publish(self, channel: str, payload: Mapping[str, Any]) -> None:
        event = Event(channel, jsonable(dict(payload)))
        for sub in list(self.subscribers):
            if sub.matches(channel):
                sub.offer(event)

    async def subscribe(self, *channels: str) -> Subscription:
        sub = _LocalSubscription(self, channels)
        self.subscribers.add(sub)
        return sub

    async def close(self) -> None:
        self.subscribers.clear()


class _RedisSubscription(Subscription):
    def __init__(self, pubsub: Any, prefix: str) -> None:
        self._pubsub = pubsub
        self._prefix = prefix
        self._closed = False

    async def get(self, within: float | None = None) -> Event | None:
        loop = asyncio.get_running_loop()
        deadline = None if within is None else loop.time() + within
        while True:
            wait = 1.0 if deadline is None else max(0.0, deadline - loop.time())
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
            if message is not None and message.get("type") in ("message", "pmessage"):
                channel = message["channel"].decode()[len(self._prefix):]
                return Event(channel, json.loads(message["data"]))
            if deadline is not None and loop.time() >= deadline:
                return None

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._pubsub.aclose()


class RedisBus(EventBus):
    """Redis pub/sub; channel names are prefixed (`dorado:<user>:`) so stores sharing a Redis
    server do not hear each other."""

    def __init__(self, url: str, *, prefix: str = "dorado:local:", password: str | None = None) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url, password=password)
        self._prefix = prefix

    async def publish(self, channel: str, payload: Mapping[str, Any]) -> None:
        await self._redis.publish(self._prefix + channel, json.dumps(jsonable(dict(payload))))

    async def subscribe(self, *channels: str) -> Subscription:
        pubsub = self._redis.pubsub()
        plain = [self._prefix + c for c in channels if not _is_pattern(c)]
        patterns = [self._prefix + c for c in channels if _is_pattern(c)]
        if plain:
            await pubsub.subscribe(*plain)
        if patterns:
            await pubsub.psubscribe(*patterns)
        await _await_confirmations(pubsub, len(plain) + len(patterns))
        return _RedisSubscription(pubsub, self._prefix)

    async def close(self) -> None:
        await self._redis.aclose()


async def _await_confirmations(pubsub: Any, expected: int, within: float = 5.0) -> None:
    """Read the server's subscribe confirmations: after them the subscription is live."""
    seen = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while seen < expected:
        message = await pubsub.get_message(timeout=max(0.0, deadline - loop.time()))
        if message is None and loop.time() >= deadline:
            raise TimeoutError(f"Redis did not confirm {expected} subscription(s) within {within:g} s")
        if message is not None and message.get("type") in ("subscribe", "psubscribe"):
            seen += 1


def make_bus(url: str | None, *, user_id: str = "local", password: str | None = None) -> EventBus:
    """The bus a URL names: None -> in-process; redis://... -> Redis pub/sub."""
    return InProcessBus() if not url else RedisBus(url, prefix=f"dorado:{user_id}:", password=password)
