"""The Reconciler against a real store and simulation venue: ingest, trip, acknowledge, hooks."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from dorado_tui.domain.account import Position
from dorado_tui.domain.orders import Action, OrderResult
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.reconcile.model import Kind
from dorado_tui.engine.reconcile.service import Reconciler, ReconcileSettings
from dorado_tui.engine.risk_service import ALERT_CHANNEL, RiskService
from dorado_tui.engine.runtime import Runtime
from dorado_tui.risk.trading_state import GLOBAL
from dorado_tui.store.repos import audit
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos.orders import IntentStatus

from ._builders import SPY, spy_order

NO_WAIT = ReconcileSettings(confirm_delay=0.0)


async def _no_sleep(_: float) -> None:
    return None


def _reconciler(rt: Runtime, **kw: object) -> Reconciler:
    risk = RiskService(rt.db, rt.config.risk_policy, rt.clock, rt.bus)
    return Reconciler(rt.db, risk, rt.clock, bus=rt.bus, leases=rt.leases, settings=kw.pop("settings", NO_WAIT),
                      sleep=kw.pop("sleep", _no_sleep), **kw)  # type: ignore[arg-type]


async def _state(rt: Runtime) -> TradingState:
    risk = RiskService(rt.db, rt.config.risk_policy, rt.clock, rt.bus)
    return (await risk.book()).state_of(GLOBAL)


async def _trade_recorded(rt: Runtime, cid: str, qty: float, *, fills: bool = True, position: bool = True) -> None:
    """The lifecycle's half of a filled order: intent, venue answer (optionally its fills), and
    the managed position."""
    order = spy_order(cid, qty)
    now = rt.clock.now()
    async with rt.db.transaction() as tx:
        await order_repo.record_intent(tx, order, at=now)
    result = await rt.venue.place_order(order)
    async with rt.db.transaction() as tx:
        await order_repo.mark_intent(tx, cid, IntentStatus.RESOLVED, now)
        if fills:
            await order_repo.record_order_result(tx, result, now)
        if position:
            leg = Position(SPY, qty, result.avg_fill_price or 0.0)
            await position_repo.open_position(tx, position_repo.ManagedPosition(
                f"pos-{cid}", "spy-ic-01", "SPY", qty, result.avg_fill_price or 0.0, now, (leg,)))


async def test_clean_run_is_audited_and_leaves_trading_active(rt: Runtime) -> None:
    await _trade_recorded(rt, "dor-1", 10)
    rec = _reconciler(rt)

    result = await rec.run(rt.venue, reason="startup")

    assert result.clean and result.findings == ()
    assert await _state(rt) is TradingState.ACTIVE
    async with rt.db.read() as s:
        last = (await audit.tail(s, 1))[0]
    assert last.action == "reconcile.run" and last.payload["verdict"] == "ACTIVE"


async def test_missing_fills_are_ingested_once(rt: Runtime) -> None:
    await _trade_recorded(rt, "dor-2", 5, fills=False)
    rec = _reconciler(rt)

    first = await rec.run(rt.venue)
    second = await rec.run(rt.venue)

    assert first.clean and len(first.fills_to_ingest) == 1
    assert {f.kind for f in first.findings} == {Kind.MISSING_FILL, Kind.ORDER_UPDATE}
    async with rt.db.read() as s:
        stored = await order_repo.fills(s, "dor-2")
    assert [f.quantity for f in stored] == [5.0]
    assert second.findings == ()


async def test_unknown_working_order_halts_and_alerts_with_the_diff(rt: Runtime) -> None:
    far_below = 1.0  # a resting limit the market never reaches
    await rt.venue.place_order(spy_order("TWS-MANUAL-1", 1, Action.BUY, far_below))
    sub = await rt.bus.subscribe(ALERT_CHANNEL)
    rec = _reconciler(rt)

    result = await rec.run(rt.venue)

    assert result.verdict is TradingState.HALTED
    assert await _state(rt) is TradingState.HALTED
    alert = await sub.get(within=1.0)
    assert alert is not None and alert.payload["code"] == "RECONCILE_UNKNOWN_ORDER"
    assert "order TWS-MANUAL-1" in alert.payload["message"]
    assert alert.payload["severity"] == "EMERGENCY"


async def test_position_without_managed_position_reduces_and_resume_acknowledges_that_diff(rt: Runtime) -> None:
    await _trade_recorded(rt, "dor-3", 10, position=False)
    rec = _reconciler(rt)
    risk = RiskService(rt.db, rt.config.risk_policy, rt.clock, rt.bus)

    first = await rec.run(rt.venue)
    await risk.resume(GLOBAL, "checked: manual hedge kept on purpose", "tester")
    again = await rec.run(rt.venue)
    state_after_same_diff = await _state(rt)
    await _trade_recorded(rt, "dor-4", 3, position=False)
    worse = await rec.run(rt.venue)

    assert first.verdict is TradingState.REDUCING
    assert first.diff_lines() == ["✗ REDUCING position SPY: venue +10, store 0 (no managed position)"]
    assert again.digest == first.digest and state_after_same_diff is TradingState.ACTIVE
    assert worse.digest != first.digest and await _state(rt) is TradingState.REDUCING


async def test_intent_recovery_runs_before_the_comparison(rt: Runtime) -> None:
    order = spy_order("dor-5", 2)
    async with rt.db.transaction() as tx:
        await order_repo.record_intent(tx, order, at=rt.clock.now())
        await order_repo.mark_intent(tx, "dor-5", IntentStatus.SUBMITTED, rt.clock.now())
    calls: list[str] = []

    async def recover() -> None:  # the lifecycle's recovery: the intent never reached the venue
        calls.append("recover")
        async with rt.db.transaction() as tx:
            await order_repo.mark_intent(tx, "dor-5", IntentStatus.ABANDONED, rt.clock.now(), "never sent")

    result = await _reconciler(rt, recover=recover).run(rt.venue)

    assert calls == ["recover"]
    assert result.clean


async def test_unrecovered_submitted_intent_reduces(rt: Runtime) -> None:
    async with rt.db.transaction() as tx:
        await order_repo.record_intent(tx, spy_order("dor-6", 2), at=rt.clock.now())
        await order_repo.mark_intent(tx, "dor-6", IntentStatus.SUBMITTED, rt.clock.now())

    result = await _reconciler(rt).run(rt.venue)

    assert [f.kind for f in result.blocking] == [Kind.UNRESOLVED_INTENT]
    assert await _state(rt) is TradingState.REDUCING


async def test_discrepancy_gone_on_the_confirming_look_does_not_trip(rt: Runtime) -> None:
    await _trade_recorded(rt, "dor-7", 4, position=False)

    async def lifecycle_catches_up(_: float) -> None:  # the position commits between the two looks
        async with rt.db.transaction() as tx:
            await position_repo.open_position(tx, position_repo.ManagedPosition(
                "pos-dor-7", "spy-ic-01", "SPY", 4, 0.0, rt.clock.now(), (Position(SPY, 4, 0.0),)))

    result = await _reconciler(rt, sleep=lifecycle_catches_up).run(rt.venue)

    assert result.clean
    assert await _state(rt) is TradingState.ACTIVE


async def test_paper_twin_account_is_advisory(rt: Runtime) -> None:
    await rt.twin_venue.place_order(spy_order("TWIN-STRAY", 1))

    results = await _reconciler(rt).run_all(rt.venue, rt.twin_venue, reason="schedule")

    assert results[0].clean
    assert results[1].verdict is TradingState.HALTED
    assert await _state(rt) is TradingState.ACTIVE


async def test_venue_hook_reconciles_the_pull_and_refuses_when_it_cannot_run(rt: Runtime) -> None:
    stray = await rt.venue.place_order(spy_order("TWS-2", 1))
    pull = SimpleNamespace(reason="reconnect", time=rt.clock.now(), open_orders=(), completed_orders=(stray,),
                           executions=stray.fills, positions=tuple(await rt.venue.get_positions()), account=None)
    rec = _reconciler(rt)

    resumed = await rec.venue_hook()(pull)
    broken = await rec.venue_hook()(SimpleNamespace(reason="reconnect"))

    assert resumed is True and await _state(rt) is TradingState.HALTED
    assert rec.last["trading"].reason == "reconnect"
    assert broken is False


@pytest.mark.parametrize("reason", ["startup", "schedule"])
async def test_reason_is_carried_into_the_headline(rt: Runtime, reason: str) -> None:
    result = await _reconciler(rt).run(rt.venue, reason=reason)

    assert f"({reason})" in result.headline()


async def test_twin_account_executions_compare_under_their_namespaced_store_ids(rt: Runtime) -> None:
    order = spy_order("t0123456789ab.o1-1", 2)
    async with rt.db.transaction() as tx:
        await order_repo.record_intent(tx, order, at=rt.clock.now())
    result = await rt.twin_venue.place_order(order)
    namespaced = tuple(replace(f, exec_id="twin:" + f.exec_id) for f in result.fills)
    async with rt.db.transaction() as tx:
        await order_repo.mark_intent(tx, order.client_order_id, IntentStatus.RESOLVED, rt.clock.now())
        await order_repo.record_order_result(tx, replace(result, fills=namespaced), rt.clock.now())
        await position_repo.open_position(tx, position_repo.ManagedPosition(
            "t0123456789ab", "twin-0123456789ab", "SPY", 2, 0.0, rt.clock.now(), (Position(SPY, 2, 0.0),),
            paper=True))
    rec = _reconciler(rt, twin_exec_id=lambda e: "twin:" + e)

    twin = await rec.run(rt.twin_venue, paper=True, enforce=False)

    assert twin.clean, twin.diff_lines()


async def test_missing_fills_of_dorado_orders_go_through_the_lifecycle_hand_off(rt: Runtime) -> None:
    await _trade_recorded(rt, "dor-8", 3, fills=False)
    seen: list[tuple[str, int]] = []

    async def lifecycle_takes_it(result: OrderResult) -> bool:  # records and refreshes its position
        seen.append((result.client_order_id, len(result.fills)))
        async with rt.db.transaction() as tx:
            await order_repo.record_order_result(tx, result, rt.clock.now())
        return True

    first = await _reconciler(rt, on_order=lifecycle_takes_it).run(rt.venue)
    second = await _reconciler(rt, on_order=lifecycle_takes_it).run(rt.venue)

    assert seen == [("dor-8", 1)]
    assert first.clean and second.findings == ()


async def test_orders_the_lifecycle_declines_are_recorded_directly(rt: Runtime) -> None:
    await _trade_recorded(rt, "dor-9", 2, fills=False)

    async def not_mine(result: OrderResult) -> bool:
        return False

    await _reconciler(rt, on_order=not_mine).run(rt.venue)

    async with rt.db.read() as s:
        assert [f.quantity for f in await order_repo.fills(s, "dor-9")] == [2.0]
