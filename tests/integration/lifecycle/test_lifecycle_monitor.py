"""Monitoring: marks, rules, and an exit that takes the bot back to IDLE with the trade's outcome."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from lifecycle_world import open_world, put_spread, scan

from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle.book import reward
from dorado_tui.engine.lifecycle.ids import position_id
from dorado_tui.market.calendar import CalendarKind, trading_days
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo


def _sessions_after(start: datetime, n: int) -> list[datetime]:
    days = trading_days(CalendarKind.XNYS, start.date() + timedelta(days=1), start.date() + timedelta(days=3 * n))
    return [datetime.combine(d, start.timetz()) for d in days[:n]]


async def test_a_monitored_spread_exits_by_a_rule_and_its_trade_gets_the_outcome(home, market, clock) -> None:
    async with open_world(home, market, clock) as w:
        c = put_spread("c-qqq-m", "qqq-pcs-01", await w.chain("QQQ", 30))
        await w.lc.intake(await scan(w, c))
        await w.lc.approve("c-qqq-m", operator="alice")
        pid = position_id("c-qqq-m")
        first = await w.lc.monitor()
        checked = {p.position_id: p for p in first.positions}
        assert {d.check for d in checked[pid].evaluation.decisions} >= {
            "manage.profit_target", "manage.stop_loss", "manage.dte_exit", "manage.breach"}

        for day in _sessions_after(clock.now(), 30):
            clock.set(day)
            await w.lc.monitor()
            async with w.rt.db.read() as s:
                if (await bot_repo.get_bot(s, "qqq-pcs-01")).state is BotState.IDLE:
                    break

        async with w.rt.db.read() as s:
            bot = await bot_repo.get_bot(s, "qqq-pcs-01")
            position = await position_repo.get_position(s, pid)
            trade = (await position_repo.trades(s, bot_id="qqq-pcs-01"))[0]
            fills = await order_repo.fills(s)
        assert bot.state is BotState.IDLE
        assert position.status == "closed" and position.legs == ()
        cash = sum(f.cash_flow for f in fills)
        assert position.realized_pnl == pytest.approx(cash, abs=1e-6)
        assert trade.realized_pnl == pytest.approx(cash, abs=1e-6)
        assert trade.reward == pytest.approx(reward(cash, trade.max_loss))
        assert trade.exit_reason
        assert await w.venue.get_positions() == []


async def test_a_tested_put_side_is_closed_as_an_adjustment_and_the_call_side_kept(home, market, clock) -> None:
    from dataclasses import replace

    from lifecycle_world import iron_condor

    from dorado_tui.domain.instruments import Right

    async with open_world(home, market, clock) as w:
        chain = await w.chain("SPY", 30)
        spot = chain.underlying_price
        c = iron_condor("c-br", "spy-ic-01", chain)
        puts = sorted((x for x in chain.contracts if x.right is Right.PUT and x.spread_quality < 0.15),
                      key=lambda x: x.strike)
        short = min((x for x in puts if x.strike >= spot), key=lambda x: x.strike)  # already tested
        long = max((x for x in puts if x.strike <= short.strike - 5), key=lambda x: x.strike)
        legs = list(c.legs)
        legs[0] = replace(legs[0], instrument=long.instrument, bid=long.bid, ask=long.ask, delta=long.delta)
        legs[1] = replace(legs[1], instrument=short.instrument, bid=short.bid, ask=short.ask, delta=short.delta)
        c = replace(c, legs=tuple(legs))
        await w.lc.intake(await scan(w, c))
        await w.lc.approve("c-br", operator="alice")

        report = await w.lc.monitor(live=True)

        [check] = report.positions
        assert check.action is not None and (check.action.kind, check.action.side) == ("close_side", "put")
        async with w.rt.db.read() as s:
            p = await position_repo.get_position(s, position_id("c-br"))
            steps = [t.to_state for t in await bot_repo.transitions(s, "spy-ic-01")][-5:]
        assert {leg.instrument.right for leg in p.legs} == {Right.CALL}
        assert steps == [BotState.SIGNAL_RECEIVED, BotState.RISK_CHECK, BotState.AWAITING_APPROVAL,
                         BotState.EXECUTING, BotState.MONITORING]
