"""Connection faults: nightly reset, double disconnect, 326, outages — with the resync gate.

Every test ends by checking that no order reached the gateway twice and no fill went missing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ibkr_helpers import put, put_spread

from dorado_tui.domain.orders import OrderStatus
from dorado_tui.domain.states import TradingState
from dorado_tui.venues.ibkr.adapter import TradingPaused
from dorado_tui.venues.ibkr.connection import LinkState
from dorado_tui.venues.ibkr.gateway_sim.requests import MarketDataRequest, StartApi

SETTLE = 5.0


def start_apis(gateway) -> int:
    return sum(isinstance(r, StartApi) for _, r in gateway.requests)


def assert_no_duplicates(gateway) -> None:
    refs = [r.order_ref for r in gateway.placements()]
    assert len(refs) == len(set(refs)), f"an order reached the gateway twice: {refs}"


async def lost(adapter) -> None:
    """Wait until the adapter has seen the connection go (the outage clock starts then)."""
    await adapter.link.wait_state(lambda s: s is not LinkState.READY, SETTLE)


async def filled(adapter, coid: str, legs: int = 2):
    return await adapter.wait_for_order(
        coid, lambda r: r.status is OrderStatus.FILLED and len(r.fills) == legs, SETTLE)


async def test_nightly_reset_1100_pauses_orders_and_1102_resumes(adapter, gateway):
    gateway.system_message(1100)
    await adapter.link.wait_state(lambda s: s is LinkState.DEGRADED, SETTLE)
    with pytest.raises(TradingPaused, match="degraded"):
        await adapter.place_order(put_spread("n-1"))
    assert gateway.placements() == []
    gateway.system_message(1102)
    await adapter.link.wait_state(lambda s: s is LinkState.READY, SETTLE)
    await adapter.place_order(put_spread("n-1"))
    await filled(adapter, "n-1")
    assert_no_duplicates(gateway)


async def test_nightly_reset_1100_then_1101_resubscribes_and_resyncs_before_trading(adapter, gateway):
    contract = (await adapter.contracts.qualify([put(550)]))[0]
    await adapter.market.subscribe(contract, "101")
    await gateway.wait_until(lambda: any(contract.conId in s.subs.market_data.values()
                                         for s in gateway.sessions))
    syncs = adapter.resync.count
    gateway.system_message(1100)
    gateway.system_message(1101)
    await adapter.link.wait_state(lambda s: s is not LinkState.READY, SETTLE)
    assert await adapter.link.wait_ready(SETTLE)
    assert adapter.resync.count == syncs + 1  # pulled and reconciled before READY
    assert adapter.resync.last.reason == "data-lost"
    await gateway.wait_until(lambda: any(contract.conId in s.subs.market_data.values()
                                         for s in gateway.sessions), SETTLE)
    requests = [r for _, r in gateway.requests if isinstance(r, MarketDataRequest)
                and r.contract.con_id == contract.conId]
    assert len(requests) == 2  # the original stream and its resubscription


async def test_double_disconnect_event_starts_one_reconnect(adapter, gateway):
    before = start_apis(gateway)
    gateway.drop_connections()
    await adapter.link.wait_state(lambda s: s is not LinkState.READY, SETTLE)
    adapter.ib.disconnectedEvent.emit()  # the event firing a second and a third time
    adapter.ib.disconnectedEvent.emit()
    assert await adapter.link.wait_ready(SETTLE)
    assert adapter.link.reconnects == 1
    assert start_apis(gateway) == before + 1
    assert gateway.connected_client_ids() == [11]


async def test_client_id_in_use_on_reconnect_is_retried_with_backoff(adapter, gateway):
    gateway.refuse_client_ids(2)
    gateway.drop_connections()
    await adapter.link.wait_state(lambda s: s is not LinkState.READY, SETTLE)
    assert await adapter.link.wait_ready(SETTLE)
    assert adapter.link.reconnects == 1
    # the 326 refusals forced at least the clientId backoff (0.02 s ± jitter) twice
    assert len([d for d in adapter.link.delays if d >= 0.02 * 0.75]) >= 2
    await adapter.place_order(put_spread("r-1"))
    await filled(adapter, "r-1")
    assert_no_duplicates(gateway)


async def test_client_id_in_use_at_first_connect_fails_after_bounded_retries(make_adapter, gateway):
    gateway.refuse_client_ids(10)
    ad = make_adapter(connect_retries_326=2)
    from dorado_tui.venues.ibkr.connection import ClientIdInUse

    with pytest.raises(ClientIdInUse, match="clientId 11 is already in use"):
        await ad.connect()
    assert gateway.faults.refuse_client_ids == 7  # one attempt + two retries


async def test_fills_and_cancels_while_disconnected_are_recovered(adapter, gateway):
    gateway.hold_orders()
    await adapter.place_order(put_spread("w-fill", quantity=2))
    await adapter.place_order(put_spread("w-cancel"))
    perm_cancel = gateway.orders_with_ref("w-cancel")[0].perm_id
    await gateway.go_down()
    await adapter.link.wait_state(lambda s: s in (LinkState.DISCONNECTED, LinkState.CONNECTING), SETTLE)
    gateway.hold_orders(False)
    gateway.cancel_by_gateway(perm_cancel)
    assert await gateway.step() == 1  # w-fill trades while Dorado is away
    await gateway.come_back()
    assert await adapter.link.wait_ready(SETTLE)
    res = await filled(adapter, "w-fill")
    assert res.filled_quantity == 2 and sorted(f.quantity for f in res.fills) == [2, 2]
    gone = await adapter.get_order("w-cancel")
    assert gone.status is OrderStatus.CANCELLED
    snapshot = adapter.resync.last
    assert {f.exec_id for f in snapshot.executions} == {f.exec_id for f in res.fills}
    assert_no_duplicates(gateway)


async def test_outage_escalates_to_reducing_then_halted_with_one_alert_each(adapter, gateway, clock):
    alerts = []
    adapter.set_alert_sink(alerts.append)
    await gateway.go_down()
    await lost(adapter)
    clock.advance(timedelta(seconds=60))
    assert await adapter.link.evaluate_outage() is TradingState.ACTIVE
    clock.advance(timedelta(seconds=70))
    assert await adapter.link.evaluate_outage() is TradingState.REDUCING
    assert await adapter.link.evaluate_outage() is TradingState.REDUCING
    clock.advance(timedelta(seconds=800))
    assert await adapter.link.evaluate_outage() is TradingState.HALTED
    assert [a.recommendation for a in alerts] == [TradingState.REDUCING, TradingState.HALTED]
    assert alerts[0].venue == "ibkr" and alerts[1].outage_s == pytest.approx(930.0)
    await gateway.come_back()
    assert await adapter.link.wait_ready(SETTLE)
    assert adapter.link.outage_s() == 0.0


async def test_nightly_restart_window_is_quiet(make_adapter, gateway, clock):
    clock.set(datetime(2025, 3, 15, 3, 50, tzinfo=UTC))  # 23:50 New York, inside 23:45–00:00
    ad = make_adapter()
    await ad.connect()
    alerts = []
    ad.set_alert_sink(alerts.append)
    try:
        await gateway.go_down()
        await lost(ad)
        assert ad.status().detail.endswith("(nightly restart window)")
        clock.advance(timedelta(minutes=9))  # 23:59: still inside the window
        assert await ad.link.evaluate_outage() is TradingState.ACTIVE
        clock.advance(timedelta(minutes=1, seconds=125))  # 2 min past the window's end
        assert await ad.link.evaluate_outage() is TradingState.REDUCING
        assert len(alerts) == 1 and alerts[0].outage_s == pytest.approx(125.0)
    finally:
        await gateway.come_back()
        await ad.disconnect()


async def test_reconciliation_hook_gates_trading_after_reconnect(adapter, gateway):
    seen = []
    decision = {"ok": False}

    async def reconcile(snapshot) -> bool:
        seen.append(snapshot)
        return decision["ok"]

    adapter.set_reconciler(reconcile)
    alerts = []
    adapter.set_alert_sink(alerts.append)
    gateway.drop_connections()
    await adapter.link.wait_state(lambda s: s is LinkState.PAUSED, SETTLE)
    assert seen[-1].reason == "reconnect"
    with pytest.raises(TradingPaused, match="paused"):
        await adapter.place_order(put_spread("g-1"))
    assert alerts[-1].recommendation is TradingState.REDUCING
    decision["ok"] = True
    assert await adapter.resync_now() is True  # the operator fixed it: a manual resync resumes
    assert seen[-1].reason == "manual" and adapter.link.trading_allowed
    assert len(seen) == 2


async def test_silent_gateway_is_probed_then_dropped_and_reconnected(make_adapter, gateway, clock):
    ad = make_adapter(heartbeat_interval_s=0.05)
    await ad.connect()
    try:
        before = start_apis(gateway)
        gateway.delay_replies(0.5)  # the socket stays open but answers nothing in time
        clock.advance(timedelta(seconds=1))  # idle longer than the heartbeat interval
        await ad.link.wait_state(lambda s: s is not LinkState.READY, SETTLE)
        gateway.delay_replies(0.0)
        assert await ad.link.wait_ready(SETTLE)
        assert ad.link.reconnects >= 1 and start_apis(gateway) > before
    finally:
        await ad.disconnect()
