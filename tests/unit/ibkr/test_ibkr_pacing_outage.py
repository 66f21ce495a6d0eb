"""Pacing (IB's 50 msg/s and historical rules) and outage accounting, on a fake clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dorado_tui.domain.states import TradingState
from dorado_tui.venues.ibkr.config import IBKRConfig
from dorado_tui.venues.ibkr.outage import RestartWindow, outage_seconds, recommendation
from dorado_tui.venues.ibkr.pacing import HistoricalPacer, TokenBucket


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)  # let other waiters run, as a real sleep would


def max_in_window(stamps: list[float], width: float = 1.0) -> int:
    best, lo = 0, 0
    for hi, t in enumerate(stamps):
        while t - stamps[lo] >= width - 1e-12:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=0.2), min_size=50, max_size=400))
def test_default_bucket_never_lets_more_than_50_messages_into_any_second(gaps):
    clock = FakeTime()
    cfg = IBKRConfig()
    bucket = TokenBucket(cfg.messages_per_second, cfg.message_burst, clock.now, clock.sleep)
    stamps: list[float] = []

    async def run() -> None:
        for gap in gaps:
            clock.t += gap
            await bucket.acquire()
            stamps.append(clock.t)

    asyncio.run(run())
    assert max_in_window(stamps) <= 50


def test_bucket_sustains_its_rate_after_the_burst():
    clock = FakeTime()
    bucket = TokenBucket(40, 10, clock.now, clock.sleep)

    async def run() -> None:
        for _ in range(410):
            await bucket.acquire()

    asyncio.run(run())
    assert clock.t == pytest.approx(10.0, rel=1e-6)  # 10 free, then 400 at 40/s
    assert bucket.budget() == pytest.approx(50 - 40, abs=1)


def test_priority_callers_go_before_waiting_ones():
    clock = FakeTime()
    order: list[str] = []
    bucket = TokenBucket(10, 1, clock.now, clock.sleep)

    async def take(name: str, priority: bool) -> None:
        await bucket.acquire(priority=priority)
        order.append(name)

    async def run() -> None:
        await bucket.acquire()  # empty the bucket
        await asyncio.gather(take("data", False), take("order", True))

    asyncio.run(run())
    assert order == ["order", "data"]


def test_bucket_rejects_nonsense_limits():
    with pytest.raises(ValueError, match="rate > 0 and capacity >= 1"):
        TokenBucket(0, 1)


def test_historical_pacer_spaces_identical_requests_by_15_seconds():
    clock = FakeTime()
    pacer = HistoricalPacer(now=clock.now, sleep=clock.sleep)

    async def run() -> None:
        await pacer.acquire(("SPY", "1 day", "30 D"), "SPY")
        await pacer.acquire(("SPY", "1 day", "30 D"), "SPY")

    asyncio.run(run())
    assert clock.t == pytest.approx(15.0)


def test_historical_pacer_caps_six_per_contract_in_two_seconds_and_sixty_per_ten_minutes():
    clock = FakeTime()
    pacer = HistoricalPacer(now=clock.now, sleep=clock.sleep)
    stamps: list[float] = []

    async def run() -> None:
        for i in range(61):
            await pacer.acquire(("SPY", i), "SPY")
            stamps.append(clock.t)

    asyncio.run(run())
    assert max_in_window(stamps, 2.0) <= 6
    assert stamps[60] >= 600.0  # the 61st waits for the first to leave the 10-minute window
    assert max_in_window(stamps, 600.0) <= 60


WINDOW = RestartWindow(time(23, 45), 15, "America/New_York")
NY_2350 = datetime(2025, 3, 15, 3, 50, tzinfo=UTC)  # 23:50 EDT on 2025-03-14


def test_restart_window_contains_and_overlap():
    assert WINDOW.contains(NY_2350)
    assert not WINDOW.contains(NY_2350 + timedelta(minutes=11))
    assert WINDOW.overlap(NY_2350 - timedelta(minutes=10), NY_2350 + timedelta(minutes=30)) == 15 * 60


def test_outage_excludes_the_restart_window_and_spans_midnight():
    since = NY_2350 - timedelta(minutes=10)  # 23:40, five minutes before the window
    now = NY_2350 + timedelta(minutes=20)  # 00:10, ten minutes after it
    assert outage_seconds(since, now, WINDOW) == (30 - 15) * 60


def test_outage_across_a_dst_change_counts_real_seconds():
    # 2025-03-09 02:00 New York clocks jump to 03:00; the window (23:45 on the 8th) is before it
    since = datetime(2025, 3, 9, 6, 0, tzinfo=UTC)  # 01:00 EST
    now = datetime(2025, 3, 9, 8, 0, tzinfo=UTC)  # 04:00 EDT: two real hours later
    assert outage_seconds(since, now, WINDOW) == 7200


@pytest.mark.parametrize(("seconds", "state"), [
    (0, TradingState.ACTIVE), (119.9, TradingState.ACTIVE), (120, TradingState.REDUCING),
    (899, TradingState.REDUCING), (900, TradingState.HALTED)])
def test_recommendation_thresholds(seconds, state):
    assert recommendation(seconds, 120, 900) is state


def test_config_validates_ranges_and_relations():
    with pytest.raises(ValidationError, match="outage_halt_after_s must exceed outage_reducing_after_s"):
        IBKRConfig(outage_reducing_after_s=600, outage_halt_after_s=300)
    with pytest.raises(ValidationError, match="less than or equal to 50"):
        IBKRConfig(messages_per_second=60)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        IBKRConfig(clientid=3)


def test_wire_meter_paces_every_message_and_sends_orders_first():
    from dorado_tui.venues.ibkr.pacing import WireMeter

    clock = FakeTime()
    bucket = TokenBucket(40, 5, clock.now, clock.sleep)
    written: list[tuple[float, str]] = []
    meter = WireMeter(bucket, lambda m: written.append((clock.t, m)), lambda: True)

    async def run() -> None:
        for i in range(8):
            meter.send(f"49\0{i}\0")  # reqCurrentTime: 5 go at once, 3 wait
        meter.send("3\0order\0")  # placeOrder jumps the queue of waiting data
        assert [m for _, m in written] == [f"49\0{i}\0" for i in range(5)]
        assert meter.queued == 4 and meter.held == 4
        while meter.queued:
            clock.t += 0.025  # one token per 25 ms at 40/s
            meter._drain()
        await asyncio.sleep(0)

    asyncio.run(run())
    assert [m for _, m in written][5:] == ["3\0order\0", "49\x005\0", "49\x006\0", "49\x007\0"]
    assert [t for t, _ in written][5:] == pytest.approx([0.025, 0.05, 0.075, 0.1])
    assert meter.sent == 9


def test_wire_meter_drops_its_queue_when_the_connection_goes():
    from dorado_tui.venues.ibkr.pacing import WireMeter

    clock = FakeTime()
    up = [True]
    written: list[str] = []
    meter = WireMeter(TokenBucket(10, 1, clock.now, clock.sleep), written.append, lambda: up[0])

    async def run() -> None:
        meter.send("1\0a\0")
        meter.send("1\0b\0")
        up[0] = False
        clock.t += 1.0
        meter._drain()

    asyncio.run(run())
    assert written == ["1\0a\0"] and meter.queued == 0 and meter.dropped == 1


def test_wire_meter_takes_over_ib_async_send_path():
    from ib_async import IB
    from ib_async.client import Client

    from dorado_tui.venues.ibkr.pacing import WireMeter

    client = Client(IB().wrapper)
    meter = WireMeter.install(client, TokenBucket(40, 5))
    assert client.MaxRequests == 0 and client.sendMsg == meter.send
