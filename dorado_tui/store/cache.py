"""The cache: quotes, chains and regime states with a time to live, in-process or in Redis.

Values are JSON documents (what `store.types.jsonable` accepts), so every process reads the same.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from dorado_tui.store.types import jsonable


class Cache(ABC):
    """Key/value with optional expiry (seconds)."""

    @abstractmethod
    async def get(self, key: str) -> Any | None:
        """The value, or None when absent or expired."""

    @abstractmethod
    async def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        """Store `value`, expiring after `ttl` seconds when given."""

    @abstractmethod
    async def delete(self, key: str) -> bool:
        """Remove a key; True when it existed."""

    @abstractmethod
    async def ttl(self, key: str) -> float | None:
        """Seconds left before expiry; None when absent or without expiry."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections; idempotent."""


class InProcessCache(Cache):
    """A dict with expiry on read. `clock` is monotonic seconds (injectable for tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._items: dict[str, tuple[str, float | None]] = {}

    def _live(self, key: str) -> tuple[str, float | None] | None:
        item = self._items.get(key)
        if item is not None and item[1] is not None and self._clock() >= item[1]:
            del self._items[key]
            return None
        return item

    async def get(self, key: str) -> Any | None:
        item = self._live(key)
        return None if item is None else json.loads(item[0])

    async def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        if ttl is not None and ttl <= 0:
            raise ValueError(f"cache ttl must be positive, got {ttl}")
        expires = None if ttl is None else self._clock() + ttl
        self._items[key] = (json.dumps(jsonable(value)), expires)

    async def delete(self, key: str) -> bool:
        return self._live(key) is not None and self._items.pop(key, None) is not None

    async def ttl(self, key: str) -> float | None:
        item = self._live(key)
        return None if item is None or item[1] is None else item[1] - self._clock()

    async def close(self) -> None:
        self._items.clear()


class RedisCache(Cache):
    """Redis strings with PX expiry under a per-user prefix."""

    def __init__(self, url: str, *, prefix: str = "dorado:local:cache:", password: str | None = None) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url, password=password)
        self._prefix = prefix

    async def get(self, key: str) -> Any | None:
        raw = await self._redis.get(self._prefix + key)
        return None if raw is None else json.loads(raw)

    async def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        if ttl is not None and ttl <= 0:
            raise ValueError(f"cache ttl must be positive, got {ttl}")
        px = None if ttl is None else max(1, round(ttl * 1000))
        await self._redis.set(self._prefix + key, json.dumps(jsonable(value)), px=px)

    async def delete(self, key: str) -> bool:
        return bool(await self._redis.delete(self._prefix + key))

    async def ttl(self, key: str) -> float | None:
        ms = await self._redis.pttl(self._prefix + key)
        return None if ms < 0 else ms / 1000.0

    async def close(self) -> None:
        await self._redis.aclose()


def make_cache(url: str | None, *, user_id: str = "local", password: str | None = None) -> Cache:
    """The cache a URL names: None -> in-process; redis://... -> Redis."""
    return InProcessCache() if not url else RedisCache(url, prefix=f"dorado:{user_id}:cache:", password=password)
