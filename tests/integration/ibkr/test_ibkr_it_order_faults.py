"""Order faults: id rollback, stuck PendingSubmit, reject + replacement, partial combo fills,
pacing errors, broken quotes, and a crash between submit and commit — zero duplicate orders
and zero lost fills in every case."""

from __future__ import annotations

import pytest
from ibkr_helpers import call, put, put_spread, single

from dorado_tui.domain.orders import Action, OrderStatus
from dorado_tui.venues.ibkr.adapter import IBKRAdapter
from dorado_tui.venues.ibkr.connection import LinkState
from dorado_tui.venues.ibkr.gateway_sim.faults import PacingTarget, QuoteFault, ReplyKind

SETTLE = 5.0


def assert_no_duplicates(gateway) -> None:
    refs = [o.order_ref for o in gateway.orders.orders.values()]
    assert len(refs) == len(set(refs)), f"an order exists twice at the gateway: {sorted(refs)}"


def leg_totals(result) -> dict[int, float]:
    totals: dict[int, float] = {}
    for f in result.fills:
        totals[f.leg_index] = totals.get(f.leg_index, 0.0) + f.quantity
    return totals


async def done(adapter, coid: str, legs: int = 2):
    return await adapter.wait_for_order(
        coid, lambda r: r.status is OrderStatus.FILLED and len(r.fills) >= legs, SETTLE)


async def reconnect_after(adapter, gateway, between=None) -> None:
    await gateway.go_down()
    await adapter.link.wait_state(lambda s: s is not LinkState.READY, SETTLE)
    if between is not None:
        await between()
    await gateway.come_back()
    assert await adapter.link.wait_ready(SETTLE)


async def test_order_id_rollback_after_restart_adopts_by_order_ref_and_never_reuses_ids(adapter, gateway):
    await adapter.place_order(put_spread("rb-1"))
    first = await done(adapter, "rb-1")
    used = gateway.orders_with_ref("rb-1")[0].order_id
    await gateway.go_down()
    gateway.restart(rollback_order_ids_to=1)  # the restarted gateway announces nextValidId 1
    await gateway.come_back()
    assert await adapter.link.wait_ready(SETTLE)
    again = await adapter.place_order(put_spread("rb-1"))  # e.g. the engine retrying the intent
    assert again.status is OrderStatus.FILLED and again.venue_order_id == first.venue_order_id
    await adapter.place_order(put_spread("rb-2"))
    await done(adapter, "rb-2")
    (new,) = gateway.orders_with_ref("rb-2")
    assert new.order_id > used
    assert len(gateway.placements("rb-1")) == 1 and len(gateway.placements("rb-2")) == 1
    assert_no_duplicates(gateway)


async def test_rollback_onto_an_id_only_the_gateway_remembers_is_refused_then_resent_higher(
        make_adapter, gateway):
    first = make_adapter()
    await first.connect()
    gateway.hold_orders()
    await first.place_order(put_spread("old-1"))
    await first.cancel_order("old-1")  # no fill: its id appears in no execution
    await first.disconnect()
    gateway.hold_orders(False)
    gateway.restart(rollback_order_ids_to=1)
    second = make_adapter()  # a fresh process: it never saw old-1's id
    await second.connect()
    try:
        await second.place_order(put_spread("new-1"))
        await done(second, "new-1")
    finally:
        await second.disconnect()
    (old,) = gateway.orders_with_ref("old-1")
    (new,) = gateway.orders_with_ref("new-1")
    assert new.order_id > old.order_id and old.status == "Cancelled"
    assert len(gateway.placements("new-1")) >= 2  # one refused as duplicate id, then accepted
    assert_no_duplicates(gateway)


async def test_order_stuck_in_pending_submit_is_resolved_by_querying_not_resending(adapter, gateway):
    gateway.drop_next_reply(ReplyKind.ORDER_ACK)
    gateway.hold_orders()
    res = await adapter.place_order(put_spread("ps-1"))
    assert res.status is OrderStatus.PENDING_SUBMIT
    assert "no acknowledgement" in res.reason
    again = await adapter.place_order(put_spread("ps-1"))
    assert again.status is OrderStatus.PENDING_SUBMIT
    found = await adapter.get_order("ps-1")
    assert found.status is OrderStatus.SUBMITTED and found.venue_order_id
    assert len(gateway.placements("ps-1")) == 1
    assert_no_duplicates(gateway)


async def test_reject_then_exactly_one_replacement(adapter, gateway):
    gateway.reject_next_order("Order rejected - reason:Simulated exchange reject")
    res = await adapter.place_order(put_spread("rj-1"))
    assert res.status is OrderStatus.REJECTED
    assert res.reason.startswith("201:") and "Simulated exchange reject" in res.reason
    same = await adapter.place_order(put_spread("rj-1"))
    assert same.status is OrderStatus.REJECTED
    await adapter.place_order(put_spread("rj-1-r1"))
    await done(adapter, "rj-1-r1")
    assert [r.order_ref for r in gateway.placements()] == ["rj-1", "rj-1-r1"]
    assert_no_duplicates(gateway)


