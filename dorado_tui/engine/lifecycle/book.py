"""The managed positions' books: rows created with their first intent, legs refreshed from fills.

`refresh` is the only writer of a position's legs and realized P&L: it folds every fill
attributed to the position (see `ledger`) and stores the result, in the caller's transaction —
the same one that recorded the fills, so legs and fills never disagree in the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.account import Position
from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Fill
from dorado_tui.engine.lifecycle import records
from dorado_tui.engine.lifecycle.ledger import Ledger, fold
from dorado_tui.store.errors import NotFound
from dorado_tui.store.repos import positions as position_repo

OPEN, CLOSING, CLOSED, VOID = "open", "closing", "closed", "void"


def reward(realized: float, max_loss: float) -> float:
    """PRD reward: realized P&L over max loss, clipped to [−1, 1] (0 when max loss is 0)."""
    if max_loss == 0:
        return 0.0
    return max(-1.0, min(1.0, realized / abs(max_loss)))


def _stock(fill: Fill) -> Instrument:
    return Instrument(fill.symbol, SecType.STOCK, fill.symbol, multiplier=fill.multiplier)


async def instruments_of(tx: AsyncSession, position_id: str,
                         known: Sequence[Position] = ()) -> dict[str, Instrument]:
    """Every instrument the position ever traded: its legs, and every leg of its orders."""
    out = {p.instrument.symbol: p.instrument for p in known}
    for intent in await records.intents_with_prefix(tx, position_id + "."):
        for leg in intent.order.legs:
            out.setdefault(leg.instrument.symbol, leg.instrument)
    return out


async def position_fills(tx: AsyncSession, position_id: str) -> tuple[list[Fill], list[float]]:
    """(every fill of the position, income amounts): its orders' fills and attributed ones."""
    own = await records.fills_with_prefix(tx, position_id + ".")
    attributed = await records.attributions(tx, position_id)
    exec_ids = [str(x) for a in attributed if a.kind == records.VENUE_FILL for x in a.payload.get("exec_ids", ())]
    # a venue execution shared by several positions (the venue nets the account) carries each one's part
    part = {str(x): float(q) for a in attributed if a.kind == records.VENUE_FILL
            for x, q in a.payload.get("quantities", {}).items()}
    venue = [_part(f, part.get(f.exec_id)) for f in await records.fills_by_exec_ids(tx, exec_ids)]
    income = [float(a.payload.get("cash", 0.0)) for a in attributed if a.kind == records.INCOME]
    seen = {f.exec_id for f in own}
    return own + [f for f in venue if f.exec_id not in seen], income


def _part(fill: Fill, quantity: float | None) -> Fill:
    """The position's part of a venue execution (all of it when the attribution gives none)."""
    if quantity is None or quantity == fill.quantity or fill.quantity == 0:
        return fill
    return replace(fill, quantity=quantity, commission=fill.commission * quantity / fill.quantity)


async def ledger_of(tx: AsyncSession, position: position_repo.ManagedPosition) -> Ledger:
    fills, income = await position_fills(tx, position.position_id)
    instruments = await instruments_of(tx, position.position_id, position.legs)
    return fold(fills, lambda f: instruments.get(f.symbol) or _stock(f), income)


def _legs(ledger: Ledger, marks: Mapping[str, float | None]) -> list[Position]:
    return [Position(leg.instrument, leg.quantity, leg.avg_cost, marks.get(leg.symbol))
            for leg in ledger.open_legs]


def unrealized_at(ledger: Ledger, marks: Mapping[str, float | None]) -> float | None:
    """Unrealized P&L when every open leg has a mark, else None."""
    if any(marks.get(leg.symbol) is None for leg in ledger.open_legs):
        return None
    return ledger.unrealized({k: v for k, v in marks.items() if v is not None})


async def refresh(tx: AsyncSession, position_id: str, marks: Mapping[str, float] | None = None) -> Ledger:
    """Recompute the position from its fills and store legs, realized and (when marked) unrealized."""
    position = await position_repo.get_position(tx, position_id)
    if position is None:
        raise NotFound("position", position_id)
    ledger = await ledger_of(tx, position)
    known: dict[str, float | None] = {leg.symbol: leg.mark for leg in position.legs}
    known.update(marks or {})
    unrealized = unrealized_at(ledger, known)
    values: dict[str, object] = {"realized_pnl": ledger.realized}
    if unrealized is not None:
        values["unrealized_pnl"] = unrealized
    await position_repo.update_position(tx, position_id, legs=_legs(ledger, known), **values)
    return ledger


async def create(tx: AsyncSession, position_id: str, c: Candidate, *, paper: bool, bot_id: str,
                 at: datetime, planned_net: float) -> None:
    """The position row of an approved candidate, written with its first intent (no legs yet)."""
    await position_repo.open_position(tx, position_repo.ManagedPosition(
        position_id=position_id, bot_id=bot_id, underlying=c.underlying, quantity=c.quantity,
        entry_price=planned_net, opened_at=at, legs=(), candidate_id=c.id, asset_class=c.asset_class.value,
        template=c.template, strategy_layer=c.strategy_layer, paper=paper, status=OPEN,
        max_loss=c.total_max_loss, greeks={"delta": c.delta * c.quantity, "gamma": c.gamma * c.quantity,
                                           "vega": c.vega * c.quantity, "theta": c.theta * c.quantity}))


@dataclass(frozen=True, slots=True)
class EntryFill:
    """What an opening episode achieved: units filled and the average net price per unit."""

    units: float
    net: float | None


def entry_fill(fills: Sequence[Fill], first_leg_symbol: str, first_ratio: int) -> EntryFill:
    """Units and average net (per unit, per share: positive = debit) of an episode's fills."""
    if not fills:
        return EntryFill(0.0, None)
    units = sum(f.quantity for f in fills if f.symbol == first_leg_symbol and f.leg_index == 0) / first_ratio
    if units <= 0:
        return EntryFill(0.0, None)
    net = sum(f.signed_quantity * f.price for f in fills) / units
    return EntryFill(units, net)


async def get(tx: AsyncSession, position_id: str) -> position_repo.ManagedPosition:
    position = await position_repo.get_position(tx, position_id)
    if position is None:
        raise NotFound("position", position_id)
    return position
