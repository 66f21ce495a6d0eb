"""One call that opens everything the store layer provides for an engine: the SQL database, the
event bus, the cache and the leases, each chosen by its URL (None -> the embedded default)."""

from __future__ import annotations

from dataclasses import dataclass

from dorado_tui.domain.clock import Clock
from dorado_tui.store.bus import EventBus, make_bus
from dorado_tui.store.cache import Cache, make_cache
from dorado_tui.store.database import Database
from dorado_tui.store.leases import Leases, make_leases
from dorado_tui.store.types import DEFAULT_USER


@dataclass
class StoreServices:
    """The store-side ports an engine uses; `close()` releases them all."""

    database: Database
    bus: EventBus
    cache: Cache
    leases: Leases

    async def close(self) -> None:
        await self.bus.close()
        await self.cache.close()
        await self.leases.close()
        await self.database.dispose()


def open_services(store_url: str, *, cache_url: str | None = None, bus_url: str | None = None,
                  user_id: str = DEFAULT_USER, clock: Clock | None = None) -> StoreServices:
    """Database from `store_url`; bus and cache in-process unless their Redis URL is given;
    leases in Redis when the cache is Redis, else rows of the SQL store (so every process on the
    same store agrees on the scheduler lease). URLs carry their passwords (settings add them)."""
    database = Database(store_url, user_id=user_id)
    return StoreServices(
        database=database,
        bus=make_bus(bus_url, user_id=user_id),
        cache=make_cache(cache_url, user_id=user_id),
        leases=make_leases(cache_url, database=database, clock=clock, user_id=user_id),
    )