async def test_margin_reject_carries_ibs_reason(adapter, gateway):
    res = await adapter.place_order(single("big-1", put(560), Action.SELL, 50, limit=0.05))
    assert res.status is OrderStatus.REJECTED
    assert "MUST EXCEED THE INITIAL MARGIN" in res.reason


async def test_partial_combo_fill_is_reconciled_per_leg_across_a_disconnect(adapter, gateway):
    gateway.partial_fill_next(1)
    await adapter.place_order(put_spread("pf-1", quantity=3))
    part = await adapter.wait_for_order("pf-1", lambda r: r.status is OrderStatus.PARTIALLY_FILLED
                                        and len(r.fills) == 2, SETTLE)
    assert part.filled_quantity == 1 and leg_totals(part) == {0: 1.0, 1: 1.0}

    async def fill_rest_while_away() -> None:
        assert await gateway.release_partials() == 1

    await reconnect_after(adapter, gateway, fill_rest_while_away)
    final = await adapter.get_order("pf-1")
    assert final.status is OrderStatus.FILLED and final.filled_quantity == 3
    assert leg_totals(final) == {0: 3.0, 1: 3.0}
    exec_ids = [f.exec_id for f in final.fills]
    assert len(exec_ids) == len(set(exec_ids)) == 4
    journal = {r.view.exec_id for r in gateway.orders.journal if r.view.contract.sec_type != "BAG"}
    assert set(exec_ids) == journal  # every leg execution the gateway made, none invented
    assert_no_duplicates(gateway)


async def test_pacing_errors_are_retried_and_the_gateway_never_sees_over_50_per_second(adapter, gateway):
    gateway.pacing_violation(PacingTarget.MARKET_DATA, 2)
    quotes = await adapter.get_option_quotes([put(550), put(545), call(570), call(575)])
    assert len(quotes) == 4 and all(q.has_greeks for q in quotes)
    assert adapter.market.pacing_errors == 2
    chain = await adapter.get_chain("QQQ", (await adapter.get_expirations("QQQ"))[1])
    assert len(chain.contracts) == 8
    assert gateway.pacing_violations == 0


async def test_a_burst_above_50_messages_stays_under_ibs_rate_limit(make_adapter, gateway):
    ad = make_adapter(chain_max_strikes=12)
    await ad.connect()
    try:
        chain = await ad.get_chain("IWM", (await ad.get_expirations("IWM"))[2])
    finally:
        await ad.disconnect()
    assert len(chain.contracts) == 24  # ≈ 75 messages: more than one second's allowance
    assert gateway.pacing_violations == 0


async def test_nan_quote_denies_the_order_without_sending(adapter, gateway, book):
    spec = book.spec_by_local_symbol("SPY   250328P00545000")
    gateway.break_quotes(spec.con_id, QuoteFault.NAN)
    res = await adapter.place_order(put_spread("q-1"))
    assert res.status is OrderStatus.REJECTED
    assert res.reason == f"QUOTE_GUARD: {put(545).symbol.strip()}: no two-sided quote"
    assert gateway.placements() == []
    (quote,) = await adapter.get_option_quotes([put(545)])
    assert quote.delta is None and quote.implied_vol is None and quote.spread_quality == float("inf")


@pytest.mark.parametrize(("fault", "words"), [(QuoteFault.STALE, "frozen market data"),
                                              (QuoteFault.DELAYED, "delayed market data")])
async def test_stale_quote_denies_the_order(adapter, gateway, book, fault, words):
    spec = book.spec_by_local_symbol("SPY   250328P00550000")
    gateway.break_quotes(spec.con_id, fault)
    res = await adapter.place_order(put_spread("st-1"))
    assert res.status is OrderStatus.REJECTED and words in res.reason
    assert gateway.placements() == []


@pytest.mark.parametrize("resting", [True, False], ids=["working", "filled"])
async def test_crash_between_submit_and_commit_then_restart_adopts_by_order_ref(
        make_adapter, gateway, resting):
    gateway.hold_orders(resting)
    crashed = make_adapter()
    await crashed.connect()
    await crashed.place_order(put_spread("cr-1", quantity=2))
    _crash(crashed)  # the process dies before the store records the acknowledgement
    await gateway.wait_until(lambda: gateway.connected_client_ids() == [], SETTLE)

    restarted = make_adapter()  # same clientId, fresh memory
    await restarted.connect()
    try:
        res = await restarted.place_order(put_spread("cr-1", quantity=2))  # the engine retries the intent
        expected = OrderStatus.SUBMITTED if resting else OrderStatus.FILLED
        assert res.status is expected
        if not resting:
            assert leg_totals(res) == {0: 2.0, 1: 2.0}
        assert len(gateway.placements("cr-1")) == 1
        assert_no_duplicates(gateway)
    finally:
        await restarted.disconnect()


def _crash(adapter: IBKRAdapter) -> None:
    """Kill the client without a goodbye: stop its tasks, abort its socket."""
    adapter.link.state = LinkState.STOPPED
    for task in (adapter.link._reconnect_task, adapter.link._watchdog):
        if task is not None:
            task.cancel()
    transport = adapter.ib.client.conn.transport
    assert transport is not None
    transport.abort()
