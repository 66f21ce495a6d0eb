"""The wheel (seed 001): a put assigned, a covered call written on the shares, the shares called
away — the cost basis and the P&L exact to the cent, the state machine through every step."""

from __future__ import annotations

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

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle import book
from dorado_tui.engine.lifecycle.ids import position_id
from dorado_tui.engine.lifecycle.proposals import wheel_basis
from dorado_tui.market.calendar import CalendarKind, trading_days
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo

S = BotState
BOT = "gld-wheel-t"


async def _run_until(w, predicate, days: int = 20) -> None:
    """Monitor once per session (11:00 New York) until `predicate()` holds."""
    start = w.clock.now()
    for day in trading_days(CalendarKind.XNYS, start.date() + timedelta(days=1), start.date() + timedelta(days=40)):
        w.clock.set(datetime.combine(day, start.timetz()))
        await w.lc.monitor()
        if await predicate():
            return
        days -= 1
        if days == 0:
            break
    raise AssertionError("the wheel did not reach the expected step")


async def test_wheel_put_assigned_call_written_shares_called_away_with_exact_basis_and_pnl(home, market, clock) -> None:
    write_wheel_templates(home)
    loosen_policy(home)
    write_bot(home, BOT, "GLD", "wheel_t", "L1_wheel")
    async with open_world(home, market, clock, cash=300_000.0) as w:
        put = short_put("c-gld-put", BOT, await w.chain("GLD", 7), moneyness=1.05, template="wheel_t")
        await w.lc.intake(await scan(w, put))
        await w.lc.approve("c-gld-put", tag="gut_feel", operator="alice")
        pid = position_id("c-gld-put")
        K_put = put.legs[0].instrument.strike

        async def holds_shares() -> bool:
            async with w.rt.db.read() as s:
                p = await position_repo.get_position(s, pid)
            return any(leg.symbol == "GLD" for leg in p.legs)

        await _run_until(w, holds_shares)
        async with w.rt.db.read() as s:
            p = await position_repo.get_position(s, pid)
            ledger = await book.ledger_of(s, p)
            pending = await candidate_repo.list_candidates(s, status=CandidateStatus.SELECTED)
            fills = await order_repo.fills(s)
        put_fill = next(f for f in fills if f.client_order_id.startswith(pid + ".o"))
        premium = put_fill.price * 100 - put_fill.commission
        basis = wheel_basis(ledger)
        assert basis is not None and basis.shares == 100 and basis.share_cost == pytest.approx(K_put)
        assert basis.basis == pytest.approx(K_put - premium / 100, abs=1e-9)
        assert [c.variant for c in pending] == ["covered_call"]
        assert f"cost basis {basis.basis:.2f}" in pending[0].status_reason

        await w.lc.approve(pending[0].id, operator="alice")
        call = pending[0].legs[0].instrument

        async def idle() -> bool:
            async with w.rt.db.read() as s:
                return (await bot_repo.get_bot(s, BOT)).state is S.IDLE

        await _run_until(w, idle)
        async with w.rt.db.read() as s:
            fills = await order_repo.fills(s)
            trade = (await position_repo.trades(s, bot_id=BOT))[0]
            steps = [t.to_state for t in await bot_repo.transitions(s, BOT)]
        call_fill = next(f for f in fills if f.client_order_id.startswith(pid + ".a"))
        call_premium = call_fill.price * 100 - call_fill.commission
        expected = premium + call_premium + (call.strike - K_put) * 100
        assert trade.realized_pnl == pytest.approx(expected, abs=1e-6)
        assert trade.reward == pytest.approx(max(-1.0, min(1.0, expected / trade.max_loss)))
        assert trade.exit_reason == "assigned at expiry: shares called away"
        assert steps == [S.SIGNAL_RECEIVED, S.RISK_CHECK, S.AWAITING_APPROVAL, S.EXECUTING, S.MONITORING,  # put
                         S.SIGNAL_RECEIVED, S.RISK_CHECK, S.AWAITING_APPROVAL, S.EXECUTING, S.MONITORING,  # call
                         S.CLOSING, S.IDLE]
        assert await w.venue.get_positions() == []
        account = await w.venue.get_account_state()
        assert account.net_liquidation - 300_000.0 == pytest.approx(expected, abs=1e-6)
