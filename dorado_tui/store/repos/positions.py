"""Managed positions and their legs, closed trades with entry-time features, account snapshots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.account import AccountState, Position
from dorado_tui.store.codec import instrument_from_json, instrument_to_json
from dorado_tui.store.database import user_of
from dorado_tui.store.errors import NotFound
from dorado_tui.store.repos._sql import insert_new, upsert
from dorado_tui.store.tables import AccountSnapshotRow, PositionLegRow, PositionRow, TradeRow
from dorado_tui.store.types import jsonable

OPEN_STATUSES = ("open", "closing")


@dataclass(frozen=True, slots=True)
class ManagedPosition:
    """A position Dorado manages: one combo (its legs are venue positions) from open to close.

    `quantity` counts combo units; `entry_price` is the net price per unit (credit < 0 paid in).
    """

    position_id: str
    bot_id: str
    underlying: str
    quantity: float
    entry_price: float
    opened_at: datetime
    legs: tuple[Position, ...]
    candidate_id: str | None = None
    asset_class: str = ""
    template: str = ""
    strategy_layer: str = ""
    paper: bool = False
    status: str = "open"
    max_loss: float = 0.0
    mark: float | None = None
    unrealized_pnl: float = 0.0
    realized_pnl: float = 0.0
    greeks: Mapping[str, float] = field(default_factory=dict)
    marked_at: datetime | None = None
    closed_at: datetime | None = None


async def open_position(session: AsyncSession, p: ManagedPosition) -> None:
    """Store a new position with its legs (DuplicateKey if the id exists)."""
    user = user_of(session)
    row = PositionRow(user_id=user, position_key=p.position_id, bot_key=p.bot_id, candidate_key=p.candidate_id,
                      underlying=p.underlying, asset_class=p.asset_class, template=p.template,
                      strategy_layer=p.strategy_layer, paper=p.paper, status=p.status, quantity=p.quantity,
                      entry_price=p.entry_price, max_loss=p.max_loss, mark=p.mark,
                      unrealized_pnl=p.unrealized_pnl, realized_pnl=p.realized_pnl,
                      greeks=jsonable(dict(p.greeks)), opened_at=p.opened_at, marked_at=p.marked_at,
                      closed_at=p.closed_at)
    pk = await insert_new(session, row, ["user_id", "position_key"], "position", p.position_id)
    await _write_legs(session, pk, p.legs)


async def _write_legs(session: AsyncSession, position_pk: int, legs: Sequence[Position]) -> None:
    await session.execute(delete(PositionLegRow).where(PositionLegRow.position_id == position_pk))
    session.add_all(PositionLegRow(user_id=user_of(session), position_id=position_pk, leg_index=i,
                                   symbol=leg.symbol, instrument=instrument_to_json(leg.instrument),
                                   quantity=leg.quantity, avg_price=leg.avg_cost,
                                   multiplier=leg.instrument.multiplier, mark=leg.mark)
                    for i, leg in enumerate(legs))
    await session.flush()


async def _pk(session: AsyncSession, position_id: str) -> int:
    pk = (await session.execute(select(PositionRow.id).where(
        PositionRow.user_id == user_of(session), PositionRow.position_key == position_id))).scalar_one_or_none()
    if pk is None:
        raise NotFound("position", position_id)
    return int(pk)


async def update_position(session: AsyncSession, position_id: str, *, legs: Sequence[Position] | None = None,
                          **values: Any) -> None:
    """Change a position's columns (status, quantity, mark, unrealized_pnl, realized_pnl, greeks,
    marked_at, closed_at, ...) and optionally replace its legs (after a partial close or a roll)."""
    pk = await _pk(session, position_id)
    if "greeks" in values:
        values["greeks"] = jsonable(dict(values["greeks"]))
    if values:
        await session.execute(update(PositionRow).where(PositionRow.id == pk).values(**values))
    if legs is not None:
        await _write_legs(session, pk, legs)


async def mark_position(session: AsyncSession, position_id: str, mark: float, unrealized_pnl: float,
                        at: datetime, greeks: Mapping[str, float] | None = None) -> None:
    """Record a mark to market."""
    values: dict[str, Any] = {"mark": mark, "unrealized_pnl": unrealized_pnl, "marked_at": at}
    if greeks is not None:
        values["greeks"] = greeks
    await update_position(session, position_id, **values)


async def close_position(session: AsyncSession, position_id: str, realized_pnl: float, at: datetime) -> None:
    """Mark a position closed with its realized P&L."""
    await update_position(session, position_id, status="closed", realized_pnl=realized_pnl,
                          unrealized_pnl=0.0, closed_at=at)


def _managed(row: PositionRow, legs: Sequence[PositionLegRow]) -> ManagedPosition:
    return ManagedPosition(
        row.position_key, row.bot_key, row.underlying, row.quantity, row.entry_price, row.opened_at,
        tuple(Position(instrument_from_json(leg.instrument), leg.quantity, leg.avg_price, leg.mark)
              for leg in legs),
        row.candidate_key, row.asset_class, row.template, row.strategy_layer, row.paper, row.status,
        row.max_loss, row.mark, row.unrealized_pnl, row.realized_pnl, dict(row.greeks), row.marked_at,
        row.closed_at)


async def positions(session: AsyncSession, *, statuses: Sequence[str] | None = OPEN_STATUSES,
                    bot_id: str | None = None, paper: bool | None = None,
                    ids: Sequence[str] | None = None) -> list[ManagedPosition]:
    """Positions (open or closing by default), oldest first, with their legs."""
    t = PositionRow
    query = select(t).where(t.user_id == user_of(session))
    if ids is not None:
        query = query.where(t.position_key.in_(list(ids)))
    if statuses is not None:
        query = query.where(t.status.in_(list(statuses)))
    if bot_id is not None:
        query = query.where(t.bot_key == bot_id)
    if paper is not None:
        query = query.where(t.paper == paper)
    rows = (await session.execute(query.order_by(t.opened_at, t.id))).scalars().all()
    ids = [r.id for r in rows]
    legs = (await session.execute(select(PositionLegRow).where(PositionLegRow.position_id.in_(ids))
                                  .order_by(PositionLegRow.position_id, PositionLegRow.leg_index))
            ).scalars().all() if ids else []
    by_position: dict[int, list[PositionLegRow]] = {}
    for leg in legs:
        by_position.setdefault(leg.position_id, []).append(leg)
    return [_managed(r, by_position.get(r.id or 0, [])) for r in rows]


async def get_position(session: AsyncSession, position_id: str) -> ManagedPosition | None:
    """One position (whatever its status) with its legs, or None."""
    found = await positions(session, statuses=None, ids=[position_id])
    return found[0] if found else None


async def pnl_totals(session: AsyncSession, paper: bool | None = None) -> tuple[float, float]:
    """(realized P&L of every position ever, unrealized P&L of the open ones), summed oldest first
    as over `positions(statuses=None)`, from three columns: no legs, no rows to build."""
    t = PositionRow
    query = select(t.status, t.realized_pnl, t.unrealized_pnl).where(t.user_id == user_of(session))
    if paper is not None:
        query = query.where(t.paper == paper)
    rows = (await session.execute(query.order_by(t.opened_at, t.id))).all()
    return (sum(r.realized_pnl for r in rows),
            sum(r.unrealized_pnl for r in rows if r.status in OPEN_STATUSES))


async def count_open_positions(session: AsyncSession, paper: bool | None = None) -> int:
    t = PositionRow
    query = select(func.count()).select_from(t).where(t.user_id == user_of(session),
                                                      t.status.in_(OPEN_STATUSES))
    if paper is not None:
        query = query.where(t.paper == paper)
    return int((await session.execute(query)).scalar_one())


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """A round trip: entry-time features (no future leakage) and, once closed, its outcome."""

    trade_id: str
    bot_id: str
    underlying: str
    opened_at: datetime
    entry_features: Mapping[str, Any]
    position_id: str | None = None
    candidate_id: str | None = None
    template: str = ""
    strategy_layer: str = ""
    paper: bool = False
    max_loss: float = 0.0
    realized_pnl: float | None = None
    fees: float = 0.0
    reward: float | None = None
    exit_reason: str = ""
    closed_at: datetime | None = None


async def record_trade(session: AsyncSession, t: TradeRecord) -> None:
    """Store a trade at entry (DuplicateKey if the id exists)."""
    position_pk = await _pk(session, t.position_id) if t.position_id else None
    row = TradeRow(user_id=user_of(session), trade_key=t.trade_id, position_id=position_pk, bot_key=t.bot_id,
                   candidate_key=t.candidate_id, underlying=t.underlying, template=t.template,
                   strategy_layer=t.strategy_layer, paper=t.paper, max_loss=t.max_loss,
                   realized_pnl=t.realized_pnl, fees=t.fees, reward=t.reward, exit_reason=t.exit_reason,
                   entry_features=jsonable(dict(t.entry_features)), opened_at=t.opened_at, closed_at=t.closed_at)
    await insert_new(session, row, ["user_id", "trade_key"], "trade", t.trade_id)


async def close_trade(session: AsyncSession, trade_id: str, *, realized_pnl: float, reward: float | None,
                      exit_reason: str, at: datetime, fees: float | None = None) -> None:
    """Record a trade's outcome."""
    values: dict[str, Any] = {"realized_pnl": realized_pnl, "reward": reward, "exit_reason": exit_reason,
                              "closed_at": at}
    if fees is not None:
        values["fees"] = fees
    result = await session.execute(update(TradeRow).where(TradeRow.user_id == user_of(session),
                                                          TradeRow.trade_key == trade_id).values(**values))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("trade", trade_id)


