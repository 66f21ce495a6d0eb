"""Positions with legs, marks and closes; trades with entry features; account snapshots (NAV)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_builders import condor_legs

from dorado_tui.domain.account import AccountState, Position
from dorado_tui.domain.clock import FixedClock
from dorado_tui.store.database import Database
from dorado_tui.store.errors import DuplicateKey, NotFound
from dorado_tui.store.repos import positions
from dorado_tui.store.repos.positions import ManagedPosition, TradeRecord


def _condor(clock: FixedClock, pid: str = "pos-1", paper: bool = False) -> ManagedPosition:
    legs = tuple(Position(leg.instrument, leg.action.sign * 2.0, leg.bid) for leg in condor_legs())
    return ManagedPosition(pid, "spy_ic", "SPY", 2.0, -0.92, clock.now(), legs, candidate_id="cand-1",
                           asset_class="equity_options", template="iron_condor", strategy_layer="L2",
                           paper=paper, max_loss=816.0, greeks={"delta": -2.4})


async def test_position_round_trips_with_its_legs(db: Database, clock: FixedClock) -> None:
    original = _condor(clock)

    async with db.transaction() as tx:
        await positions.open_position(tx, original)
    async with db.read() as session:
        loaded = await positions.get_position(session, "pos-1")

    assert loaded == original
    assert [leg.quantity for leg in loaded.legs] == [2.0, -2.0, -2.0, 2.0]


async def test_pnl_totals_sum_realized_of_every_position_and_unrealized_of_open_ones(db: Database,
                                                                                     clock: FixedClock) -> None:
    async with db.transaction() as tx:
        for pid, paper in (("pos-1", False), ("pos-2", False), ("pos-3", False), ("paper-1", True)):
            await positions.open_position(tx, _condor(clock, pid, paper=paper))
        await positions.mark_position(tx, "pos-1", -0.5, 84.0, clock.now())
        await positions.mark_position(tx, "pos-2", -1.2, -56.0, clock.now())
        await positions.mark_position(tx, "paper-1", -0.7, 44.0, clock.now())
        await positions.update_position(tx, "pos-2", realized_pnl=-12.5)  # a partial close, still open
        await positions.close_position(tx, "pos-1", 80.4, clock.advance(timedelta(days=1)))
        await positions.update_position(tx, "pos-3", status="closing", unrealized_pnl=7.25)
    async with db.read() as session:
        live = await positions.pnl_totals(session, paper=False)
        paper = await positions.pnl_totals(session, paper=True)
        both = await positions.pnl_totals(session)
        listed = await positions.positions(session, statuses=None, paper=False)

    assert live == pytest.approx((80.4 - 12.5, -56.0 + 7.25))
    assert paper == pytest.approx((0.0, 44.0))
    assert both == pytest.approx((80.4 - 12.5, -56.0 + 7.25 + 44.0))
    assert live == (sum(p.realized_pnl for p in listed),
                    sum(p.unrealized_pnl for p in listed if p.status in positions.OPEN_STATUSES))

async def test_mark_then_close_moves_pnl_and_drops_it_from_open_positions(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await positions.open_position(tx, _condor(clock))
        await positions.open_position(tx, _condor(clock, "paper-1", paper=True))
    marked_at = clock.advance(timedelta(minutes=15))

    async with db.transaction() as tx:
        await positions.mark_position(tx, "pos-1", -0.50, 84.0, marked_at, greeks={"delta": -1.1})
    async with db.read() as session:
        marked = await positions.get_position(session, "pos-1")
        live_open = await positions.count_open_positions(session, paper=False)
    async with db.transaction() as tx:
        await positions.close_position(tx, "pos-1", 80.4, clock.advance(timedelta(days=3)))
    async with db.read() as session:
        still_open = await positions.positions(session)
        closed = await positions.get_position(session, "pos-1")

    assert marked is not None and (marked.mark, marked.unrealized_pnl, marked.marked_at) == (-0.5, 84.0, marked_at)
    assert marked.greeks == {"delta": -1.1}
    assert live_open == 1
    assert [p.position_id for p in still_open] == ["paper-1"]
    assert closed is not None and (closed.status, closed.realized_pnl, closed.unrealized_pnl) == ("closed", 80.4, 0.0)


async def test_replacing_legs_after_a_partial_close(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await positions.open_position(tx, _condor(clock))
    remaining = _condor(clock).legs[2:]

    async with db.transaction() as tx:
        await positions.update_position(tx, "pos-1", legs=remaining, status="closing")
    async with db.read() as session:
        loaded = await positions.get_position(session, "pos-1")

    assert loaded is not None and loaded.legs == remaining and loaded.status == "closing"


async def test_duplicate_and_unknown_positions_are_errors(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await positions.open_position(tx, _condor(clock))

    with pytest.raises(DuplicateKey, match="position 'pos-1' exists already"):
        async with db.transaction() as tx:
            await positions.open_position(tx, _condor(clock))
    with pytest.raises(NotFound, match="no position 'pos-9'"):
        async with db.transaction() as tx:
            await positions.mark_position(tx, "pos-9", 1.0, 0.0, clock.now())


async def test_trade_keeps_entry_features_and_gets_its_outcome(db: Database, clock: FixedClock) -> None:
    features = {"iv_rank": 41.0, "regime": "goldilocks", "dte": 34, "credit_to_width": 0.18}
    async with db.transaction() as tx:
        await positions.open_position(tx, _condor(clock))
        await positions.record_trade(tx, TradeRecord("t-1", "spy_ic", "SPY", clock.now(), features,
                                                     position_id="pos-1", template="iron_condor", max_loss=816.0))
    closed_at = clock.advance(timedelta(days=10))

    async with db.transaction() as tx:
        await positions.close_trade(tx, "t-1", realized_pnl=92.0, reward=92.0 / 816.0, exit_reason="profit target",
                                    at=closed_at, fees=10.4)
    async with db.read() as session:
        (trade,) = await positions.trades(session, closed=True)
        still_open = await positions.trades(session, closed=False)

    assert trade.entry_features == features and trade.position_id == "pos-1"
    assert (trade.realized_pnl, trade.reward, trade.fees, trade.closed_at) == (92.0, 92.0 / 816.0, 10.4, closed_at)
    assert still_open == []


async def test_account_history_is_the_nav_series_oldest_first(db: Database, clock: FixedClock) -> None:
    snaps = [AccountState("DU1", "USD", 50_000 + i, 100_000 + 10 * i, 80_000, 5_000, 4_000,
                          clock.advance(timedelta(days=1))) for i in range(3)]
    async with db.transaction() as tx:
        for snap in reversed(snaps):
            await positions.record_account(tx, snap, realized_pnl=0.0)
        await positions.record_account(tx, snaps[0])  # a repeat replaces, never duplicates

    async with db.read() as session:
        history = await positions.account_history(session, "DU1")
        newest_two = await positions.account_history(session, "DU1", limit=2)

    assert history == snaps
    assert newest_two == snaps[1:]
