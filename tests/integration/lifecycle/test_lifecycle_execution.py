"""Execution: the walk from mid toward natural, rejects replaced once, stuck orders, partial fills,
fill quality — against the simulation venue (with scripted faults where a real venue would fail)."""

from __future__ import annotations

import pytest
from lifecycle_world import iron_condor, open_world, put_spread, scan

from dorado_tui.domain.orders import CancelResult, Order, OrderResult, OrderStatus
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle.ids import position_id
from dorado_tui.engine.lifecycle.settings import ExecutionSettings, LifecycleSettings
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos.orders import IntentStatus
from dorado_tui.venues.simulation.venue import SimulationVenue

S = BotState


class Scripted(SimulationVenue):
    """A simulation venue that rejects the next `rejects` orders, or loses them (`lose`)."""

    rejects = 0
    reason = "order rejected: price outside the exchange's band (transient)"
    lose = False
    sticky = False  # cancels are sent but never confirmed

    async def cancel_order(self, client_order_id: str) -> CancelResult:
        if type(self).sticky:
            return CancelResult(client_order_id, False, OrderStatus.SUBMITTED, "cancel sent, not yet confirmed")
        return await super().cancel_order(client_order_id)

    async def place_order(self, order: Order) -> OrderResult:
        if type(self).rejects > 0:
            type(self).rejects -= 1
            return OrderResult(order.client_order_id, None, OrderStatus.REJECTED, reason=type(self).reason)
        if type(self).lose:
            return OrderResult(order.client_order_id, None, OrderStatus.PENDING_SUBMIT)
        return await super().place_order(order)


@pytest.fixture(autouse=True)
def _reset() -> None:
    Scripted.rejects, Scripted.lose, Scripted.sticky = 0, False, False
    Scripted.reason = "order rejected: price outside the exchange's band (transient)"


async def _intents(w) -> list[order_repo.Intent]:
    async with w.rt.db.read() as s:
        return await order_repo.list_intents(s)


async def test_the_limit_walks_from_mid_toward_natural_until_it_fills(home, market, clock) -> None:
    async with open_world(home, market, clock) as w:
        c = put_spread("c-w", "qqq-pcs-01", await w.chain("QQQ", 30))
        await w.lc.intake(await scan(w, c))
        mid = sum(leg.action.sign * leg.mid for leg in c.legs)

        done = await w.lc.approve("c-w", operator="alice")

        assert (done.finished.outcome.status, done.finished.bot_state) == ("filled", S.MONITORING)
        intents = await _intents(w)
        async with w.rt.db.read() as s:
            orders = [await order_repo.get_order(s, i.order.client_order_id) for i in intents]
            quality = await order_repo.fill_quality(s)
        assert [o.status for o in orders] == [OrderStatus.CANCELLED, OrderStatus.FILLED]
        assert intents[0].order.limit_price == pytest.approx(mid, abs=0.01)  # step 1 at mid (on the tick)
        assert intents[1].order.limit_price > intents[0].order.limit_price  # step 2 gives up some credit
        assert [(q.steps, q.expected_price) for q in quality] == [(2, intents[0].order.limit_price)]
        assert quality[0].slippage > 0


async def test_a_reject_is_replaced_once_with_fresh_quotes(home, market, clock) -> None:
    async with open_world(home, market, clock, venue_cls=Scripted) as w:
        await w.lc.intake(await scan(w, put_spread("c-r1", "qqq-pcs-01", await w.chain("QQQ", 30))))
        Scripted.rejects = 1

        done = await w.lc.approve("c-r1", operator="alice")

        assert done.finished.bot_state is S.MONITORING
        intents = await _intents(w)
        async with w.rt.db.read() as s:
            first = await order_repo.get_order(s, intents[0].order.client_order_id)
        assert first.status is OrderStatus.REJECTED and "price outside" in first.reason
        assert intents[1].order.limit_price == pytest.approx(intents[0].order.limit_price, abs=0.011)


