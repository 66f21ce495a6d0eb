"""Paper twins of unselected candidates and the accounting invariants after a run of trading days:
NAV = cash + marks; positions = sum of fills; realized + unrealized = NAV change net of capital."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from lifecycle_world import FAST, iron_condor, open_world, put_spread, scan, short_put

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle.ids import position_id, twin_bot_id
from dorado_tui.market.calendar import CalendarKind, trading_days
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import positions as position_repo

S = BotState


def _invariants(report) -> None:
    for a in report.accounts:
        assert a.cash + a.marks_value == pytest.approx(a.nav, abs=1e-6), a.as_dict()
        assert a.position_gaps == (), a.as_dict()
        assert a.unexplained == pytest.approx(0.0, abs=1e-6), a.as_dict()


async def test_unselected_candidates_run_as_twins_and_every_account_balances(home, market, clock) -> None:
    settings = FAST.__class__(execution=FAST.execution, paper_cap=2)
    async with open_world(home, market, clock, settings=settings) as w:
        qqq, spy, tlt = await w.chain("QQQ", 30), await w.chain("SPY", 30), await w.chain("TLT", 30)
        live = put_spread("c-live", "qqq-pcs-01", qqq)
        paper = [iron_condor("c-ic", "spy-ic-01", spy, status=CandidateStatus.PAPER, score=0.9),
                 short_put("c-sp", "tlt-sp-01", tlt, status=CandidateStatus.PAPER, template="short_put"),
                 put_spread("c-low", "qqq-pcs-01", qqq, width=3.0, status=CandidateStatus.PAPER, score=0.1)]
        report = await w.lc.intake(await scan(w, live, *paper))
        await w.lc.approve("c-live", operator="alice")

        assert sorted(report.twinned) == sorted([position_id("c-ic", twin=True), position_id("c-sp", twin=True)])
        async with w.rt.db.read() as s:
            dropped = await candidate_repo.get_candidate(s, "c-low")
            twin_steps = [t.to_state for t in await bot_repo.transitions(s, twin_bot_id("c-ic"))]
            twins = await position_repo.positions(s, paper=True)
        assert dropped.status is CandidateStatus.DROPPED and "paper cap 2" in dropped.status_reason
        assert twin_steps == [S.SIGNAL_RECEIVED, S.RISK_CHECK, S.AWAITING_APPROVAL, S.EXECUTING, S.MONITORING]
        assert {p.position_id for p in twins} == {position_id("c-ic", twin=True), position_id("c-sp", twin=True)}
        _invariants(await w.lc.nav())

        start = clock.now()
        for day in trading_days(CalendarKind.XNYS, start.date() + timedelta(days=1), start.date() + timedelta(days=45)):
            clock.set(datetime.combine(day, start.timetz()))
            await w.lc.monitor(live=True)
            await w.lc.monitor(live=False)
            _invariants(await w.lc.nav())
            async with w.rt.db.read() as s:
                if await position_repo.count_open_positions(s) == 0:
                    break

        async with w.rt.db.read() as s:
            closed = await position_repo.trades(s, closed=True)
        assert len(closed) == 3
        for t in closed:
            assert t.reward == pytest.approx(max(-1.0, min(1.0, t.realized_pnl / t.max_loss)))
        assert {t.paper for t in closed} == {True, False}
        nav = await w.lc.nav()
        bots = {(r.key, r.paper): r for r in nav.by_bot}
        assert ("spy-ic-01", True) in bots and ("qqq-pcs-01", False) in bots
        assert sum(r.total for r in nav.by_bot if not r.paper) == pytest.approx(nav.accounts[0].pnl, abs=1e-6)
