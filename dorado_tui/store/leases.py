"""Leases: a named right held by one owner until it expires or is released.

"Exactly one scheduler per store" and "one executor per order" are leases. Three backends share
one interface: Redis (SET NX PX; compare-and-set scripts), the SQL store itself (a row per lease,
so processes sharing one SQLite file or PostgreSQL database agree even without Redis), and
in-process (tests, single process). A holder must `renew` before the TTL runs out; a crashed
holder's lease simply expires.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from dorado_tui.domain.clock import Clock, RealClock
from dorado_tui.domain.errors import DoradoError
from dorado_tui.store.database import Database
from dorado_tui.store.repos import leases as repo


class LeaseBusy(DoradoError):
    """The lease is held by someone else and did not come free in time."""

    title = "Busy"


class Leases(ABC):
    """Acquire, renew and release named leases."""

    @abstractmethod
    async def acquire(self, name: str, owner: str, ttl: float) -> bool:
        """Take the lease for `ttl` seconds; True when `owner` now holds it (re-acquiring one's
        own lease extends it)."""

    @abstractmethod
    async def renew(self, name: str, owner: str, ttl: float) -> bool:
        """Extend a lease `owner` holds; False when it lost it (expired and taken, or released)."""

    @abstractmethod
    async def release(self, name: str, owner: str) -> bool:
        """Give the lease up; False when `owner` did not hold it."""

    @abstractmethod
    async def holder(self, name: str) -> str | None:
        """Who holds the lease now (None when free)."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections; idempotent."""

    @asynccontextmanager
    async def lock(self, name: str, ttl: float = 30.0, wait: float = 10.0,
                   poll: float = 0.05) -> AsyncIterator[str]:
        """Hold `name` for the block (waiting up to `wait` seconds for it); yields the owner token.
        Raises LeaseBusy when it does not come free in time."""
        owner = uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while not await self.acquire(name, owner, ttl):
            if loop.time() >= deadline:
                raise LeaseBusy(f"lease {name!r} is held by {await self.holder(name)!r}; waited {wait:g} s")
            await asyncio.sleep(poll)
        try:
            yield owner
        finally:
            await self.release(name, owner)


def _check_ttl(ttl: float) -> None:
    if ttl <= 0:
        raise ValueError(f"lease ttl must be positive, got {ttl}")


class InProcessLeases(Leases):
    """Leases within one process; `clock` is monotonic seconds (injectable for tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._held: dict[str, tuple[str, float]] = {}

    async def holder(self, name: str) -> str | None:
        held = self._held.get(name)
        if held is None or self._clock() >= held[1]:
            return None
        return held[0]

    async def acquire(self, name: str, owner: str, ttl: float) -> bool:
        _check_ttl(ttl)
        current = await self.holder(name)
        if current not in (None, owner):
            return False
        self._held[name] = (owner, self._clock() + ttl)
        return True

    async def renew(self, name: str, owner: str, ttl: float) -> bool:
        return await self.holder(name) == owner and await self.acquire(name, owner, ttl)

    async def release(self, name: str, owner: str) -> bool:
        if await self.holder(name) != owner:
            return False
        del self._held[name]
        return True

    async def close(self) -> None:
        self._held.clear()


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class RedisLeases(Leases):
    """Leases as Redis keys with PX expiry (server time); renew/release compare the owner first."""

    def __init__(self, url: str, *, prefix: str = "dorado:local:lease:", password: str | None = None) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url, password=password)
        self._prefix = prefix
        self._renew = self._redis.register_script(_RENEW)
        self._release = self._redis.register_script(_RELEASE)

    async def acquire(self, name: str, owner: str, ttl: float) -> bool:
        _check_ttl(ttl)
        px = max(1, round(ttl * 1000))
        if await self._redis.set(self._prefix + name, owner, nx=True, px=px):
            return True
        return await self.renew(name, owner, ttl)

    async def renew(self, name: str, owner: str, ttl: float) -> bool:
        _check_ttl(ttl)
        return bool(await self._renew(keys=[self._prefix + name], args=[owner, max(1, round(ttl * 1000))]))

    async def release(self, name: str, owner: str) -> bool:
        return bool(await self._release(keys=[self._prefix + name], args=[owner]))

    async def holder(self, name: str) -> str | None:
        raw = await self._redis.get(self._prefix + name)
        return None if raw is None else raw.decode()

    async def close(self) -> None:
        await self._redis.aclose()


class SqlLeases(Leases):
    """Leases as rows of the store's `leases` table: one atomic upsert decides who holds it.

    Expiry uses `clock` (wall time): processes sharing a store must share a clock, which holds on
    one machine and with NTP across machines; TTLs should dwarf the clock skew.
    """

    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        self._db = database
        self._clock = clock or RealClock()

    async def acquire(self, name: str, owner: str, ttl: float) -> bool:
        _check_ttl(ttl)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            return await repo.take(tx, name, owner, now, now + timedelta(seconds=ttl))

    async def renew(self, name: str, owner: str, ttl: float) -> bool:
        _check_ttl(ttl)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            return await repo.extend(tx, name, owner, now, now + timedelta(seconds=ttl))

    async def release(self, name: str, owner: str) -> bool:
        async with self._db.transaction() as tx:
            return await repo.drop(tx, name, owner)

    async def holder(self, name: str) -> str | None:
        async with self._db.read() as session:
            return await repo.holder(session, name, self._clock.now())

    async def close(self) -> None:
        """The database belongs to the caller: nothing to release here."""


def make_leases(url: str | None, *, database: Database | None = None, clock: Clock | None = None,
                user_id: str = "local", password: str | None = None) -> Leases:
    """Redis when a URL is given; else the SQL store when given (shared by every process on it);
    else in-process."""
    if url:
        return RedisLeases(url, prefix=f"dorado:{user_id}:lease:", password=password)
    if database is not None:
        return SqlLeases(database, clock)
    return InProcessLeases()
