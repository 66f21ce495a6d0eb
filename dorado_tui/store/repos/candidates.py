"""Candidates with every gate verdict, their status changes, and the operator's annotations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import AssetClass
from dorado_tui.store.codec import (
    candidate_leg_from_json,
    candidate_leg_to_json,
    decision_fields,
    decision_from_fields,
)
from dorado_tui.store.database import user_of
from dorado_tui.store.errors import DuplicateKey, NotFound
from dorado_tui.store.tables import AnnotationRow, CandidateRow, CandidateVerdictRow
from dorado_tui.store.types import jsonable

#: Statuses that still wait for the operator (what `dorado status` counts as pending).
PENDING = (CandidateStatus.SELECTED,)


def _row(c: Candidate, user: str, at: datetime) -> CandidateRow:
    return CandidateRow(
        user_id=user, candidate_key=c.id, scan_id=c.scan_id, bot_key=c.bot_id, underlying=c.underlying,
        asset_class=c.asset_class.value, template=c.template, strategy_layer=c.strategy_layer,
        expiry=c.expiry, dte=c.dte, credit=c.credit, max_loss=c.max_loss, max_profit=c.max_profit,
        width=c.width, breakevens=jsonable(c.breakevens), pop=c.pop, quantity=c.quantity, entry=c.entry,
        stop=c.stop, target=c.target, direction=c.direction, data_quality=c.data_quality,
        spread_quality=c.spread_quality, score=c.score, rank=c.rank, confidence=c.confidence,
        variant=c.variant, status=c.status.value, status_reason=c.status_reason, delta=c.delta,
        gamma=c.gamma, vega=c.vega, theta=c.theta, flags=list(c.flags),
        legs=[candidate_leg_to_json(leg) for leg in c.legs], score_parts=jsonable(c.score_parts),
        created_at=at, updated_at=at)


async def save_candidates(session: AsyncSession, candidates: Sequence[Candidate], at: datetime) -> None:
    """Persist a scan's candidates, each with all its gate verdicts (in their order).

    A candidate id stored before raises DuplicateKey (the caller's transaction stays usable).
    """
    if not candidates:
        return
    user = user_of(session)
    rows = [_row(c, user, at) for c in candidates]
    try:
        async with session.begin_nested():
            session.add_all(rows)
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateKey("candidate", ", ".join(c.id for c in candidates)) from exc
    verdicts = [CandidateVerdictRow(user_id=user, candidate_id=row.id, position=i, **decision_fields(d))
                for row, c in zip(rows, candidates, strict=True) for i, d in enumerate(c.gates)]
    session.add_all(verdicts)
    await session.flush()


async def _verdicts(session: AsyncSession, ids: list[int]) -> dict[int, tuple[Decision, ...]]:
    if not ids:
        return {}
    v = CandidateVerdictRow
    rows = (await session.execute(select(v).where(v.candidate_id.in_(ids))
                                  .order_by(v.candidate_id, v.position))).scalars().all()
    out: dict[int, list[Decision]] = {}
    for r in rows:
        out.setdefault(r.candidate_id, []).append(
            decision_from_fields(r.check, r.passed, r.code, r.reason, r.figure, r.limit, r.details))
    return {k: tuple(v) for k, v in out.items()}


def _candidate(row: CandidateRow, gates: tuple[Decision, ...]) -> Candidate:
    return Candidate(
        id=row.candidate_key, scan_id=row.scan_id, bot_id=row.bot_key, underlying=row.underlying,
        asset_class=AssetClass(row.asset_class), template=row.template, strategy_layer=row.strategy_layer,
        legs=tuple(candidate_leg_from_json(doc) for doc in row.legs), expiry=row.expiry, dte=row.dte,
        credit=row.credit, max_loss=row.max_loss, max_profit=row.max_profit, width=row.width,
        breakevens=tuple(row.breakevens), pop=row.pop, quantity=row.quantity, entry=row.entry,
        stop=row.stop, target=row.target, direction=row.direction, data_quality=row.data_quality,
        spread_quality=row.spread_quality, score=row.score, rank=row.rank, confidence=row.confidence,
        variant=row.variant, flags=tuple(row.flags), gates=gates, score_parts=dict(row.score_parts),
        status=CandidateStatus(row.status), status_reason=row.status_reason, delta=row.delta,
        gamma=row.gamma, vega=row.vega, theta=row.theta)


async def get_candidate(session: AsyncSession, candidate_id: str) -> Candidate | None:
    """One candidate with its verdicts, or None."""
    found = await list_candidates(session, ids=[candidate_id])
    return found[0] if found else None


async def list_candidates(session: AsyncSession, *, status: CandidateStatus | None = None,
                          scan_id: str | None = None, bot_id: str | None = None,
                          ids: Sequence[str] | None = None, limit: int = 500) -> list[Candidate]:
    """Candidates matching every filter given, best rank first (then score, newest scan)."""
    t = CandidateRow
    query = select(t).where(t.user_id == user_of(session))
    if status is not None:
        query = query.where(t.status == status.value)
    if scan_id is not None:
        query = query.where(t.scan_id == scan_id)
    if bot_id is not None:
        query = query.where(t.bot_key == bot_id)
    if ids is not None:
        query = query.where(t.candidate_key.in_(list(ids)))
    query = query.order_by(t.created_at.desc(), t.rank, t.score.desc(), t.id).limit(limit)
    rows = (await session.execute(query)).scalars().all()
    gates = await _verdicts(session, [r.id for r in rows if r.id is not None])
    return [_candidate(r, gates.get(r.id or 0, ())) for r in rows]


async def set_candidate_status(session: AsyncSession, candidate_id: str, status: CandidateStatus,
                               reason: str, at: datetime) -> None:
    """Change a candidate's status with the reason (NotFound when unknown)."""
    result = await session.execute(
        update(CandidateRow).where(CandidateRow.user_id == user_of(session),
                                   CandidateRow.candidate_key == candidate_id)
        .values(status=status.value, status_reason=reason, updated_at=at))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("candidate", candidate_id)


async def count_candidates(session: AsyncSession, statuses: Sequence[CandidateStatus] = PENDING) -> int:
    t = CandidateRow
    query = select(func.count()).select_from(t).where(t.user_id == user_of(session),
                                                      t.status.in_([s.value for s in statuses]))
    return int((await session.execute(query)).scalar_one())


@dataclass(frozen=True, slots=True)
class Annotation:
    """The operator's tag (and note) on a candidate."""

    candidate_id: str
    tag: str
    note: str
    author: str
    at: datetime


async def annotate(session: AsyncSession, candidate_id: str, tag: str, at: datetime, note: str = "",
                   author: str = "operator") -> None:
    """Store an annotation tag on a candidate (the candidate must exist)."""
    exists = (await session.execute(select(CandidateRow.id).where(
        CandidateRow.user_id == user_of(session), CandidateRow.candidate_key == candidate_id))).first()
    if exists is None:
        raise NotFound("candidate", candidate_id)
    session.add(AnnotationRow(user_id=user_of(session), candidate_key=candidate_id, tag=str(tag),
                              note=note, author=author, at=at))
    await session.flush()


async def list_annotations(session: AsyncSession, candidate_id: str | None = None) -> list[Annotation]:
    """Annotations (of one candidate when given), oldest first."""
    t = AnnotationRow
    query = select(t).where(t.user_id == user_of(session))
    if candidate_id is not None:
        query = query.where(t.candidate_key == candidate_id)
    rows = (await session.execute(query.order_by(t.at, t.id))).scalars().all()
    return [Annotation(r.candidate_key, r.tag, r.note, r.author, r.at) for r in rows]
