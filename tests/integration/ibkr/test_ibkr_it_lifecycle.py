"""The whole lifecycle through ib_async against the gateway simulator: a paper home's real runtime
scans, the operator approves, the combo fills at the gateway, a monitor pass exits at the DTE
rule, the close fills — and the store agrees with the gateway on every order, fill and position."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from ibkr_world import (
    SCAN_DAY,
    AdvancingSleep,
    Broker,
    at,
    broker,
    build_market,
    dorado,
    paper_home,
    publish_regimes,
    template_home,
)

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.orders import OrderStatus
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle.ids import handle, position_id
from dorado_tui.engine.runtime import Runtime
from dorado_tui.engine.scan.service import Scanner
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.venues.ibkr.adapter import IBKRAdapter
from dorado_tui.venues.ibkr.connection import LinkState

BOT = "spy-ic-01"


@pytest.fixture(scope="module")
def market() -> SimulatedMarket:
    return build_market()


@pytest.fixture(scope="module")
def template(market: SimulatedMarket, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_home(tmp_path_factory.mktemp("ib-lifecycle") / "home", market)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at(SCAN_DAY))


STATUS = {"Filled": OrderStatus.FILLED, "Cancelled": OrderStatus.CANCELLED, "ApiCancelled": OrderStatus.CANCELLED,
          "Submitted": OrderStatus.SUBMITTED, "PreSubmitted": OrderStatus.SUBMITTED}


async def _assert_store_agrees_with_gateway(rt: Runtime, b: Broker) -> None:
    """Every order, execution and position of the trading account, the store against the gateway."""
    sim_orders = list(b.gateway.orders.orders.values())
    refs = Counter(o.order_ref for o in sim_orders)
    assert refs and max(refs.values()) == 1, refs  # no order sent twice
    ids: dict[str, set[int]] = {}
    for placed in b.gateway.placements():  # a price walk re-places under the same order id
        ids.setdefault(placed.order_ref, set()).add(placed.order_id)
    assert set(ids) == set(refs) and all(len(v) == 1 for v in ids.values()), ids
    journal = {r.view.exec_id: r for r in b.gateway.orders.journal if r.view.contract.sec_type != "BAG"}
    async with rt.db.read() as s:
        intents = [i for i in await order_repo.list_intents(s) if i.order.bot_id == BOT]
        stored = {o.order_ref: await order_repo.get_order(s, o.order_ref) for o in sim_orders}
        fills = [f for f in await order_repo.fills(s) if f.client_order_id in refs]
    assert set(refs) == {i.order.client_order_id for i in intents if i.status.value != "abandoned"}
    for sim in sim_orders:
        got = stored[sim.order_ref]
        assert got is not None, sim.order_ref
        assert (got.status, got.filled_quantity) == (STATUS[sim.status], sim.filled), (sim, got)
    assert {f.exec_id for f in fills} == set(journal)  # zero lost, zero invented executions
    for f in fills:
        view = journal[f.exec_id].view
        assert (f.client_order_id, f.action.value, f.quantity, f.price) == (
            view.order_ref, "buy" if view.side == "BOT" else "sell", view.shares, pytest.approx(view.price))
        assert f.commission == pytest.approx(journal[f.exec_id].commission)
    behind = Counter((f.symbol, f.action, f.quantity) for f in await b.venue.get_executions())  # the book's own ids
    assert Counter((f.symbol, f.action, f.quantity) for f in fills) == behind


async def test_scan_approve_fill_monitor_close_through_ib_async(market: SimulatedMarket, template: Path,
                                                                clock: FixedClock, tmp_path: Path) -> None:
    async with broker(market, clock, tmp_path) as b:
        home = paper_home(template, tmp_path / "home", b.gateway.port)
        async with dorado(home, market, clock) as (rt, lc):
            assert isinstance(rt.venue, IBKRAdapter)
            assert rt.venue.link.state is LinkState.READY
            assert rt.venue.resync.hook is not None and rt.venue.link.on_alert is not None  # wired
            await publish_regimes(rt, SCAN_DAY)

            # scan -> AWAITING_APPROVAL (chains quoted through ib_async, Greeks from tick 13)
            sleep = AdvancingSleep(clock)
            result = await Scanner.from_runtime(rt, sink=lc, sleep=sleep).scan([BOT])
            assert sleep.waits == []  # every chain complete at the first fetch
            selected = [c for c in result.candidates if c.status is CandidateStatus.SELECTED]
            assert len(selected) == 1, str(result.as_dict()["bots"])
            cand = selected[0]
            assert len(cand.legs) == 4
            assert (await lc.pending()).items[0].handle == handle(cand.id)
            assert b.gateway.placements() == []  # nothing reaches IB before the approval

            # approve -> one BAG combo at the gateway -> MONITORING
            approved = await lc.approve(handle(cand.id), tag="best_credit", operator="alice")
            assert approved.finished.bot_state is BotState.MONITORING, approved.finished.as_dict()
            placed = b.gateway.placements()  # the price walk: one BAG order per step, own orderRef
            assert placed and all(p.sec_type == "BAG" and len(p.combo_legs) == 4 for p in placed)
            assert [o.status for o in b.gateway.orders.orders.values()][-1] == "Filled"
            pid = position_id(cand.id)
            venue_positions = {p.symbol: p.quantity for p in await b.venue.get_positions()}
            async with rt.db.read() as s:
                position = await position_repo.get_position(s, pid)
            assert position is not None and position.status == "open"
            assert {leg.symbol: leg.quantity for leg in position.legs} == venue_positions
            assert sorted(abs(q) for q in venue_positions.values()) == [cand.quantity] * 4
            await _assert_store_agrees_with_gateway(rt, b)

            # four weeks later: 14 days to expiry, the template's DTE exit closes it through IB
            clock.set(at(SCAN_DAY + timedelta(days=28)))
            report = await lc.monitor(live=None)
            (check,) = [p for p in report.positions if p.position_id == pid]
            assert check.evaluation.action.rule == "dte_exit"
            assert check.result["status"] == "filled" and check.result["position_status"] == "closed"

            async with rt.db.read() as s:
                position = await position_repo.get_position(s, pid)
                steps = [(t.from_state, t.to_state) for t in await bot_repo.transitions(s, BOT)]
            assert position is not None and position.status == "closed"
            assert steps[-1][1] is BotState.IDLE
            assert await b.venue.get_positions() == []
            assert {o.status for o in b.gateway.orders.orders.values()} <= {"Filled", "Cancelled"}
            assert not b.gateway.orders.working()
            await _assert_store_agrees_with_gateway(rt, b)
            assert rt.services["venue_wiring"].alerts == []  # no outage, no resync trouble
            assert b.gateway.pacing_violations == 0  # every message within IB's 50/s (error 100)
