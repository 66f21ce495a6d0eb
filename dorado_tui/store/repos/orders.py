"""Order intents (written before any submit), the venue's view of orders, fills, fill quality.

The lifecycle's contract: record the intent (unique client order id) in the transaction that moves
the bot to EXECUTING; only then submit; record the venue's answers and fills as they come. A fill
is keyed by the venue's exec id, so recording the same execution twice (reconnect, replay,
reconciliation) is a no-op that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.orders import Action, Fill, Order, OrderResult, OrderStatus, OrderType
from dorado_tui.store.codec import order_leg_from_json, order_leg_to_json
from dorado_tui.store.database import user_of
from dorado_tui.store.errors import NotFound
from dorado_tui.store.repos import audit
from dorado_tui.store.repos._sql import insert, insert_new, upsert
from dorado_tui.store.tables import FillQualityRow, FillRow, OrderIntentRow, OrderRow

WORKING = tuple(s.value for s in OrderStatus if s.is_working)


class IntentStatus(StrEnum):
    """Dorado's side of an order: RECORDED before submit, SUBMITTED once sent, RESOLVED when the
    venue's answer is final, ABANDONED when reconciliation proves it never reached the venue."""

    RECORDED = "recorded"
    SUBMITTED = "submitted"
    RESOLVED = "resolved"
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class Intent:
    """A stored intent: the order as meant, and where it stands."""

    order: Order
    status: IntentStatus
    candidate_id: str | None
    created_at: datetime
    submitted_at: datetime | None
    status_reason: str = ""


async def record_intent(session: AsyncSession, order: Order, *, at: datetime,
                        candidate_id: str | None = None, actor: str = "engine") -> Intent:
    """Write the intent (and its audit entry) before anything is sent.

    Raises DuplicateKey when the client order id was used before; the caller's transaction stays
    usable, and no second intent exists.
    """
    user = user_of(session)
    row = OrderIntentRow(user_id=user, client_order_id=order.client_order_id, bot_key=order.bot_id,
                         candidate_key=candidate_id, order_type=order.order_type.value,
                         quantity=order.quantity, limit_price=order.limit_price, opening=order.opening,
                         tag=order.tag, legs=[order_leg_to_json(leg) for leg in order.legs],
                         status=IntentStatus.RECORDED.value, created_at=at, updated_at=at)
    await insert_new(session, row, ["user_id", "client_order_id"], "order intent", order.client_order_id)
    await audit.append(session, actor=actor, action="order.intent", subject=order.client_order_id, at=at,
                       payload={"bot": order.bot_id, "candidate": candidate_id, "type": order.order_type,
                                "quantity": order.quantity, "limit": order.limit_price,
                                "opening": order.opening, "legs": row.legs})
    return _intent(row)


def _intent(row: OrderIntentRow) -> Intent:
    order = Order(client_order_id=row.client_order_id, legs=tuple(order_leg_from_json(d) for d in row.legs),
                  quantity=row.quantity, order_type=OrderType(row.order_type), limit_price=row.limit_price,
                  bot_id=row.bot_key, opening=row.opening, tag=row.tag)
    return Intent(order, IntentStatus(row.status), row.candidate_key, row.created_at, row.submitted_at,
                  row.status_reason)


async def mark_intent(session: AsyncSession, client_order_id: str, status: IntentStatus, at: datetime,
                      reason: str = "") -> None:
    """Move an intent along (SUBMITTED sets `submitted_at`)."""
    values: dict[str, object] = {"status": status.value, "status_reason": reason, "updated_at": at}
    if status is IntentStatus.SUBMITTED:
        values["submitted_at"] = at
    result = await session.execute(update(OrderIntentRow).where(
        OrderIntentRow.user_id == user_of(session), OrderIntentRow.client_order_id == client_order_id)
        .values(**values))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("order intent", client_order_id)


async def get_intent(session: AsyncSession, client_order_id: str) -> Intent | None:
    t = OrderIntentRow
    row = (await session.execute(select(t).where(t.user_id == user_of(session),
                                                 t.client_order_id == client_order_id))).scalar_one_or_none()
    return None if row is None else _intent(row)


async def list_intents(session: AsyncSession, statuses: Sequence[IntentStatus] | None = None) -> list[Intent]:
    """Intents (with one of `statuses` when given), oldest first: reconciliation's work list."""
    t = OrderIntentRow
    query = select(t).where(t.user_id == user_of(session))
    if statuses is not None:
        query = query.where(t.status.in_([s.value for s in statuses]))
    rows = (await session.execute(query.order_by(t.created_at, t.id))).scalars().all()
    return [_intent(r) for r in rows]


