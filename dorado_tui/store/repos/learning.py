"""Bandit state (per-arm LinUCB A matrix, b vector, count) and the bandits' decision log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.errors import BadInput
from dorado_tui.store.database import user_of
from dorado_tui.store.errors import NotFound
from dorado_tui.store.repos._sql import upsert
from dorado_tui.store.tables import BanditDecisionRow, BanditStateRow
from dorado_tui.store.types import jsonable


@dataclass(frozen=True)
class BanditArm:
    """One arm's learned state: A (d x d), b (d), observations, and the bandit's parameters."""

    arm: str
    a_matrix: np.ndarray
    b_vector: np.ndarray
    n_obs: int
    params: Mapping[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


async def save_bandit_arm(session: AsyncSession, bandit: str, arm: BanditArm, at: datetime) -> None:
    """Store (replace) an arm's state; A must be square and match b's length, all finite."""
    a = np.asarray(arm.a_matrix, dtype=np.float64)
    b = np.asarray(arm.b_vector, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or b.shape != (a.shape[0],):
        raise BadInput(f"bandit {bandit}/{arm.arm}: A is {a.shape}, b is {b.shape}; need (d, d) and (d,)")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise BadInput(f"bandit {bandit}/{arm.arm}: A or b holds NaN/inf")
    stmt = upsert(session, BanditStateRow.__table__, ["user_id", "bandit", "arm"],
                  ["a_matrix", "b_vector", "n_obs", "params", "updated_at"])
    await session.execute(stmt.values(user_id=user_of(session), bandit=bandit, arm=arm.arm, a_matrix=a.tolist(),
                                      b_vector=b.tolist(), n_obs=arm.n_obs, params=jsonable(dict(arm.params)),
                                      updated_at=at))


async def load_bandit(session: AsyncSession, bandit: str) -> dict[str, BanditArm]:
    """Every arm of a bandit, by arm name."""
    t = BanditStateRow
    rows = (await session.execute(select(t).where(t.user_id == user_of(session), t.bandit == bandit)
                                  .order_by(t.arm))).scalars().all()
    return {r.arm: BanditArm(r.arm, np.asarray(r.a_matrix, dtype=np.float64),
                             np.asarray(r.b_vector, dtype=np.float64), r.n_obs, dict(r.params), r.updated_at)
            for r in rows}


@dataclass(frozen=True, slots=True)
class BanditDecision:
    """One scoring decision of a bandit and, once known, its reward."""

    decision_id: int
    bandit: str
    scan_id: str
    chosen: str
    context: Mapping[str, Any]
    scores: Mapping[str, float]
    at: datetime
    reward: float | None = None
    resolved_at: datetime | None = None


async def record_bandit_decision(session: AsyncSession, bandit: str, *, scan_id: str, chosen: str,
                                 context: Mapping[str, Any], scores: Mapping[str, float], at: datetime) -> int:
    """Log a decision; returns its id (to attach the reward later)."""
    row = BanditDecisionRow(user_id=user_of(session), bandit=bandit, scan_id=scan_id, chosen=chosen,
                            context=jsonable(dict(context)), scores=jsonable(dict(scores)), at=at)
    session.add(row)
    await session.flush()
    return int(row.id or 0)


async def resolve_bandit_decision(session: AsyncSession, decision_id: int, reward: float, at: datetime) -> None:
    """Attach the observed reward to a logged decision."""
    t = BanditDecisionRow
    result = await session.execute(update(t).where(t.user_id == user_of(session), t.id == decision_id)
                                   .values(reward=reward, resolved_at=at))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("bandit decision", str(decision_id))


async def bandit_decisions(session: AsyncSession, bandit: str, *, unresolved_only: bool = False,
                           limit: int = 1000) -> list[BanditDecision]:
    """A bandit's decisions, oldest first (only those still waiting for a reward when asked)."""
    t = BanditDecisionRow
    query = select(t).where(t.user_id == user_of(session), t.bandit == bandit)
    if unresolved_only:
        query = query.where(t.reward.is_(None))
    rows = (await session.execute(query.order_by(t.at, t.id).limit(limit))).scalars().all()
    return [BanditDecision(r.id or 0, r.bandit, r.scan_id, r.chosen, dict(r.context), dict(r.scores), r.at,
                           r.reward, r.resolved_at) for r in rows]
