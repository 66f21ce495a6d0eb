"""Risk events (persisted Decisions) and trading states per scope, stored and audited.

Scopes are the risk radar's strings: "global", "layer:<name>", "bot:<id>", "underlying:<sym>";
they are kept as kind + key columns so SQL can filter by either. What a latch means and who may
clear it is the risk radar's rule; the store keeps the flag, the reason, who set it and when, and
writes every change to the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import TradingState
from dorado_tui.store.codec import decision_fields, decision_from_fields
from dorado_tui.store.database import user_of
from dorado_tui.store.repos import audit
from dorado_tui.store.repos._sql import upsert
from dorado_tui.store.tables import RiskEventRow, TradingStateRow
from dorado_tui.store.types import jsonable

GLOBAL = "global"


def split_scope(scope: str) -> tuple[str, str]:
    """'layer:L2' -> ('layer', 'L2'); 'global' -> ('global', '')."""
    kind, _, key = scope.partition(":")
    return kind, key


def join_scope(kind: str, key: str) -> str:
    return f"{kind}:{key}" if key else kind


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A stored risk decision with its scope and time."""

    decision: Decision
    at: datetime
    scope: str = GLOBAL
    kind: str = "check"
    candidate_id: str | None = None


async def record_risk_events(session: AsyncSession, decisions: Iterable[Decision], *, at: datetime,
                             scope: str = GLOBAL, kind: str = "check", candidate_id: str | None = None) -> int:
    """Persist decisions (check results, breaker trips, kills) under one scope; returns how many."""
    scope_kind, scope_key = split_scope(scope)
    user = user_of(session)
    rows = [RiskEventRow(user_id=user, kind=kind, scope=scope_kind, scope_key=scope_key,
                         candidate_key=candidate_id, at=at, **decision_fields(d)) for d in decisions]
    session.add_all(rows)
    await session.flush()
    return len(rows)


async def risk_events(session: AsyncSession, *, since: datetime | None = None, scope: str | None = None,
                      kind: str | None = None, failed_only: bool = False, limit: int = 500) -> list[RiskEvent]:
    """Risk events, newest first, filtered by what is given."""
    t = RiskEventRow
    query = select(t).where(t.user_id == user_of(session))
    if since is not None:
        query = query.where(t.at >= since)
    if scope is not None:
        scope_kind, scope_key = split_scope(scope)
        query = query.where(t.scope == scope_kind, t.scope_key == scope_key)
    if kind is not None:
        query = query.where(t.kind == kind)
    if failed_only:
        query = query.where(t.passed.is_(False))
    rows = (await session.execute(query.order_by(t.at.desc(), t.id.desc()).limit(limit))).scalars().all()
    return [RiskEvent(decision_from_fields(r.check, r.passed, r.code, r.reason, r.figure, r.limit, r.details),
                      r.at, join_scope(r.scope, r.scope_key), r.kind, r.candidate_key) for r in rows]


@dataclass(frozen=True, slots=True)
class TradingStateRecord:
    """The stored trading state of one scope. A scope never set reads as ACTIVE, unlatched."""

    scope: str
    state: TradingState
    reason: str = ""
    latched: bool = False
    set_by: str = ""
    at: datetime | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def _state(row: TradingStateRow) -> TradingStateRecord:
    return TradingStateRecord(join_scope(row.scope, row.scope_key), TradingState(row.state), row.reason,
                              row.latched, row.set_by, row.at, dict(row.details))


async def trading_states(session: AsyncSession, scopes: Sequence[str] | None = None,
                         lock: bool = False) -> dict[str, TradingStateRecord]:
    """Stored states by scope (all, or those of `scopes`; unset ones read ACTIVE).

    `lock=True` holds the rows for the rest of the transaction (PostgreSQL: FOR SHARE), so an
    order intent recorded in it cannot interleave with a concurrent halt.
    """
    t = TradingStateRow
    query = select(t).where(t.user_id == user_of(session))
    if lock:
        query = query.with_for_update(read=True)
    found = {join_scope(r.scope, r.scope_key): _state(r) for r in (await session.execute(query)).scalars()}
    if scopes is None:
        return found
    return {s: found.get(s, TradingStateRecord(s, TradingState.ACTIVE)) for s in scopes}


async def get_trading_state(session: AsyncSession, scope: str = GLOBAL, lock: bool = False) -> TradingStateRecord:
    """The stored state of one scope (ACTIVE when never set)."""
    return (await trading_states(session, [scope], lock=lock))[scope]


async def effective_trading_state(session: AsyncSession, scopes: Sequence[str], lock: bool = False) -> TradingState:
    """The most restrictive state among `scopes` (e.g. global, the bot's layer, the bot)."""
    states = await trading_states(session, [GLOBAL, *scopes], lock=lock)
    return TradingState.worst(*(r.state for r in states.values()))


async def set_trading_state(session: AsyncSession, state: TradingState, *, scope: str = GLOBAL, reason: str,
                            set_by: str, at: datetime, latched: bool = False,
                            details: Mapping[str, Any] | None = None) -> TradingStateRecord:
    """Store a scope's state (and an audit entry with the previous one) in the caller's transaction."""
    await audit.lock_chain(session, at)  # serializes concurrent setters, so "from" is always right
    previous = await get_trading_state(session, scope)
    scope_kind, scope_key = split_scope(scope)
    doc = jsonable(dict(details or {}))
    stmt = upsert(session, TradingStateRow.__table__, ["user_id", "scope", "scope_key"],
                  ["state", "reason", "latched", "set_by", "details", "at"])
    await session.execute(stmt.values(user_id=user_of(session), scope=scope_kind, scope_key=scope_key,
                                      state=state.value, reason=reason, latched=latched, set_by=set_by,
                                      details=doc, at=at))
    await audit.append(session, actor=set_by, action="trading_state.set", subject=scope, at=at,
                       payload={"from": previous.state.value, "to": state.value, "reason": reason,
                                "latched": latched, "was_latched": previous.latched})
    return TradingStateRecord(scope, state, reason, latched, set_by, at, doc)
