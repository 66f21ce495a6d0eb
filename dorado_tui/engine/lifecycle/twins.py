"""Paper twins (PRD §3.3): every candidate not traded live runs the same state machine on the
twin simulation account, so every candidate gets an outcome (reward = realized P&L / max loss,
clipped to [−1, 1], stored on its trade when the twin closes).

A twin is its own bot row (`twin-<hash>`, mode `twin`) walking IDLE → SIGNAL_RECEIVED →
RISK_CHECK → AWAITING_APPROVAL → EXECUTING without a human (the live verdicts are recorded, not
enforced: the point is to learn what the skipped trade would have made), then trading like any
position, monitored on the paper cadence. At most `paper_cap` twins are open at once; beyond
that the lowest-scored candidates are dropped first (PRD: least informative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle import book, machine
from dorado_tui.engine.lifecycle.approval import order_legs
from dorado_tui.engine.lifecycle.execution import Episode
from dorado_tui.engine.lifecycle.finalize import Finished
from dorado_tui.engine.lifecycle.ids import Purpose, position_id, twin_bot_id
from dorado_tui.engine.lifecycle.pricing import Unpriceable
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import positions as position_repo

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle

S = BotState


async def _room(lc: Lifecycle, candidates: Sequence[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    """(twins to start, candidates dropped by the cap), highest scores kept."""
    async with lc.db.read() as s:
        running = await position_repo.count_open_positions(s, paper=True)
        fresh = [c for c in candidates if await position_repo.get_position(s, position_id(c.id, twin=True)) is None]
    ranked = sorted(dict((c.id, c) for c in fresh).values(), key=lambda c: -c.score)
    room = max(lc.settings.paper_cap - running, 0)
    return ranked[:room], ranked[room:]


async def start_twins(lc: Lifecycle, candidates: Sequence[Candidate], reason: str) -> list[Finished]:
    """Start a twin for each candidate (idempotent: an existing twin is left alone)."""
    keep, dropped = await _room(lc, candidates)
    if dropped:
        async with lc.db.transaction() as tx:
            for c in dropped:
                await candidate_repo.set_candidate_status(
                    tx, c.id, CandidateStatus.DROPPED,
                    f"paper cap {lc.settings.paper_cap} reached: lowest scores are not papered", lc.clock.now())
    done = []
    for c in keep:
        finished = await start_twin(lc, c, reason)
        if finished is not None:
            done.append(finished)
    return done


async def start_twin(lc: Lifecycle, c: Candidate, reason: str) -> Finished | None:
    """One twin: its bot through the machine to EXECUTING, then the order on the twin account."""
    pid, bot_id = position_id(c.id, twin=True), twin_bot_id(c.id)
    quantity = c.quantity if c.quantity > 0 else 1.0
    ep = Episode(pid, Purpose.OPEN, 1, order_legs(c), quantity, bot_id, c.id, c.strategy_layer or None, twin=True)
    ex = lc.executor(lc.twin_venue, twin=True)
    try:
        price, net = await ex.price(ep, lc.twin_venue, 1)
    except Unpriceable as exc:
        async with lc.db.transaction() as tx:
            await candidate_repo.set_candidate_status(tx, c.id, c.status, f"{c.status_reason}; paper twin not "
                                                      f"started: {exc}".lstrip("; "), lc.clock.now())
        return None
    parent = lc.bot(c.bot_id)
    now = lc.clock.now()
    async with lc.hold(pid):
        async with lc.db.transaction() as tx:
            if await position_repo.get_position(tx, pid) is not None:
                return None
            await machine.sync_twin_bot(tx, bot_id, parent, {"candidate": c.id, "template": c.template},
                                        underlying=c.underlying, template=c.template,
                                        layer=c.strategy_layer, at=now)
            why = f"paper twin of {c.bot_id}: {c.status_reason or reason}"
            await machine.move(tx, bot_id, S.SIGNAL_RECEIVED, S.RISK_CHECK, S.AWAITING_APPROVAL, S.EXECUTING,
                               at=now, reason=why, actor="paper-twin", candidate_id=c.id, expected_from=S.IDLE)
            await book.create(tx, pid, replace(c, quantity=quantity), paper=True, bot_id=bot_id, at=now,
                              planned_net=price.mid)
            order = await ex.record_step(tx, ep, 1, quantity, net)
        return await lc.run(ep, order=order, actor="paper-twin")