async def trades(session: AsyncSession, *, bot_id: str | None = None, closed: bool | None = None,
                 limit: int = 1000) -> list[TradeRecord]:
    """Trades, newest first (only closed or only open ones when `closed` is given)."""
    t = TradeRow
    query = select(t, PositionRow.position_key).outerjoin(PositionRow, t.position_id == PositionRow.id)
    query = query.where(t.user_id == user_of(session))
    if bot_id is not None:
        query = query.where(t.bot_key == bot_id)
    if closed is not None:
        query = query.where(t.closed_at.is_not(None) if closed else t.closed_at.is_(None))
    rows = (await session.execute(query.order_by(t.opened_at.desc(), t.id.desc()).limit(limit))).all()
    return [TradeRecord(r.trade_key, r.bot_key, r.underlying, r.opened_at, dict(r.entry_features), key,
                        r.candidate_key, r.template, r.strategy_layer, r.paper, r.max_loss, r.realized_pnl,
                        r.fees, r.reward, r.exit_reason, r.closed_at) for r, key in rows]


async def record_account(session: AsyncSession, a: AccountState, realized_pnl: float | None = None,
                         unrealized_pnl: float | None = None) -> None:
    """Store a balance snapshot (one per account and instant; a repeat replaces it)."""
    changing = ["currency", "cash", "net_liquidation", "buying_power", "initial_margin",
                "maintenance_margin", "realized_pnl", "unrealized_pnl"]
    await session.execute(upsert(session, AccountSnapshotRow.__table__, ["user_id", "account_id", "at"],
                                 changing).values(
        user_id=user_of(session), account_id=a.account_id, at=a.time, currency=a.currency, cash=a.cash,
        net_liquidation=a.net_liquidation, buying_power=a.buying_power, initial_margin=a.initial_margin,
        maintenance_margin=a.maintenance_margin, realized_pnl=realized_pnl, unrealized_pnl=unrealized_pnl))


async def account_history(session: AsyncSession, account_id: str, since: datetime | None = None,
                          limit: int | None = None) -> list[AccountState]:
    """Snapshots of one account, oldest first (the NAV series); `limit` keeps the newest ones."""
    t = AccountSnapshotRow
    query = select(t).where(t.user_id == user_of(session), t.account_id == account_id)
    if since is not None:
        query = query.where(t.at >= since)
    query = query.order_by(t.at.desc())
    if limit is not None:
        query = query.limit(limit)
    rows = (await session.execute(query)).scalars().all()
    return [AccountState(r.account_id, r.currency, r.cash, r.net_liquidation, r.buying_power, r.initial_margin,
                         r.maintenance_margin, r.at) for r in reversed(rows)]
