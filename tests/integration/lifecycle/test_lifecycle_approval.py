"""Approval: reject, timeout, refusal by the trading state, operator handles, auto-execute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lifecycle_world import open_world, put_spread, scan, write_bot

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.errors import BadInput, RefusedByTradingState
from dorado_tui.domain.states import BotState, TradingState
from dorado_tui.engine.lifecycle.ids import handle, position_id
from dorado_tui.risk.trading_state import GLOBAL
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos import risk as risk_repo

S = BotState


async def _state(w, bot: str) -> BotState:
    async with w.rt.db.read() as s:
        return (await bot_repo.get_bot(s, bot)).state


async def test_reject_cancels_to_idle_and_runs_the_candidate_as_a_paper_twin(home, market, clock) -> None:
    async with open_world(home, market, clock) as w:
        await w.lc.intake(await scan(w, put_spread("c-r", "qqq-pcs-01", await w.chain("QQQ", 30))))

        with pytest.raises(BadInput, match="a rejection needs a reason"):
            await w.lc.reject("c-r", "  ", operator="bob")
        await w.lc.reject(handle("c-r"), "earnings next week", operator="bob")

        async with w.rt.db.read() as s:
            c = await candidate_repo.get_candidate(s, "c-r")
            steps = [(t.to_state, t.reason) for t in await bot_repo.transitions(s, "qqq-pcs-01")][-2:]
            twin = await position_repo.get_position(s, position_id("c-r", twin=True))
        assert c.status is CandidateStatus.REJECTED and c.status_reason == "rejected by bob: earnings next week"
        assert steps == [(S.CANCELLED, "rejected by bob: earnings next week"),
                         (S.IDLE, "rejected by bob: earnings next week")]
        assert twin is not None and twin.paper
        with pytest.raises(BadInput, match="is rejected, not pending"):
            await w.lc.approve("c-r", operator="bob")


async def test_approval_times_out_after_the_bots_timeout(home, market, clock) -> None:
    write_bot(home, "qqq-fast-t", "QQQ", "put_credit_spread", "L2_credit_spreads", timeout_hours=1.0)
    async with open_world(home, market, clock) as w:
        await w.lc.intake(await scan(w, put_spread("c-t", "qqq-fast-t", await w.chain("QQQ", 30))))
        assert await w.lc.expire_approvals(clock.now() + timedelta(minutes=59)) == []

        expired = await w.lc.expire_approvals(clock.now() + timedelta(hours=1))

        assert expired == ["c-t"]
        assert await _state(w, "qqq-fast-t") is S.IDLE
        async with w.rt.db.read() as s:
            c = await candidate_repo.get_candidate(s, "c-t")
        assert (c.status, c.status_reason) == (CandidateStatus.EXPIRED, "approval timed out after 1 h")


async def test_a_halt_refuses_the_approval_and_leaves_the_candidate_pending(home, market, clock) -> None:
    async with open_world(home, market, clock) as w:
        await w.lc.intake(await scan(w, put_spread("c-h", "qqq-pcs-01", await w.chain("QQQ", 30))))
        async with w.rt.db.transaction() as tx:
            await risk_repo.set_trading_state(tx, TradingState.HALTED, scope=GLOBAL, reason="kill", set_by="ops",
                                              at=clock.now(), latched=True)

        with pytest.raises(RefusedByTradingState, match="refused") as err:
            await w.lc.approve("c-h", operator="alice")

        assert err.value.exit_code == 3
        assert await _state(w, "qqq-pcs-01") is S.AWAITING_APPROVAL
        async with w.rt.db.read() as s:
            assert (await candidate_repo.get_candidate(s, "c-h")).status is CandidateStatus.SELECTED
            assert await order_repo.list_intents(s) == []


async def test_handles_must_be_unambiguous_and_tags_known(home, market, clock) -> None:
    async with open_world(home, market, clock) as w:
        await w.lc.intake(await scan(w, put_spread("c-a", "qqq-pcs-01", await w.chain("QQQ", 30))))
        with pytest.raises(BadInput, match="at least 4 characters"):
            await w.lc.approve("ab", operator="alice")
        with pytest.raises(BadInput, match="no pending candidate"):
            await w.lc.approve("ffff", operator="alice")
        with pytest.raises(BadInput, match="unknown tag 'hunch': use one of best_credit"):
            await w.lc.approve("c-a", tag="hunch", operator="alice")
        assert await _state(w, "qqq-pcs-01") is S.AWAITING_APPROVAL


async def test_auto_execute_bots_skip_the_human(home, market, clock) -> None:
    write_bot(home, "qqq-auto-t", "QQQ", "put_credit_spread", "L2_credit_spreads", approval="auto_execute")
    async with open_world(home, market, clock) as w:
        report = await w.lc.intake(await scan(w, put_spread("c-auto", "qqq-auto-t", await w.chain("QQQ", 30))))

        assert [e["bot_state"] for e in report.executed] == ["MONITORING"]
        async with w.rt.db.read() as s:
            actors = [t.actor for t in await bot_repo.transitions(s, "qqq-auto-t")]
        assert actors[-2:] == ["auto_execute", "auto_execute"]


async def test_a_busy_bot_sends_its_next_selected_candidate_to_paper(home, market, clock) -> None:
    async with open_world(home, market, clock) as w:
        chain = await w.chain("QQQ", 30)
        await w.lc.intake(await scan(w, put_spread("c-1", "qqq-pcs-01", chain)))
        report = await w.lc.intake(await scan(w, put_spread("c-2", "qqq-pcs-01", chain, width=3.0)))

        assert report.skipped == [("c-2", "bot qqq-pcs-01 is busy (AWAITING_APPROVAL)")]
        assert report.twinned == [position_id("c-2", twin=True)]
        again = await w.lc.intake(await scan(w, put_spread("c-1x", "qqq-pcs-01", chain)))
        assert again.awaiting == []
