"""Regime history: every published RegimeState kept; readers take the newest per model."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.store.database import user_of
from dorado_tui.store.tables import RegimeRow
from dorado_tui.store.types import jsonable


async def record_regime(session: AsyncSession, state: RegimeState) -> None:
    """Store one classification."""
    session.add(RegimeRow(
        user_id=user_of(session), model=state.model.value, asof=state.asof, regime=state.regime,
        confidence=state.confidence, probabilities=jsonable(state.probabilities), trend=jsonable(state.trend_3d),
        drivers=jsonable(state.drivers), extra=jsonable(state.extra), transition_alert=state.transition_alert,
        horizon_seconds=state.horizon.total_seconds(), model_version=state.model_version,
        computed_at=state.computed_at))
    await session.flush()


def _state(r: RegimeRow) -> RegimeState:
    return RegimeState(model=RegimeModel(r.model), asof=r.asof, regime=r.regime, confidence=r.confidence,
                       probabilities=dict(r.probabilities), computed_at=r.computed_at,
                       horizon=timedelta(seconds=r.horizon_seconds), transition_alert=r.transition_alert,
                       trend_3d=dict(r.trend), drivers=dict(r.drivers), model_version=r.model_version,
                       extra=dict(r.extra))


async def latest_regime(session: AsyncSession, model: RegimeModel) -> RegimeState | None:
    """The newest classification of a model (latest as-of date, then latest computation)."""
    t = RegimeRow
    row = (await session.execute(select(t).where(t.user_id == user_of(session), t.model == model.value)
                                 .order_by(t.asof.desc(), t.computed_at.desc(), t.id.desc()).limit(1))
           ).scalar_one_or_none()
    return None if row is None else _state(row)


async def regime_history(session: AsyncSession, model: RegimeModel, start: date | None = None,
                         end: date | None = None) -> list[RegimeState]:
    """One classification per as-of date (the last computed that day), oldest first."""
    t = RegimeRow
    query = select(t).where(t.user_id == user_of(session), t.model == model.value)
    if start is not None:
        query = query.where(t.asof >= start)
    if end is not None:
        query = query.where(t.asof <= end)
    rows = (await session.execute(query.order_by(t.asof, t.computed_at, t.id))).scalars().all()
    newest: dict[date, RegimeRow] = {}
    for r in rows:
        newest[r.asof] = r
    return [_state(r) for r in newest.values()]