async def test_a_second_reject_fails_the_entry_and_a_permanent_one_is_not_replaced(home, market, clock) -> None:
    async with open_world(home, market, clock, venue_cls=Scripted) as w:
        chain = await w.chain("QQQ", 30)
        await w.lc.intake(await scan(w, put_spread("c-r2", "qqq-pcs-01", chain)))
        Scripted.rejects = 2
        done = await w.lc.approve("c-r2", operator="alice")
        assert (done.finished.outcome.status, done.finished.bot_state) == ("rejected", S.IDLE)
        assert len(await _intents(w)) == 2
        async with w.rt.db.read() as s:
            steps = [t.to_state for t in await bot_repo.transitions(s, "qqq-pcs-01")][-2:]
            assert (await position_repo.get_position(s, position_id("c-r2"))).status == "void"
        assert steps == [S.FAILED, S.IDLE]

        await w.lc.intake(await scan(w, iron_condor("c-r3", "spy-ic-01", await w.chain("SPY", 30))))
        Scripted.rejects, Scripted.reason = 5, "insufficient buying power: the order needs $9,000.00"
        done = await w.lc.approve("c-r3", operator="alice")
        assert done.finished.outcome.status == "rejected"
        assert len([i for i in await _intents(w) if i.candidate_id == "c-r3"]) == 1


async def test_an_order_the_venue_never_acknowledges_is_looked_up_and_abandoned(home, market, clock) -> None:
    async with open_world(home, market, clock, venue_cls=Scripted) as w:
        await w.lc.intake(await scan(w, put_spread("c-s", "qqq-pcs-01", await w.chain("QQQ", 30))))
        Scripted.lose = True

        done = await w.lc.approve("c-s", operator="alice")

        assert done.finished.outcome.status == "stuck"
        assert done.finished.bot_state is S.IDLE  # nothing filled: FAILED → IDLE
        [intent] = await _intents(w)
        assert intent.status is IntentStatus.ABANDONED and "never acknowledged" in intent.status_reason


async def test_a_partial_fill_at_the_end_of_the_walk_is_kept_at_its_size(home, market, clock) -> None:
    short = LifecycleSettings(execution=ExecutionSettings(walk_steps=2, step_seconds=10.0, poll_seconds=5.0))
    async with open_world(home, market, clock, partial=0.2, settings=short) as w:
        c = put_spread("c-p", "qqq-pcs-01", await w.chain("QQQ", 30), quantity=5.0)
        await w.lc.intake(await scan(w, c))

        done = await w.lc.approve("c-p", operator="alice")

        async with w.rt.db.read() as s:
            p = await position_repo.get_position(s, position_id("c-p"))
        assert (done.finished.outcome.status, done.finished.bot_state) == ("partial", S.MONITORING)
        assert 0 < p.quantity == done.finished.outcome.filled < 5
        assert {leg.symbol: abs(leg.quantity) for leg in p.legs} == {leg.instrument.symbol: p.quantity for leg in c.legs}
        venue = {q.symbol: q.quantity for q in await w.venue.get_positions()}
        assert {leg.symbol: leg.quantity for leg in p.legs} == venue


async def test_an_unconfirmed_cancel_leaves_the_episode_to_recovery_which_finishes_it(home, market, clock) -> None:
    async with open_world(home, market, clock, venue_cls=Scripted) as w:
        await w.lc.intake(await scan(w, put_spread("c-k", "qqq-pcs-01", await w.chain("QQQ", 30))))
        Scripted.sticky = True

        done = await w.lc.approve("c-k", operator="alice")

        assert (done.finished.outcome.status, done.finished.bot_state) == ("stuck", S.EXECUTING)
        [intent] = await _intents(w)
        assert intent.status is IntentStatus.SUBMITTED  # still working at the venue: nothing decided
        Scripted.sticky = False

        report = await w.lc.recover()

        assert report.adopted == [intent.order.client_order_id]
        assert [f["bot_state"] for f in report.finished] == ["MONITORING"]
        async with w.rt.db.read() as s:
            statuses = [(await order_repo.get_order(s, i.order.client_order_id)).status for i in await _intents(w)]
        assert statuses == [OrderStatus.CANCELLED, OrderStatus.FILLED]
