"""In-process bus, cache and leases: the embedded defaults (time injected, no sleeps)."""

from __future__ import annotations

import pytest

from dorado_tui.store.bus import InProcessBus, make_bus
from dorado_tui.store.cache import InProcessCache, make_cache
from dorado_tui.store.leases import InProcessLeases, LeaseBusy, make_leases


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_bus_delivers_to_matching_subscribers_in_order() -> None:
    bus = make_bus(None)
    exact = await bus.subscribe("trading_state")
    pattern = await bus.subscribe("bot.*")

    await bus.publish("bot.spy_ic", {"to": "EXECUTING"})
    await bus.publish("trading_state", {"state": "HALTED"})
    await bus.publish("bot.btc", {"to": "IDLE"})

    assert [(e.channel, e.payload) for e in [await pattern.get(1), await pattern.get(1)]] == [
        ("bot.spy_ic", {"to": "EXECUTING"}), ("bot.btc", {"to": "IDLE"})]
    assert (await exact.get(1)).payload == {"state": "HALTED"}  # type: ignore[union-attr]
    assert await exact.get(0) is None
    await bus.close()


async def test_closed_subscription_receives_nothing_more() -> None:
    bus = InProcessBus()
    sub = await bus.subscribe("orders")
    await sub.close()

    await bus.publish("orders", {"id": 1})

    assert await sub.get(0) is None
    assert bus.subscribers == set()


async def test_slow_subscriber_drops_its_oldest_events_not_the_publisher(monkeypatch: pytest.MonkeyPatch) -> None:
    import dorado_tui.store.bus as bus_module

    monkeypatch.setattr(bus_module, "QUEUE_LIMIT", 3)
    bus = InProcessBus()
    sub = await bus.subscribe("ticks")

    for i in range(5):
        await bus.publish("ticks", {"i": i})

    assert [(await sub.get(0)).payload["i"] for _ in range(3)] == [2, 3, 4]  # type: ignore[union-attr]
    assert sub.dropped == 2  # type: ignore[attr-defined]


async def test_cache_entry_expires_after_its_ttl() -> None:
    ticker = Ticker()
    cache = InProcessCache(ticker)
    await cache.set("quote:SPY", {"bid": 561.2, "ask": 561.25}, ttl=5)
    await cache.set("regime:macro:current", {"regime": "goldilocks"})

    ticker.now += 4.5
    fresh, left = await cache.get("quote:SPY"), await cache.ttl("quote:SPY")
    ticker.now += 0.5
    stale = await cache.get("quote:SPY")

    assert fresh == {"bid": 561.2, "ask": 561.25} and left == pytest.approx(0.5)
    assert stale is None
    assert await cache.get("regime:macro:current") == {"regime": "goldilocks"}
    assert await cache.ttl("regime:macro:current") is None
    assert (await cache.delete("regime:macro:current"), await cache.delete("regime:macro:current")) == (True, False)


async def test_cache_refuses_a_nonpositive_ttl() -> None:
    with pytest.raises(ValueError, match="cache ttl must be positive, got 0"):
        await make_cache(None).set("k", 1, ttl=0)


async def test_lease_is_exclusive_until_expiry_and_renewable_by_its_owner() -> None:
    ticker = Ticker()
    leases = InProcessLeases(ticker)

    assert await leases.acquire("scheduler", "a", 10)
    assert not await leases.acquire("scheduler", "b", 10)
    ticker.now += 9
    assert await leases.renew("scheduler", "a", 10)
    ticker.now += 9
    assert await leases.holder("scheduler") == "a"
    ticker.now += 2
    assert not await leases.renew("scheduler", "a", 10)
    assert await leases.acquire("scheduler", "b", 10)
    assert not await leases.release("scheduler", "a")
    assert await leases.release("scheduler", "b")


async def test_lock_releases_on_exit_and_times_out_when_held() -> None:
    leases = make_leases(None)

    async with leases.lock("order:1") as owner:
        assert await leases.holder("order:1") == owner
        with pytest.raises(LeaseBusy, match=f"lease 'order:1' is held by '{owner}'; waited 0 s"):
            async with leases.lock("order:1", wait=0):
                pass
    assert await leases.holder("order:1") is None
