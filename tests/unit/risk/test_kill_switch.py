"""The kill switch against the simulation venue: a kill during a burst leaves nothing working and
HALTED in the store within a second, seen by a second process; flatten closes every position."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import Instrument, Right, SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.kill_switch import KillSwitch, marketable_price
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.trading_state import GLOBAL
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import risk as risk_repo
from dorado_tui.venues.simulation.venue import SimulationVenue

OPEN = datetime(2015, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York, a Monday
SPY = Instrument("SPY", SecType.STOCK, "SPY")

WATCHER = """
import asyncio, sys, time
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.risk_service import TradingStateWatcher
from dorado_tui.store.database import Database

async def main(url):
    db = Database(url)
    watcher = TradingStateWatcher(db, poll_seconds=0.05)
    await watcher.start()
    print("ready", flush=True)
    seen = await watcher.wait_for(lambda b: b.state_of("global") is TradingState.HALTED, within=20)
    print("halted" if seen else "timeout", repr(time.time()), flush=True)
    await watcher.stop()
    await db.dispose()

asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
def sim_clock() -> FixedClock:
    return FixedClock(OPEN)


@pytest.fixture(scope="module")
def market() -> SimulatedMarket:
    return SimulatedMarket(MarketSpec.default())


@pytest.fixture
async def venue(market: SimulatedMarket, sim_clock: FixedClock) -> AsyncIterator[SimulationVenue]:
    v = SimulationVenue(market, sim_clock)
    await v.connect()
    yield v
    await v.disconnect()


def _buy(coid: str, price: float, qty: float = 1.0) -> Order:
    return Order(coid, (OrderLeg(SPY, Action.BUY, 1),), qty, OrderType.LIMIT, round(price, 2), bot_id="bot-1")


async def _risk(db: Database, clock: FixedClock) -> RiskService:
    service = RiskService(db, RiskPolicy(), clock)
    await service.start()
    return service


async def test_kill_during_a_burst_leaves_nothing_working_and_halted_within_a_second(
        db: Database, venue: SimulationVenue, sim_clock: FixedClock) -> None:
    risk = await _risk(db, sim_clock)
    resting = (await venue.get_quotes(["SPY"]))[0].bid * 0.9
    for i in range(5):  # orders at the venue the store never heard of
        await venue.place_order(_buy(f"foreign-{i}", resting))
    halfway = asyncio.Event()

    async def burst() -> int:
        admitted = 0
        for i in range(40):
            order = _buy(f"burst-{i}", resting)
            async with db.transaction() as tx:
                admission = await risk.admit_order(tx, order, {})
            if admission.admitted:
                admitted += 1
                await risk.submit_admitted(venue, order)
            if i == 10:
                halfway.set()
        return admitted

    task = asyncio.create_task(burst())
    await halfway.wait()
    started = time.perf_counter()
    outcome = await KillSwitch(risk, venue, sim_clock).kill(reason="test kill", operator="alice")
    elapsed = time.perf_counter() - started
    admitted = await task

    assert await venue.get_open_orders() == []
    assert elapsed <= 1.0, f"kill took {elapsed:.3f} s"
    async with db.read() as s:
        state = await risk_repo.get_trading_state(s, GLOBAL)
        refused = [e for e in await risk_repo.risk_events(s, kind="order_gate") if not e.decision.passed]
    assert (state.state, state.latched) == (TradingState.HALTED, True)
    assert 11 <= admitted < 40 and len(refused) == 40 - admitted
    assert {f"foreign-{i}" for i in range(5)} <= {c.client_order_id for c in outcome.cancelled if c.cancelled}
    assert outcome.still_working == ()


async def test_a_second_process_sees_the_halt_within_a_second(
        db: Database, venue: SimulationVenue, sim_clock: FixedClock) -> None:
    risk = await _risk(db, sim_clock)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", WATCHER, db.url.render_as_string(False),
                                                stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    try:
        ready = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert ready.strip() == b"ready"
        called = time.time()
        await KillSwitch(risk, venue, sim_clock).kill()
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().split()
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
    assert line[0] == "halted"
    assert float(line[1]) - called <= 1.0


async def test_flatten_buys_back_shorts_first_and_leaves_no_position(
        db: Database, venue: SimulationVenue, sim_clock: FixedClock) -> None:
    risk = await _risk(db, sim_clock)
    q = (await venue.get_quotes(["SPY"]))[0]
    await venue.place_order(_buy("stock", q.ask * 1.01, 100))
    expiry = (await venue.get_expirations("SPY"))[2]
    chain = await venue.get_chain("SPY", expiry)
    put = min((c for c in chain.contracts if c.right is Right.PUT), key=lambda c: abs(c.strike - q.mid * 0.95))
    sell = Order("short-put", (OrderLeg(put.instrument, Action.SELL, 1),), 1, OrderType.MARKET)
    assert (await venue.place_order(sell)).status.value == "filled"

    outcome = await KillSwitch(risk, venue, sim_clock).kill(flatten=True, operator="alice")

    assert [p for p in await venue.get_positions() if abs(p.quantity) > 0] == []
    first = outcome.flatten_orders[0]
    assert first.client_order_id.endswith("-0") and first.fills[0].action is Action.BUY
    assert outcome.not_flattened == ()
    async with db.read() as s:
        intents = [i for i in await order_repo.list_intents(s) if i.order.tag == "kill_switch"]
        kills = [e for e in await audit.tail(s, 20) if e.action == "risk.kill"]
    assert len(intents) == 2 and all(not i.order.opening for i in intents)
    assert kills and kills[-1].payload["flatten_orders"]


async def test_resume_after_a_kill_lets_orders_through_again(
        db: Database, venue: SimulationVenue, sim_clock: FixedClock) -> None:
    risk = await _risk(db, sim_clock)
    switch = KillSwitch(risk, venue, sim_clock)
    await switch.kill()
    record = await switch.resume("incident reviewed", "alice")
    assert record.previous is TradingState.HALTED
    async with db.transaction() as tx:
        admission = await risk.admit_order(tx, _buy("after", 1.0), {})
    assert admission.admitted


@pytest.mark.parametrize(
    ("action", "bid", "ask", "tick", "expected"),
    [(Action.BUY, 1.20, 1.23, 0.05, 1.35), (Action.SELL, 1.20, 1.23, 0.05, 1.10),
     (Action.SELL, 0.00, 0.05, 0.05, 0.05), (Action.BUY, 204.51, 204.53, 0.01, 204.55)],
)
def test_marketable_price_crosses_the_spread_on_the_tick_grid(action: Action, bid: float, ask: float,
                                                              tick: float, expected: float) -> None:
    assert marketable_price(action, bid, ask, tick) == pytest.approx(expected)


def test_no_usable_quote_means_no_price() -> None:
    assert marketable_price(Action.SELL, float("nan"), 1.0, 0.01) is None
    assert marketable_price(Action.BUY, 1.1, 1.0, 0.01) is None
