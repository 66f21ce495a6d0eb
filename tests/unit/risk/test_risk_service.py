"""The engine half: the order gate in the intent's transaction, latched trips, audited resumes,
and every process's view of the states."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.errors import BadInput
from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.risk_service import (
    ALERT_CHANNEL,
    RiskService,
    TradingStateWatcher,
    load_book,
)
from dorado_tui.risk.breakers import BreakerInputs
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.trading_state import GLOBAL, Trip, layer_scope
from dorado_tui.store.bus import InProcessBus
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import risk as risk_repo

from ._builders import NOW

POLICY = RiskPolicy()


def _order(coid: str, qty: int, symbol: str = "SPY") -> Order:
    inst = Instrument(symbol, SecType.STOCK, symbol)
    action = Action.BUY if qty > 0 else Action.SELL
    return Order(coid, (OrderLeg(inst, action, 1),), float(abs(qty)), OrderType.LIMIT, 450.0, bot_id="bot-1")


def _inputs(nav: float, clock: FixedClock) -> BreakerInputs:
    return BreakerInputs(clock.now(), nav, 100_000.0, 100_000.0, 100_000.0)


async def _service(db: Database, clock: FixedClock, bus: InProcessBus | None = None) -> RiskService:
    service = RiskService(db, POLICY, clock, bus)
    await service.start()
    return service


async def test_active_admits_and_records_the_intent_with_the_decision(db: Database, clock: FixedClock) -> None:
    service = await _service(db, clock)
    async with db.transaction() as tx:
        admission = await service.admit_order(tx, _order("o-1", 10), {}, layer="L2_credit_spreads")
    assert admission.admitted and admission.decision.passed
    async with db.read() as s:
        assert (await order_repo.get_intent(s, "o-1")) is not None
        (event,) = await risk_repo.risk_events(s, kind="order_gate")
    assert event.decision.reason == "order allowed in state ACTIVE"


async def test_halted_refuses_the_order_and_writes_no_intent(db: Database, clock: FixedClock) -> None:
    service = await _service(db, clock)
    await service.trip([Trip(GLOBAL, TradingState.HALTED, "KILL_SWITCH", "kill switch", clock.now())])
    async with db.transaction() as tx:
        admission = await service.admit_order(tx, _order("o-2", -10), {"SPY": 10.0})
    assert not admission.admitted
    assert admission.decision.reason == "global is HALTED (kill switch): no orders, only cancels"
    async with db.read() as s:
        assert await order_repo.get_intent(s, "o-2") is None
        (event,) = await risk_repo.risk_events(s, kind="order_gate")
    assert (event.decision.passed, event.decision.code) == (False, "TRADING_HALTED")


async def test_reducing_admits_only_reducing_orders(db: Database, clock: FixedClock) -> None:
    service = await _service(db, clock)
    await service.trip([Trip(layer_scope("L2"), TradingState.REDUCING, "LAYER_DAILY_LOSS", "layer loss", clock.now())])
    async with db.transaction() as tx:
        closing = await service.admit_order(tx, _order("o-3", -5), {"SPY": 10.0}, layer="L2")
        opening = await service.admit_order(tx, _order("o-4", 5), {"SPY": 10.0}, layer="L2")
    assert closing.admitted and not opening.admitted


async def test_a_daily_loss_latches_reducing_records_it_and_alerts(db: Database, clock: FixedClock) -> None:
    bus = InProcessBus()
    alerts = await bus.subscribe(ALERT_CHANNEL)
    service = await _service(db, clock, bus)
    outcome = await service.apply_breakers(_inputs(97_900.0, clock))
    assert [t.code for t in outcome.trips] == ["DAILY_LOSS"]
    async with db.read() as s:
        record = await risk_repo.get_trading_state(s, GLOBAL)
        events = await risk_repo.risk_events(s, kind="breaker_trip")
    assert (record.state, record.latched) == (TradingState.REDUCING, True)
    assert record.reason == "daily loss 2.10 % reached 2 %: global REDUCING"
    assert [e.decision.code for e in events] == ["DAILY_LOSS"]
    alert = await alerts.get(within=1.0)
    assert alert is not None and alert.payload["severity"] == "CRITICAL"
    # the same facts again: no second trip, no second event
    clock.advance(timedelta(minutes=15))
    await service.apply_breakers(_inputs(97_900.0, clock))
    async with db.read() as s:
        assert len(await risk_repo.risk_events(s, kind="breaker_trip")) == 1


async def test_a_trip_survives_a_restart_and_never_clears_by_itself(db: Database, clock: FixedClock) -> None:
    service = await _service(db, clock)
    await service.apply_breakers(_inputs(97_900.0, clock))
    clock.advance(timedelta(hours=1))
    await service.apply_breakers(_inputs(101_000.0, clock))  # recovered: still latched
    fresh = RiskService(db, POLICY, clock)
    assert (await fresh.book()).state_of(GLOBAL) is TradingState.REDUCING


async def test_resume_needs_a_reason_is_audited_and_acknowledges_the_trip(db: Database, clock: FixedClock) -> None:
    service = await _service(db, clock)
    await service.apply_breakers(_inputs(97_900.0, clock))
    with pytest.raises(BadInput, match="a resume needs a reason"):
        await service.resume(GLOBAL, " ", "alice")
    record = await service.resume(GLOBAL, "hedged the book", "alice")
    assert [t.code for t in record.cleared] == ["DAILY_LOSS"]
    async with db.read() as s:
        state = await risk_repo.get_trading_state(s, GLOBAL)
        entries = await audit.tail(s, 5)
        (event,) = await risk_repo.risk_events(s, kind="resume")
    assert (state.state, state.latched, state.set_by) == (TradingState.ACTIVE, False, "alice")
    assert state.reason == "resumed by alice: hedged the book"
    assert any(e.action == "trading_state.set" and e.actor == "alice" and e.payload["from"] == "REDUCING"
               and e.payload["to"] == "ACTIVE" and e.payload["reason"] == "resumed by alice: hedged the book"
               for e in entries)
    assert event.decision.reason == "global REDUCING → ACTIVE by alice (hedged the book); cleared: DAILY_LOSS"
    clock.advance(timedelta(minutes=5))
    await service.apply_breakers(_inputs(97_900.0, clock))  # same loss: acknowledged
    assert (await service.book()).state_of(GLOBAL) is TradingState.ACTIVE


async def test_a_watcher_sees_a_halt_within_a_second(db: Database, clock: FixedClock) -> None:
    service = await _service(db, clock)
    watcher = TradingStateWatcher(db, bus=None, poll_seconds=0.1)
    await watcher.start()
    try:
        await service.trip([Trip(GLOBAL, TradingState.HALTED, "KILL_SWITCH", "kill", clock.now())])
        seen = await watcher.wait_for(lambda b: b.state_of(GLOBAL) is TradingState.HALTED, within=1.0)
    finally:
        await watcher.stop()
    assert seen


async def test_load_book_reads_trips_and_multipliers(db: Database, clock: FixedClock) -> None:
    service = await _service(db, clock)
    await service.apply_breakers(BreakerInputs(NOW, 89_000.0, 100_000.0, 89_000.0, 89_000.0))
    async with db.read() as s:
        book = await load_book(s)
    assert book.sizing_multiplier((GLOBAL,)) == 0.5
    assert {t.code for t in book.get(GLOBAL).trips} == {"DRAWDOWN_REDUCE"}


async def test_a_protection_lock_is_recorded_once_and_blocks_opening_orders(db: Database, clock: FixedClock) -> None:
    from dorado_tui.risk.protections import StopOut

    service = await _service(db, clock)
    stops = [StopOut("SPY", "bot-1", clock.now() - timedelta(minutes=5))]
    first = await service.apply_protections(stops, [], 100_000.0)
    await service.apply_protections(stops, [], 100_000.0)
    async with db.read() as s:
        events = await risk_repo.risk_events(s, kind="protection_lock", scope="underlying:SPY")
    assert [e.decision.code for e in events] == ["STOP_COOLDOWN"]
    async with db.transaction() as tx:
        admission = await service.admit_order(tx, _order("o-9", 1), {}, locks=first.locks)
    assert (admission.admitted, admission.decision.code) == (False, "STOP_COOLDOWN")


async def test_trade_and_portfolio_decisions_are_persisted_word_for_word(db: Database, clock: FixedClock) -> None:
    from dataclasses import replace as dc_replace

    from dorado_tui.risk.portfolio import MarketFacts, PortfolioState
    from dorado_tui.risk.portfolio_checks import check_portfolio
    from dorado_tui.risk.trade import check_trade

    from ._builders import context, put_spread

    bus = InProcessBus()
    alerts = await bus.subscribe(ALERT_CHANNEL)
    service = await _service(db, clock, bus)
    candidate = put_spread(quantity=6)  # one unit more than sizing allows
    trade = check_trade(candidate, context(), POLICY)
    state = PortfolioState.build(100_000.0, 100_000.0, [], MarketFacts({"SPY": 450.0}, {"SPY": 0.18}),
                                 layers=POLICY.layers)
    portfolio = check_portfolio(state.simulate_add(dc_replace(candidate, delta=10.0)), POLICY)
    await service.record_decisions(trade.decisions, kind="trade_check", candidate_id="c1")
    await service.record_decisions(portfolio.decisions, kind="portfolio_check", candidate_id="c1")
    async with db.read() as s:
        stored = await risk_repo.risk_events(s, kind="trade_check")
        stored_pf = await risk_repo.risk_events(s, kind="portfolio_check")
    by_check = {e.decision.check: e.decision for e in stored}
    assert by_check["trade.sizing"].reason == "quantity 6 exceeds the sized 5 (adaptive_rules, 2 % of NAV)"
    assert by_check["trade.sizing"] == next(d for d in trade.decisions if d.check == "trade.sizing")
    assert {e.decision.check for e in stored_pf} == {d.check for d in portfolio.decisions}
    assert all(e.candidate_id == "c1" for e in stored + stored_pf)
    first, second = await alerts.get(within=1.0), await alerts.get(within=1.0)
    assert first is not None and second is not None
    assert [(e.payload["code"], e.payload["severity"]) for e in (first, second)] == [
        ("REGIME_NEUTRAL", "INFO"), ("CASH_DRAG", "INFO")]


async def test_concurrent_admissions_trips_and_resumes_never_deadlock(db: Database, clock: FixedClock) -> None:
    """Every writer takes the audit head before the trading-state rows; taking them in the other
    order deadlocked on PostgreSQL when a kill raced an order admission."""
    import asyncio

    service = await _service(db, clock)

    async def admit(i: int) -> bool:
        async with db.transaction() as tx:
            return (await service.admit_order(tx, _order(f"race-{i}", 1), {})).admitted

    async def kill(i: int) -> None:
        await service.trip([Trip(GLOBAL, TradingState.HALTED, "KILL_SWITCH", f"kill {i}", clock.now())])
        await service.resume(GLOBAL, f"checked {i}", "operator")

    for round_ in range(5):
        jobs = [admit(round_ * 10 + i) for i in range(6)] + [kill(round_)]
        results = await asyncio.gather(*jobs, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        assert errors == []
    async with db.read() as s:
        assert (await audit.verify(s)).ok
