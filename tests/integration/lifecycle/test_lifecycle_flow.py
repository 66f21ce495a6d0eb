"""Selected candidate → approval → execution → MONITORING, against the simulation venue."""

from __future__ import annotations

import pytest
from lifecycle_world import open_world, put_spread, scan

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle.ids import handle, position_id
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo


async def test_selected_candidate_is_approved_executed_and_monitored(home, market, clock) -> None:
    async with open_world(home, market, clock) as w:
        chain = await w.chain("QQQ", 35)
        c = put_spread("c-qqq-1", "qqq-pcs-01", chain)
        report = await w.lc.intake(await scan(w, c))
        assert report.awaiting == ["c-qqq-1"]
        listed = await w.lc.pending()
        assert [i.handle for i in listed.items] == [handle("c-qqq-1")]

        result = await w.lc.approve(handle("c-qqq-1"), tag="best_credit", operator="alice")

        pid = position_id("c-qqq-1")
        assert result.finished.bot_state is BotState.MONITORING, result.finished.as_dict()
        async with w.rt.db.read() as s:
            steps = [(t.from_state, t.to_state) for t in await bot_repo.transitions(s, "qqq-pcs-01")]
            position = await position_repo.get_position(s, pid)
            fills = await order_repo.fills(s)
            stored = await candidate_repo.get_candidate(s, "c-qqq-1")
            notes = await candidate_repo.list_annotations(s, "c-qqq-1")
        assert steps[-5:] == [(BotState.IDLE, BotState.SIGNAL_RECEIVED), (BotState.SIGNAL_RECEIVED, BotState.RISK_CHECK),
                              (BotState.RISK_CHECK, BotState.AWAITING_APPROVAL),
                              (BotState.AWAITING_APPROVAL, BotState.EXECUTING),
                              (BotState.EXECUTING, BotState.MONITORING)]
        assert stored is not None and stored.status is CandidateStatus.APPROVED
        assert [n.tag for n in notes] == ["best_credit"]
        assert position is not None and position.quantity == pytest.approx(1.0)
        venue_positions = {p.symbol: p.quantity for p in await w.venue.get_positions()}
        assert {leg.symbol: leg.quantity for leg in position.legs} == venue_positions
        assert sum(f.signed_quantity for f in fills) == pytest.approx(0.0)  # one short, one long put
