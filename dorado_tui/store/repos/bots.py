"""Bots, universes and signals: register configs (versioned), record state transitions (audited)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.states import BotState, check_transition
from dorado_tui.store.database import user_of
from dorado_tui.store.errors import NotFound, StaleState
from dorado_tui.store.repos import audit
from dorado_tui.store.repos._sql import insert_new, upsert
from dorado_tui.store.tables import BotConfigRow, BotRow, BotTransitionRow, SignalRow, UniverseRow
from dorado_tui.store.types import canonical_json, jsonable

BOTS = BotRow.__table__  # type: ignore[attr-defined]
TRANSITIONS = BotTransitionRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class BotRecord:
    """A registered bot and its current state."""

    bot_id: str
    state: BotState
    config_version: int
    universe: str
    underlying: str
    template: str
    strategy_layer: str
    mode: str
    enabled: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Transition:
    """One persisted state-machine step."""

    bot_id: str
    from_state: BotState
    to_state: BotState
    event: str
    reason: str
    actor: str
    at: datetime
    candidate_id: str | None = None


def _record(row: BotRow) -> BotRecord:
    return BotRecord(row.bot_key, BotState(row.state), row.config_version, row.universe, row.underlying,
                     row.template, row.strategy_layer, row.mode, row.enabled, row.updated_at)


async def _row(session: AsyncSession, bot_id: str) -> BotRow:
    query = select(BotRow).where(BotRow.user_id == user_of(session), BotRow.bot_key == bot_id)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise NotFound("bot", bot_id)
    return row


async def upsert_universe(session: AsyncSession, name: str, asset_class: str,
                          payload: Mapping[str, Any], at: datetime) -> None:
    """Store a universe definition as last loaded from config."""
    stmt = upsert(session, UniverseRow.__table__, ["user_id", "name"], ["asset_class", "payload", "updated_at"])
    await session.execute(stmt.values(user_id=user_of(session), name=name, asset_class=asset_class,
                                      payload=jsonable(dict(payload)), updated_at=at))


async def sync_bot(session: AsyncSession, bot_id: str, payload: Mapping[str, Any], *, at: datetime,
                   universe: str = "", underlying: str = "", template: str = "", strategy_layer: str = "",
                   mode: str = "paper", enabled: bool = True, source: str = "") -> BotRecord:
    """Register a bot or refresh it from its config; a changed payload becomes a new config
    version (audited). A new bot starts IDLE; an existing bot keeps its state."""
    user = user_of(session)
    doc = jsonable(dict(payload))
    digest = hashlib.sha256(canonical_json(doc).encode()).hexdigest()
    query = select(BotRow).where(BotRow.user_id == user, BotRow.bot_key == bot_id).with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        await insert_new(session, BotRow(user_id=user, bot_key=bot_id, updated_at=at), ["user_id", "bot_key"],
                         "bot", bot_id)
        row = (await session.execute(query)).scalar_one()
    row.universe, row.underlying, row.template = universe, underlying, template
    row.strategy_layer, row.mode, row.enabled, row.updated_at = strategy_layer, mode, enabled, at
    latest = (await session.execute(select(BotConfigRow.digest).where(BotConfigRow.bot_id == row.id)
                                    .order_by(BotConfigRow.version.desc()).limit(1))).scalar_one_or_none()
    if latest != digest:
        row.config_version += 1
        session.add(BotConfigRow(user_id=user, bot_id=row.id, version=row.config_version, digest=digest,
                                 payload=doc, source=source, created_at=at))
        await audit.append(session, actor="config", action="bot.config", subject=bot_id, at=at,
                           payload={"version": row.config_version, "digest": digest, "source": source})
    await session.flush()
    return _record(row)


async def get_bot(session: AsyncSession, bot_id: str) -> BotRecord | None:
    """One bot, or None when it was never registered."""
    try:
        return _record(await _row(session, bot_id))
    except NotFound:
        return None


async def list_bots(session: AsyncSession) -> list[BotRecord]:
    """Every registered bot, by id."""
    rows = (await session.execute(select(BotRow).where(BotRow.user_id == user_of(session))
                                  .order_by(BotRow.bot_key))).scalars().all()
    return [_record(r) for r in rows]


async def bot_config(session: AsyncSession, bot_id: str, version: int | None = None) -> dict[str, Any]:
    """A bot's configuration payload (the newest, or a given version)."""
    row = await _row(session, bot_id)
    query = select(BotConfigRow.payload).where(BotConfigRow.bot_id == row.id)
    query = query.where(BotConfigRow.version == version) if version is not None else \
        query.order_by(BotConfigRow.version.desc()).limit(1)
    payload = (await session.execute(query)).scalar_one_or_none()
    if payload is None:
        raise NotFound("bot config", f"{bot_id} v{version}")
    return dict(payload)


