"""Candidates: every field and gate verdict survives the store; duplicates, statuses, annotations."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from store_builders import candidate

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.decisions import Decision
from dorado_tui.store.database import Database
from dorado_tui.store.errors import DuplicateKey, NotFound
from dorado_tui.store.repos import candidates


async def test_candidate_round_trips_with_economics_legs_and_verdicts_in_order(
        db: Database, clock: FixedClock) -> None:
    original = candidate()

    async with db.transaction() as tx:
        await candidates.save_candidates(tx, [original], clock.now())
    async with db.read() as session:
        loaded = await candidates.get_candidate(session, "cand-1")

    assert loaded == original
    assert [g.check for g in loaded.gates] == ["gate.regime", "gate.volatility.iv_rank", "gate.technicals.adx"]
    assert loaded.gates[2] == Decision("gate.technicals.adx", False, "ADX_HIGH", "ADX 27 above 25: trending",
                                       27.0, 25.0, {"window": 14})


async def test_nan_figure_is_stored_as_null_and_read_back_as_none(db: Database, clock: FixedClock) -> None:
    gate = Decision.deny("gate.chain", "NO_GREEKS", "venue sent no Greeks", float("nan"), None)
    async with db.transaction() as tx:
        await candidates.save_candidates(tx, [replace(candidate(), gates=(gate,))], clock.now())

    async with db.read() as session:
        loaded = await candidates.get_candidate(session, "cand-1")

    assert loaded is not None and loaded.gates[0].figure is None
    assert not math.isnan(loaded.credit)


async def test_saving_a_candidate_twice_is_a_duplicate_and_the_transaction_goes_on(
        db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await candidates.save_candidates(tx, [candidate("a")], clock.now())

    async with db.transaction() as tx:
        with pytest.raises(DuplicateKey, match="candidate 'a' exists already"):
            await candidates.save_candidates(tx, [candidate("a")], clock.now())
        await candidates.save_candidates(tx, [candidate("b")], clock.now())
    async with db.read() as session:
        stored = await candidates.list_candidates(session)

    assert sorted(c.id for c in stored) == ["a", "b"]
    assert len(stored[0].gates) == 3


async def test_list_filters_by_status_and_orders_by_rank(db: Database, clock: FixedClock) -> None:
    batch = [candidate("c3", rank=3, score=0.5), candidate("c1", rank=1, score=0.9),
             candidate("p", rank=2, status=CandidateStatus.PAPER)]
    async with db.transaction() as tx:
        await candidates.save_candidates(tx, batch, clock.now())

    async with db.read() as session:
        selected = await candidates.list_candidates(session, status=CandidateStatus.SELECTED)
        pending = await candidates.count_candidates(session)

    assert [c.id for c in selected] == ["c1", "c3"]
    assert pending == 2


async def test_status_change_keeps_the_reason(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await candidates.save_candidates(tx, [candidate()], clock.now())
        await candidates.set_candidate_status(tx, "cand-1", CandidateStatus.REJECTED, "operator: too close to CPI",
                                              clock.now())

    async with db.read() as session:
        loaded = await candidates.get_candidate(session, "cand-1")
        pending = await candidates.count_candidates(session)

    assert loaded is not None
    assert (loaded.status, loaded.status_reason) == (CandidateStatus.REJECTED, "operator: too close to CPI")
    assert pending == 0


async def test_status_of_an_unknown_candidate_is_not_found(db: Database, clock: FixedClock) -> None:
    with pytest.raises(NotFound, match="no candidate 'nope' in the store"):
        async with db.transaction() as tx:
            await candidates.set_candidate_status(tx, "nope", CandidateStatus.APPROVED, "", clock.now())


async def test_annotations_are_kept_per_candidate(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await candidates.save_candidates(tx, [candidate()], clock.now())
        await candidates.annotate(tx, "cand-1", "best_credit", clock.now(), note="rich call side")
        await candidates.annotate(tx, "cand-1", "sr_alignment", clock.now())

    async with db.read() as session:
        notes = await candidates.list_annotations(session, "cand-1")

    assert [(a.tag, a.note) for a in notes] == [("best_credit", "rich call side"), ("sr_alignment", "")]
    with pytest.raises(NotFound):
        async with db.transaction() as tx:
            await candidates.annotate(tx, "ghost", "gut_feel", clock.now())
