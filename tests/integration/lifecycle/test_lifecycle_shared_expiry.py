"""Paper twins short the same contract through its expiry: the twin account nets them into one
venue position, so the venue books one expiry (or assignment) for all of them. Each twin must be
settled with its own contract — before the fix the first holder took the whole execution (left
+1, open) and the others kept their expired short (-1, open), the store and the venue apart."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from lifecycle_world import (
    loosen_policy,
    open_world,
    scan,
    short_put,
    write_bot,
    write_wheel_templates,
)

from dorado_tui.domain.account import Position
from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.engine.lifecycle import records
from dorado_tui.engine.lifecycle.ids import position_id
from dorado_tui.market.calendar import CalendarKind, trading_days
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo

BOT = "gld-wheel-t"
IDS = ("c-a", "c-b")


async def _through_expiry(w, expiry) -> None:
    start = w.clock.now()
    for day in trading_days(CalendarKind.XNYS, start.date() + timedelta(days=1), expiry + timedelta(days=3)):
        w.clock.set(datetime.combine(day, start.timetz()))
        await w.lc.monitor(live=False)


def _store_held(twins) -> dict[str, float]:
    held: dict[str, float] = defaultdict(float)
    for p in twins:
        for leg in p.legs:
            held[leg.symbol] += leg.quantity
    return {k: v for k, v in held.items() if v}


async def _open_twins(w, moneyness: float):
    chain = await w.chain("GLD", 7)
    puts = [short_put(cid, BOT, chain, moneyness=moneyness, template="wheel_t", status=CandidateStatus.PAPER)
            for cid in IDS]
    assert puts[0].legs[0].instrument == puts[1].legs[0].instrument  # the same contract
    await w.lc.intake(await scan(w, *puts))
    [venue] = await w.twins.get_positions()
    assert venue.quantity == -2.0  # netted at the venue
    return puts[0].legs[0].instrument


async def test_twins_short_the_same_put_expiring_worthless_each_close_with_their_own_premium(
        home, market, clock) -> None:
    write_wheel_templates(home)
    loosen_policy(home)
    write_bot(home, BOT, "GLD", "wheel_t", "L1_wheel")
    async with open_world(home, market, clock) as w:
        put = await _open_twins(w, 0.93)
        await _through_expiry(w, put.expiry)
        async with w.rt.db.read() as s:
            twins = [await position_repo.get_position(s, position_id(c, twin=True)) for c in IDS]
            trades = {t.position_id: t for t in await position_repo.trades(s, closed=True)}
            fills = await order_repo.fills(s)
        assert await w.twins.get_positions() == []
        assert [(p.status, p.legs) for p in twins] == [("closed", ()), ("closed", ())]
        [expiry] = [f for f in fills if f.client_order_id.startswith("expire:")]
        assert (expiry.symbol, expiry.quantity, expiry.price) == (put.symbol, 2.0, 0.0)
        for p in twins:  # realized = the premium of its own sale, less its commission
            sale = next(f for f in fills if f.client_order_id.startswith(p.position_id + ".o"))
            premium = sale.price * 100 - sale.commission
            assert p.realized_pnl == pytest.approx(premium, abs=1e-9)
            assert trades[p.position_id].exit_reason == "expired worthless"
        nav = await w.lc.nav()
        twins_account = next(a for a in nav.accounts if a.role == "twins")
        assert twins_account.position_gaps == () and twins_account.unexplained == pytest.approx(0.0, abs=1e-6)

        # the settled expiry is never taken again once its owners are closed, even by an open
        # position holding the contract against it (before: whoever held an instrument of an old
        # group — a wheel twin short the shares — took it at every pass, a +1 leg left each time)
        stray = Position(put, -1.0, 0.5)
        async with w.rt.db.transaction() as tx:
            await position_repo.open_position(tx, position_repo.ManagedPosition(
                "t0stray0000001", "twin-stray", "GLD", 1.0, -0.5, twins[0].opened_at, (stray,), paper=True))
        await w.lc.process_expirations()
        async with w.rt.db.read() as s:
            after = await position_repo.get_position(s, "t0stray0000001")
            taken = await records.attributions(s, "t0stray0000001")
        assert (after.status, after.legs, taken) == ("open", (stray,), [])


async def test_twins_short_the_same_put_assigned_each_receive_their_hundred_shares(home, market, clock) -> None:
    write_wheel_templates(home)
    loosen_policy(home)
    write_bot(home, BOT, "GLD", "wheel_t", "L1_wheel")
    async with open_world(home, market, clock, cash=300_000.0) as w:
        put = await _open_twins(w, 1.05)
        await _through_expiry(w, put.expiry)
        async with w.rt.db.read() as s:
            twins = [await position_repo.get_position(s, position_id(c, twin=True)) for c in IDS]
            open_twins = await position_repo.positions(s, paper=True)
        venue = {p.symbol: p.quantity for p in await w.twins.get_positions()}
        assert venue.get("GLD") == 200.0 and put.symbol not in venue
        for p in twins:  # its 100 shares at the strike, its option settled, its covered call written
            assert [(leg.symbol, leg.quantity, leg.avg_cost) for leg in p.legs if leg.symbol == "GLD"] == \
                [("GLD", 100.0, put.strike)]
            assert put.symbol not in {leg.symbol for leg in p.legs}
            assert [leg.quantity for leg in p.legs if leg.instrument.is_option] == [-1.0]
        # the store matches the venue symbol by symbol
        assert _store_held(open_twins) == {s: q for s, q in venue.items() if q}