async def record_transition(session: AsyncSession, bot_id: str, to_state: BotState, *, at: datetime,
                            reason: str = "", actor: str = "engine", candidate_id: str | None = None,
                            expected_from: BotState | None = None) -> Transition:
    """Move a bot to `to_state`: legality checked against the state machine, the stored state
    compared with `expected_from` (StaleState when another process moved it first), the step and
    its audit entry written in the caller's transaction. Raises IllegalTransition, NotFound."""
    user = user_of(session)
    found = (await session.execute(select(BOTS.c.id, BOTS.c.state).where(
        BOTS.c.user_id == user, BOTS.c.bot_key == bot_id).with_for_update())).one_or_none()
    if found is None:
        raise NotFound("bot", bot_id)
    current = BotState(found.state)
    if expected_from is not None and current is not expected_from:
        raise StaleState(f"bot {bot_id} is {current.value}, not {expected_from.value} as expected")
    event = check_transition(current, to_state)
    await session.execute(BOTS.update().where(BOTS.c.id == found.id).values(state=to_state.value, updated_at=at))
    await session.execute(TRANSITIONS.insert().values(
        user_id=user, bot_id=found.id, from_state=current.value, to_state=to_state.value, event=event,
        reason=reason, candidate_key=candidate_id, actor=actor, at=at))
    await audit.append(session, actor=actor, action="bot.transition", subject=bot_id, at=at,
                       payload={"from": current.value, "to": to_state.value, "event": event,
                                "reason": reason, "candidate": candidate_id})
    return Transition(bot_id, current, to_state, event, reason, actor, at, candidate_id)


async def transitions(session: AsyncSession, bot_id: str, limit: int = 100) -> list[Transition]:
    """A bot's most recent transitions, oldest first."""
    row = await _row(session, bot_id)
    t = BotTransitionRow
    rows = (await session.execute(select(t).where(t.bot_id == row.id).order_by(t.at.desc(), t.id.desc())
                                  .limit(limit))).scalars().all()
    return [Transition(bot_id, BotState(r.from_state), BotState(r.to_state), r.event, r.reason, r.actor,
                       r.at, r.candidate_key) for r in reversed(rows)]


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """A signal received and what was done with it."""

    signal_id: str
    source: str
    kind: str
    received_at: datetime
    bot_id: str | None = None
    underlying: str = ""
    payload: Mapping[str, Any] | None = None
    research_context: Mapping[str, Any] | None = None
    action: str = ""
    action_reason: str = ""


async def record_signal(session: AsyncSession, signal: SignalRecord) -> None:
    """Store a signal (its id must be new: DuplicateKey otherwise)."""
    row = SignalRow(user_id=user_of(session), signal_key=signal.signal_id, bot_key=signal.bot_id,
                    source=signal.source, kind=signal.kind, underlying=signal.underlying,
                    payload=jsonable(dict(signal.payload or {})),
                    research_context=jsonable(dict(signal.research_context or {})),
                    action=signal.action, action_reason=signal.action_reason, received_at=signal.received_at)
    await insert_new(session, row, ["user_id", "signal_key"], "signal", signal.signal_id)


async def set_signal_action(session: AsyncSession, signal_id: str, action: str, reason: str = "") -> None:
    """Record what was done with a signal."""
    result = await session.execute(update(SignalRow).where(SignalRow.user_id == user_of(session),
                                                           SignalRow.signal_key == signal_id)
                                   .values(action=action, action_reason=reason))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("signal", signal_id)


async def signals(session: AsyncSession, bot_id: str | None = None, limit: int = 100) -> list[SignalRecord]:
    """The newest signals (of one bot when given), newest first."""
    query = select(SignalRow).where(SignalRow.user_id == user_of(session))
    if bot_id is not None:
        query = query.where(SignalRow.bot_key == bot_id)
    rows = (await session.execute(query.order_by(SignalRow.received_at.desc()).limit(limit))).scalars().all()
    return [SignalRecord(r.signal_key, r.source, r.kind, r.received_at, r.bot_key, r.underlying, r.payload,
                         r.research_context, r.action, r.action_reason) for r in rows]


async def count_bots(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(BotRow)
                                      .where(BotRow.user_id == user_of(session)))).scalar_one())
