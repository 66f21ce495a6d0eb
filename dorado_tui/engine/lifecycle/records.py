"""Targeted reads the lifecycle needs beyond the repositories: a position's fills and intents
(by client-order-id prefix), fills by exec id, and the attribution signals of venue events.

Attribution of a venue-initiated execution (assignment, exercise, expiry, cash settlement) or a
dividend to a position is a signal row keyed `<position id>/<venue reference>` whose payload
lists the exec ids (or the income): the unique key makes attribution idempotent, and the row
says which position the venue's action belonged to, for the audit and for reconciliation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from dorado_tui.domain.orders import Action, Fill, Order, OrderType
from dorado_tui.store.codec import order_leg_from_json
from dorado_tui.store.database import user_of
from dorado_tui.store.errors import DuplicateKey
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos._sql import starts_with
from dorado_tui.store.tables import FillRow, OrderIntentRow, SignalRow

#: Signal kinds the lifecycle writes.
VENUE_FILL = "venue_fill"  # assignment / exercise / expiry executions attributed to a position
INCOME = "income"  # dividends paid or charged on a position's shares


def _fill(r: FillRow) -> Fill:
    return Fill(r.exec_id, r.client_order_id, r.venue_order_id, r.symbol, Action(r.action), r.quantity,
                r.price, r.multiplier, r.time, r.commission, r.leg_index)


async def fills_with_prefix(session: AsyncSession, prefix: str) -> list[Fill]:
    """Fills of every order whose client order id starts with `prefix` (hex, '.', '-' only)."""
    t = FillRow
    rows = (await session.execute(select(t).where(col(t.user_id) == user_of(session),
                                                  col(t.client_order_id).like(prefix + "%"))
                                  .order_by(col(t.time), col(t.leg_index), col(t.id)))).scalars().all()
    return [_fill(r) for r in rows]


async def fills_by_exec_ids(session: AsyncSession, exec_ids: Sequence[str]) -> list[Fill]:
    if not exec_ids:
        return []
    t = FillRow
    rows = (await session.execute(select(t).where(col(t.user_id) == user_of(session),
                                                  col(t.exec_id).in_(list(exec_ids))))).scalars().all()
    return [_fill(r) for r in rows]


async def intent_ids_with_prefix(session: AsyncSession, prefix: str) -> list[str]:
    """Client order ids of the intents starting with `prefix`, oldest first."""
    t = OrderIntentRow
    rows = (await session.execute(select(col(t.client_order_id)).where(
        col(t.user_id) == user_of(session), starts_with(session, col(t.client_order_id), prefix)).order_by(col(t.created_at), col(t.id)))).all()
    return [r[0] for r in rows]


async def intents_with_prefix(session: AsyncSession, prefix: str) -> list[order_repo.Intent]:
    """The intents whose client order id starts with `prefix`, oldest first (one query)."""
    t = OrderIntentRow
    rows = (await session.execute(select(t).where(col(t.user_id) == user_of(session),
                                                  starts_with(session, col(t.client_order_id), prefix))
                                  .order_by(col(t.created_at), col(t.id)))).scalars().all()
    return [_intent(r) for r in rows]


def _intent(r: OrderIntentRow) -> order_repo.Intent:
    order = Order(client_order_id=r.client_order_id, legs=tuple(order_leg_from_json(d) for d in r.legs),
                  quantity=r.quantity, order_type=OrderType(r.order_type), limit_price=r.limit_price,
                  bot_id=r.bot_key, opening=r.opening, tag=r.tag)
    return order_repo.Intent(order, order_repo.IntentStatus(r.status), r.candidate_key, r.created_at,
                             r.submitted_at, r.status_reason)


@dataclass(frozen=True, slots=True)
class Attribution:
    """A venue action attributed to a position."""

    key: str
    position_id: str
    kind: str
    payload: dict[str, Any]
    at: datetime


async def attributions(session: AsyncSession, position_id: str) -> list[Attribution]:
    t = SignalRow
    rows = (await session.execute(select(t).where(col(t.user_id) == user_of(session),
                                                  starts_with(session, col(t.signal_key), position_id + "/"))
                                  .order_by(col(t.received_at), col(t.id)))).scalars().all()
    return [Attribution(r.signal_key, position_id, r.kind, dict(r.payload), r.received_at) for r in rows]


async def attribute(session: AsyncSession, *, position_id: str, reference: str, kind: str, bot_id: str,
                    underlying: str, payload: dict[str, Any], at: datetime, action: str) -> bool:
    """Record that a venue action belongs to a position; False when it was recorded before."""
    try:
        await bot_repo.record_signal(session, bot_repo.SignalRecord(
            signal_id=f"{position_id}/{reference}", source="venue", kind=kind, received_at=at, bot_id=bot_id,
            underlying=underlying, payload=payload, action=action, action_reason=f"attributed to {position_id}"))
    except DuplicateKey:
        return False
    return True


async def attributed_exec_ids_since(session: AsyncSession, since: datetime) -> set[str]:
    """Every exec id attributed to any position — open or closed — by an execution at or after
    `since` (an attribution is dated by its execution)."""
    t = SignalRow
    rows = (await session.execute(select(col(t.payload)).where(
        col(t.user_id) == user_of(session), col(t.kind) == VENUE_FILL, col(t.received_at) >= since))).all()
    return {str(x) for (payload,) in rows for x in (payload or {}).get("exec_ids", ())}
