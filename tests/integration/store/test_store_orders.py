"""Order intents before submit, duplicate client order ids, idempotent fills, fill quality."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_builders import condor_order, fills

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.orders import Action, OrderResult, OrderStatus
from dorado_tui.store.database import Database
from dorado_tui.store.errors import DuplicateKey
from dorado_tui.store.repos import audit, orders
from dorado_tui.store.repos.orders import IntentStatus


async def test_intent_round_trips_the_order_and_is_audited(db: Database, clock: FixedClock) -> None:
    order = condor_order()

    async with db.transaction() as tx:
        stored = await orders.record_intent(tx, order, at=clock.now(), candidate_id="cand-1")
    async with db.read() as session:
        loaded = await orders.get_intent(session, "DOR-0001")
        entry = (await audit.tail(session, 1))[0]

    assert loaded == stored
    assert loaded.order == order and loaded.status is IntentStatus.RECORDED and loaded.submitted_at is None
    assert (entry.action, entry.subject, entry.payload["limit"]) == ("order.intent", "DOR-0001", -0.92)


async def test_second_intent_with_the_same_client_order_id_is_detectable_and_harmless(
        db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await orders.record_intent(tx, condor_order(), at=clock.now())

    async with db.transaction() as tx:
        with pytest.raises(DuplicateKey) as caught:
            await orders.record_intent(tx, condor_order(), at=clock.now())
        await orders.record_intent(tx, condor_order("DOR-0002"), at=clock.now())
    async with db.read() as session:
        intents = await orders.list_intents(session)
        chain = await audit.verify(session)

    assert caught.value.key == "DOR-0001" and caught.value.what == "order intent"
    assert [i.order.client_order_id for i in intents] == ["DOR-0001", "DOR-0002"]
    assert chain.ok and chain.rows == 2


async def test_intent_moves_to_submitted_with_its_time(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await orders.record_intent(tx, condor_order(), at=clock.now())
    sent = clock.advance(timedelta(seconds=2))

    async with db.transaction() as tx:
        await orders.mark_intent(tx, "DOR-0001", IntentStatus.SUBMITTED, sent)
    async with db.read() as session:
        submitted = await orders.list_intents(session, [IntentStatus.SUBMITTED])
        recorded = await orders.list_intents(session, [IntentStatus.RECORDED])

    assert [i.submitted_at for i in submitted] == [sent]
    assert recorded == []


async def test_order_results_update_one_row_and_fills_are_idempotent_by_exec_id(
        db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await orders.record_intent(tx, condor_order(), at=clock.now())
        await orders.record_order_result(tx, OrderResult("DOR-0001", "V-77", OrderStatus.SUBMITTED), clock.now())
    done = OrderResult("DOR-0001", "V-77", OrderStatus.FILLED, 2.0, -0.91, fills("DOR-0001", clock.now()))

    async with db.transaction() as tx:
        first = await orders.record_order_result(tx, done, clock.now())
    async with db.transaction() as tx:
        again = await orders.record_order_result(tx, done, clock.now())
        single = await orders.record_fill(tx, done.fills[0])
    async with db.read() as session:
        loaded = await orders.get_order(session, "DOR-0001")
        working = await orders.count_working_orders(session)

    assert (first, again, single) == (4, 0, False)
    assert loaded is not None and loaded.status is OrderStatus.FILLED and loaded.avg_fill_price == -0.91
    assert loaded.fills == done.fills
    assert working == 0


async def test_working_orders_include_ones_found_at_the_venue_without_intent(
        db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await orders.record_intent(tx, condor_order(), at=clock.now())
        await orders.record_order_result(tx, OrderResult("DOR-0001", "V-1", OrderStatus.SUBMITTED), clock.now())
        await orders.record_order_result(tx, OrderResult("TWS-manual", "V-2", OrderStatus.PARTIALLY_FILLED, 1.0),
                                         clock.now())
        await orders.record_order_result(tx, OrderResult("DOR-old", "V-3", OrderStatus.CANCELLED), clock.now())

    async with db.read() as session:
        working = await orders.working_orders(session)
        count = await orders.count_working_orders(session)

    assert sorted(o.client_order_id for o in working) == ["DOR-0001", "TWS-manual"]
    assert count == 2


async def test_fills_since_an_instant_in_time_order(db: Database, clock: FixedClock) -> None:
    early = fills("DOR-1", clock.now())
    late = fills("DOR-2", clock.advance(timedelta(minutes=5)))
    async with db.transaction() as tx:
        for fill in (*late, *early):
            await orders.record_fill(tx, fill)

    async with db.read() as session:
        recent = await orders.fills(session, since=clock.now())
        of_first = await orders.fills(session, "DOR-1")

    assert [f.exec_id for f in recent] == [f.exec_id for f in late]
    assert list(of_first) == list(early)


async def test_fill_quality_slippage_is_positive_when_worse_for_either_side(
        db: Database, clock: FixedClock) -> None:
    bought = orders.FillQuality("DOR-1", "SPY", Action.BUY, 10, 100.00, 100.05, clock.now(), 100.10, 2)
    sold = orders.FillQuality("DOR-2", "SPY", Action.SELL, 10, 100.00, 99.97, clock.now())
    async with db.transaction() as tx:
        await orders.record_fill_quality(tx, bought)
        await orders.record_fill_quality(tx, sold)

    async with db.read() as session:
        stored = await orders.fill_quality(session)

    assert [round(q.slippage, 6) for q in stored] == [0.05, 0.03]
    assert stored == [bought, sold]


async def test_recorded_exec_ids_finds_the_stored_ones_among_many(db: Database, clock: FixedClock) -> None:
    stored = [f for n in range(300) for f in fills(f"DOR-{n}", clock.now())]  # 1,200: three lookups
    async with db.transaction() as tx:
        for fill in stored[::2]:
            await orders.record_fill(tx, fill)
    asked = [f.exec_id for f in stored] + ["DOR-0-x0", "unknown-1"]

    async with db.read() as session:
        found = await orders.recorded_exec_ids(session, asked)
        none = await orders.recorded_exec_ids(session, [])

    assert found == {f.exec_id for f in stored[::2]}
    assert none == set()


async def test_starts_with_matches_exactly_the_prefixed_keys(db: Database, clock: FixedClock) -> None:
    from sqlalchemy import select

    from dorado_tui.store.repos._sql import starts_with
    from dorado_tui.store.tables import FillRow

    keys = ["p1.o1-1", "p1.a2-1", "p1.", "p1/", "p10.o1-1", "p1", "p0.o1-1", "p2.o1-1", "q1.o1-1"]
    async with db.transaction() as tx:
        for coid in keys:
            await orders.record_fill(tx, fills(coid, clock.now())[0])

    async with db.read() as session:
        def like(prefix: str) -> object:
            return starts_with(session, FillRow.client_order_id, prefix)
        dotted = (await session.execute(select(FillRow.client_order_id).where(like("p1.")))).scalars().all()
        p1 = (await session.execute(select(FillRow.client_order_id).where(like("p1")))).scalars().all()

    assert sorted(dotted) == ["p1.", "p1.a2-1", "p1.o1-1"]
    assert sorted(p1) == ["p1", "p1.", "p1.a2-1", "p1.o1-1", "p1/", "p10.o1-1"]
