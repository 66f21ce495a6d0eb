"""The reconciler as the IBKR adapter's (re)connect hook, against the gateway simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import ExerciseStyle, Right, option_instrument
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.reconcile.model import Kind
from dorado_tui.engine.reconcile.service import Reconciler, ReconcileSettings
from dorado_tui.engine.reconcile.startup import install_hook
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.engine.runtime import Runtime
from dorado_tui.risk.trading_state import GLOBAL
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.venues.ibkr.adapter import IBKRAdapter
from dorado_tui.venues.ibkr.config import IBKRConfig
from dorado_tui.venues.ibkr.connection import LinkState
from dorado_tui.venues.ibkr.gateway_sim.memory_book import MemoryBook
from dorado_tui.venues.ibkr.gateway_sim.server import GatewaySimulator

START = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)  # a Friday, 11:00 New York
SETTLE = 5.0


def _spread(coid: str) -> Order:
    put = [option_instrument("SPY", date(2025, 3, 28), Right.PUT, k, ExerciseStyle.AMERICAN) for k in (550.0, 545.0)]
    return Order(coid, (OrderLeg(put[0], Action.SELL), OrderLeg(put[1], Action.BUY)), 1, OrderType.LIMIT, 0.0)


def _config(port: int, client_id: int) -> IBKRConfig:
    return IBKRConfig(port=port, client_id=client_id, connect_timeout_s=3.0, request_timeout_s=3.0,
                      order_ack_timeout_s=1.0, reconnect_initial_s=0.01, reconnect_max_s=0.05, quote_wait_s=1.5,
                      chain_max_strikes=4, heartbeat_interval_s=600.0, pacing_backoff_s=0.01)


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[GatewaySimulator, FixedClock]]:
    clock = FixedClock(START)
    async with GatewaySimulator(MemoryBook(clock), clock) as gw:
        yield gw, clock


async def _wired(rt: Runtime, gw: GatewaySimulator, clock: FixedClock) -> tuple[IBKRAdapter, Reconciler]:
    adapter = IBKRAdapter(_config(gw.port, 11), clock)
    risk = RiskService(rt.db, rt.config.risk_policy, clock, rt.bus)
    rec = Reconciler(rt.db, risk, clock, bus=rt.bus, leases=rt.leases, settings=ReconcileSettings(confirm_delay=-1))
    await rt.venue.disconnect()  # the fixture's simulation venue steps aside for IB
    rt.venue = adapter
    assert install_hook(rt, rec)
    await adapter.connect()
    return adapter, rec


async def _state(rt: Runtime) -> TradingState:
    return (await RiskService(rt.db, rt.config.risk_policy, rt.clock, rt.bus).book()).state_of(GLOBAL)


async def test_connect_is_reconciled_before_trading(rt: Runtime, gateway: Any) -> None:
    gw, clock = gateway
    adapter, rec = await _wired(rt, gw, clock)
    try:
        assert adapter.link.trading_allowed
        assert rec.last["trading"].reason == "connect" and rec.last["trading"].clean
    finally:
        await adapter.disconnect()


async def test_order_placed_elsewhere_halts_on_reconnect_and_missing_fills_are_ingested(rt: Runtime,
                                                                                      gateway: Any) -> None:
    gw, clock = gateway
    adapter, rec = await _wired(rt, gw, clock)
    other = IBKRAdapter(_config(gw.port, 12), clock)  # TWS or another program on the same account
    try:
        async with rt.db.transaction() as tx:  # Dorado's own order: intent recorded, fills never stored
            await order_repo.record_intent(tx, _spread("dor-ib-1"), at=clock.now())
        await adapter.place_order(_spread("dor-ib-1"))
        await other.connect()
        await other.place_order(_spread("TWS-7"))

        gw.drop_connections(client_id=11)
        await adapter.link.wait_state(lambda s: s is not LinkState.READY, SETTLE)
        assert await adapter.link.wait_ready(SETTLE)

        result = rec.last["trading"]
        assert result.reason == "reconnect"
        assert any(f.kind is Kind.UNKNOWN_ORDER and f.subject == "TWS-7" for f in result.blocking)
        assert await _state(rt) is TradingState.HALTED
        async with rt.db.read() as s:
            own = await order_repo.fills(s, "dor-ib-1")
        assert sorted(f.leg_index for f in own) == [0, 1]  # the missing executions, ingested by exec id
        assert adapter.link.trading_allowed  # the HALT itself stops new orders; cancels still work
    finally:
        await other.disconnect()
        await adapter.disconnect()
