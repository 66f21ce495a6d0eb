"""Store-backed leases (one scheduler per store without Redis) and the status counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_builders import candidate, condor_order

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.orders import OrderResult, OrderStatus
from dorado_tui.store.database import Database
from dorado_tui.store.leases import LeaseBusy, SqlLeases, make_leases
from dorado_tui.store.repos import audit, bots, candidates, orders, status


async def test_only_one_owner_holds_a_store_lease_until_it_expires(db: Database, clock: FixedClock) -> None:
    leases = SqlLeases(db, clock)

    first = await leases.acquire("scheduler", "tui-1", ttl=30)
    second = await leases.acquire("scheduler", "daemon-7", ttl=30)
    clock.advance(timedelta(seconds=31))
    after_expiry = await leases.acquire("scheduler", "daemon-7", ttl=30)
    lost_renew = await leases.renew("scheduler", "tui-1", ttl=30)

    assert (first, second, after_expiry, lost_renew) == (True, False, True, False)
    assert await leases.holder("scheduler") == "daemon-7"


async def test_renew_extends_and_release_frees_a_store_lease(db: Database, clock: FixedClock) -> None:
    leases = make_leases(None, database=db, clock=clock)
    await leases.acquire("scheduler", "a", ttl=10)

    clock.advance(timedelta(seconds=8))
    renewed = await leases.renew("scheduler", "a", ttl=10)
    clock.advance(timedelta(seconds=8))
    still_mine = await leases.holder("scheduler")
    wrong_release = await leases.release("scheduler", "b")
    released = await leases.release("scheduler", "a")

    assert (renewed, still_mine, wrong_release, released) == (True, "a", False, True)
    assert await leases.holder("scheduler") is None


async def test_lock_context_holds_the_lease_and_a_second_waiter_gives_up(db: Database, clock: FixedClock) -> None:
    leases = SqlLeases(db, clock)

    async with leases.lock("order:DOR-1", ttl=60) as token:
        holder = await leases.holder("order:DOR-1")
        with pytest.raises(LeaseBusy, match="lease 'order:DOR-1' is held by"):
            async with leases.lock("order:DOR-1", wait=0.0):
                pass

    assert holder == token
    assert await leases.holder("order:DOR-1") is None


async def test_counts_reflect_bots_pending_candidates_working_orders_and_audit(
        db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await bots.sync_bot(tx, "spy_ic", {"id": "spy_ic"}, at=clock.now())
        await candidates.save_candidates(tx, [candidate("a"), candidate("b")], clock.now())
        await orders.record_intent(tx, condor_order(), at=clock.now())
        await orders.record_order_result(tx, OrderResult("DOR-0001", "V-1", OrderStatus.SUBMITTED), clock.now())

    async with db.read() as session:
        counts = await status.counts(session)
        audit_rows = await audit.count(session)

    assert counts.as_dict() == {"bots": 1, "open_positions": 0, "pending_candidates": 2, "working_orders": 1,
                                "audit_rows": audit_rows}
    assert audit_rows == 2  # the bot's config version and the order intent


async def test_open_services_picks_the_store_leases_without_redis(tmp_path, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    from dorado_tui.store.bus import InProcessBus
    from dorado_tui.store.cache import InProcessCache
    from dorado_tui.store.services import open_services
    from dorado_tui.store.urls import sqlite_url

    services = open_services(sqlite_url(tmp_path / "dorado.db"), clock=clock)
    await services.database.create_all()

    got = await services.leases.acquire("scheduler", "me", ttl=5)

    assert got and isinstance(services.leases, SqlLeases)
    assert isinstance(services.bus, InProcessBus) and isinstance(services.cache, InProcessCache)
    await services.close()


@pytest.mark.services
async def test_open_services_uses_redis_for_bus_cache_and_leases(tmp_path, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    from dorado_tui.store.bus import RedisBus
    from dorado_tui.store.cache import RedisCache
    from dorado_tui.store.leases import RedisLeases
    from dorado_tui.store.services import open_services
    from dorado_tui.store.urls import sqlite_url

    services = open_services(sqlite_url(tmp_path / "dorado.db"), cache_url=redis_url, bus_url=redis_url)

    assert isinstance(services.bus, RedisBus) and isinstance(services.cache, RedisCache)
    assert isinstance(services.leases, RedisLeases)
    await services.cache.set("k", {"v": 1}, ttl=5)
    assert await services.cache.get("k") == {"v": 1}
    await services.close()