async def record_order_result(session: AsyncSession, result: OrderResult, at: datetime) -> int:
    """Store the venue's view of an order (insert or update by client order id) and every fill it
    carries. Orders found at the venue without an intent are stored too (intent_id NULL).
    Returns how many of its fills were new."""
    user = user_of(session)
    intent = (await session.execute(select(OrderIntentRow).where(
        OrderIntentRow.user_id == user, OrderIntentRow.client_order_id == result.client_order_id)
    )).scalar_one_or_none()
    values = {"user_id": user, "client_order_id": result.client_order_id,
              "intent_id": intent.id if intent else None, "venue_order_id": result.venue_order_id,
              "status": result.status.value, "filled_quantity": result.filled_quantity,
              "avg_fill_price": result.avg_fill_price, "reason": result.reason, "updated_at": at,
              "created_at": at, "quantity": intent.quantity if intent else result.filled_quantity,
              "limit_price": intent.limit_price if intent else None,
              "legs": intent.legs if intent else []}
    changing = ["venue_order_id", "status", "filled_quantity", "avg_fill_price", "reason", "updated_at"]
    await session.execute(upsert(session, OrderRow.__table__, ["user_id", "client_order_id"], changing)
                          .values(**values))
    new = 0
    for fill in result.fills:
        new += await record_fill(session, fill)
    return new


async def record_fill(session: AsyncSession, fill: Fill) -> bool:
    """Store one execution; False when its exec id was recorded before (nothing changes)."""
    stmt = insert(session, FillRow.__table__).values(
        user_id=user_of(session), exec_id=fill.exec_id, client_order_id=fill.client_order_id,
        venue_order_id=fill.venue_order_id, symbol=fill.symbol, action=fill.action.value,
        quantity=fill.quantity, price=fill.price, multiplier=fill.multiplier, commission=fill.commission,
        leg_index=fill.leg_index, time=fill.time).on_conflict_do_nothing(index_elements=["user_id", "exec_id"])
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def recorded_exec_ids(session: AsyncSession, exec_ids: Sequence[str]) -> set[str]:
    """The exec ids among `exec_ids` already stored (one indexed lookup per 500)."""
    wanted = list(dict.fromkeys(exec_ids))
    t = FillRow
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        found.update((await session.execute(select(t.exec_id).where(
            t.user_id == user_of(session), t.exec_id.in_(wanted[i:i + 500])))).scalars())
    return found


def _fill(r: FillRow) -> Fill:
    return Fill(r.exec_id, r.client_order_id, r.venue_order_id, r.symbol, Action(r.action), r.quantity,
                r.price, r.multiplier, r.time, r.commission, r.leg_index)


async def fills(session: AsyncSession, client_order_id: str | None = None,
                since: datetime | None = None) -> list[Fill]:
    """Fills (of one order, and/or since an instant), in time order."""
    t = FillRow
    query = select(t).where(t.user_id == user_of(session))
    if client_order_id is not None:
        query = query.where(t.client_order_id == client_order_id)
    if since is not None:
        query = query.where(t.time >= since)
    rows = (await session.execute(query.order_by(t.time, t.leg_index, t.id))).scalars().all()
    return [_fill(r) for r in rows]


async def get_order(session: AsyncSession, client_order_id: str) -> OrderResult | None:
    """The stored venue view of one order, with its fills."""
    t = OrderRow
    row = (await session.execute(select(t).where(t.user_id == user_of(session),
                                                 t.client_order_id == client_order_id))).scalar_one_or_none()
    if row is None:
        return None
    return OrderResult(row.client_order_id, row.venue_order_id, OrderStatus(row.status), row.filled_quantity,
                       row.avg_fill_price, tuple(await fills(session, client_order_id)), row.reason,
                       row.updated_at)


async def working_orders(session: AsyncSession) -> list[OrderResult]:
    """Orders the store believes still work at the venue (without fills, for speed)."""
    t = OrderRow
    rows = (await session.execute(select(t).where(t.user_id == user_of(session), t.status.in_(WORKING))
                                  .order_by(t.created_at, t.id))).scalars().all()
    return [OrderResult(r.client_order_id, r.venue_order_id, OrderStatus(r.status), r.filled_quantity,
                        r.avg_fill_price, (), r.reason, r.updated_at) for r in rows]


async def count_working_orders(session: AsyncSession) -> int:
    t = OrderRow
    return int((await session.execute(select(func.count()).select_from(t).where(
        t.user_id == user_of(session), t.status.in_(WORKING)))).scalar_one())


@dataclass(frozen=True, slots=True)
class FillQuality:
    """Expected (mid when decided) against actual price of one order: `slippage` > 0 is worse."""

    client_order_id: str
    symbol: str
    action: Action
    quantity: float
    expected_price: float
    actual_price: float
    at: datetime
    limit_price: float | None = None
    steps: int = 0

    @property
    def slippage(self) -> float:
        return (self.actual_price - self.expected_price) * self.action.sign


async def record_fill_quality(session: AsyncSession, q: FillQuality) -> None:
    session.add(FillQualityRow(user_id=user_of(session), client_order_id=q.client_order_id, symbol=q.symbol,
                               action=q.action.value, quantity=q.quantity, expected_price=q.expected_price,
                               limit_price=q.limit_price, actual_price=q.actual_price, slippage=q.slippage,
                               steps=q.steps, at=q.at))
    await session.flush()


async def fill_quality(session: AsyncSession, since: datetime | None = None) -> list[FillQuality]:
    t = FillQualityRow
    query = select(t).where(t.user_id == user_of(session))
    if since is not None:
        query = query.where(t.at >= since)
    rows = (await session.execute(query.order_by(t.at, t.id))).scalars().all()
    return [FillQuality(r.client_order_id, r.symbol, Action(r.action), r.quantity, r.expected_price,
                        r.actual_price, r.at, r.limit_price, r.steps) for r in rows]
