"""Redis bus, cache and leases against the real server (skipped without it unless CI)."""

from __future__ import annotations

import pytest

from dorado_tui.store.bus import make_bus
from dorado_tui.store.cache import make_cache
from dorado_tui.store.leases import LeaseBusy, make_leases

pytestmark = pytest.mark.services


async def test_pubsub_reaches_a_subscriber_on_another_connection(redis_url: str) -> None:
    publisher, listener = make_bus(redis_url), make_bus(redis_url)
    sub = await listener.subscribe("trading_state", "bot.*")

    await publisher.publish("bot.spy_ic", {"to": "EXECUTING"})
    await publisher.publish("trading_state", {"state": "HALTED", "by": "operator"})
    events = [await sub.get(within=5), await sub.get(within=5)]

    assert [(e.channel, e.payload) for e in events if e] == [
        ("bot.spy_ic", {"to": "EXECUTING"}), ("trading_state", {"state": "HALTED", "by": "operator"})]
    assert await sub.get(within=0.05) is None
    await sub.close()
    await publisher.close()
    await listener.close()


async def test_users_on_one_server_do_not_hear_each_other(redis_url: str) -> None:
    mine, theirs = make_bus(redis_url, user_id="local"), make_bus(redis_url, user_id="other")
    sub = await mine.subscribe("orders")

    await theirs.publish("orders", {"id": "X"})
    await mine.publish("orders", {"id": "mine"})

    event = await sub.get(within=5)
    assert event is not None and event.payload == {"id": "mine"}
    await sub.close()
    await mine.close()
    await theirs.close()


async def test_cache_values_round_trip_with_a_server_side_ttl(redis_url: str) -> None:
    cache = make_cache(redis_url)

    await cache.set("chain:SPY", {"expirations": ["2025-04-17"], "n": 412}, ttl=30)
    await cache.set("regime:macro:current", {"regime": "risk_on"})

    assert await cache.get("chain:SPY") == {"expirations": ["2025-04-17"], "n": 412}
    assert 29.0 < (await cache.ttl("chain:SPY") or 0) <= 30.0
    assert await cache.ttl("regime:macro:current") is None
    assert await cache.delete("chain:SPY") and await cache.get("chain:SPY") is None
    await cache.close()


async def test_one_owner_per_lease_across_clients(redis_url: str) -> None:
    tui, daemon = make_leases(redis_url), make_leases(redis_url)

    assert await tui.acquire("scheduler", "tui-1", ttl=30)
    assert not await daemon.acquire("scheduler", "daemon-7", ttl=30)
    assert await daemon.holder("scheduler") == "tui-1"
    assert not await daemon.renew("scheduler", "daemon-7", ttl=30)
    assert not await daemon.release("scheduler", "daemon-7")
    assert await tui.renew("scheduler", "tui-1", ttl=60)
    assert await tui.release("scheduler", "tui-1")
    assert await daemon.acquire("scheduler", "daemon-7", ttl=30)
    await tui.close()
    await daemon.close()


async def test_a_crashed_holders_lease_expires_and_a_waiter_takes_it(redis_url: str) -> None:
    crashed, survivor = make_leases(redis_url), make_leases(redis_url)
    await crashed.acquire("scheduler", "dead", ttl=0.05)  # and never renews or releases

    async with survivor.lock("scheduler", ttl=30, wait=5.0) as owner:
        holder = await crashed.holder("scheduler")

    assert holder == owner != "dead"
    await crashed.close()
    await survivor.close()


async def test_order_lock_serializes_two_executors(redis_url: str) -> None:
    first, second = make_leases(redis_url), make_leases(redis_url)

    async with first.lock("order:DOR-1", ttl=30):
        with pytest.raises(LeaseBusy):
            async with second.lock("order:DOR-1", wait=0.0):
                pass
    async with second.lock("order:DOR-1", wait=0.0) as owner:
        assert await first.holder("order:DOR-1") == owner
    await first.close()
    await second.close()
