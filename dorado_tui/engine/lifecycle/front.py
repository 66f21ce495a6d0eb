"""What the commands and consoles open: a runtime with its lifecycle, and plain-dict views of
positions, orders and history for tables and JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from dorado_tui.domain.errors import VenueError
from dorado_tui.engine.lifecycle.ids import parse_client_order_id
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.home import Home
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.venues.base import VenueAdapter, VenueStatus


class OfflineVenue(VenueAdapter):
    """The venue of a command that only reads the store: building the simulated market (seconds)
    or dialling the broker would be wasted, and any venue call says so instead of guessing."""

    name = "offline"

    def _refuse(self) -> VenueError:
        return VenueError("the venue is not opened by this command (it reads the store only)")

    async def connect(self) -> None:
        raise self._refuse()

    async def disconnect(self) -> None:
        return None

    def status(self) -> VenueStatus:
        return VenueStatus(name=self.name, mode="offline", connected=False, detail="store-only command")

    async def get_account_state(self) -> Any:
        raise self._refuse()

    async def place_order(self, order: Any) -> Any:
        raise self._refuse()

    async def cancel_order(self, client_order_id: str) -> Any:
        raise self._refuse()

    async def get_order(self, client_order_id: str) -> Any:
        raise self._refuse()

    async def get_open_orders(self) -> Any:
        raise self._refuse()

    async def get_executions(self, since: datetime | None = None) -> Any:
        raise self._refuse()

    async def get_positions(self) -> Any:
        raise self._refuse()

    async def get_quotes(self, symbols: list[str]) -> Any:
        raise self._refuse()


@asynccontextmanager
async def open_lifecycle(home: Home | None, *, start: bool = False, recover: bool = False,
                         venues: bool = True, operator: str = "operator") -> AsyncIterator[Lifecycle]:
    """The home's runtime and a lifecycle over it (`start` registers bots, `recover` also
    settles unresolved intents first; `venues=False` for commands that only read the store)."""
    from dorado_tui.engine.runtime import open_runtime

    offline = {} if venues else {"venue": OfflineVenue(), "twin_venue": OfflineVenue(), "connect": False}
    async with open_runtime(home, **offline) as rt:
        lc = rt.services.get("lifecycle") or Lifecycle.from_runtime(rt, operator=operator)
        rt.services["lifecycle"] = lc
        if start:
            await lc.start(recover=recover)
        yield lc


def _leg(p: Any) -> dict[str, Any]:
    inst = p.instrument
    return {"symbol": inst.symbol.replace(" ", ""), "quantity": p.quantity, "avg_cost": p.avg_cost, "mark": p.mark,
            "right": inst.right.value if inst.right else None, "strike": inst.strike,
            "expiry": inst.expiry.isoformat() if inst.expiry else None}


async def positions_view(lc: Lifecycle, *, paper: bool | None = None, include_closed: bool = False) -> list[dict[str, Any]]:
    """Open (or every) managed position with legs, marks, P&L and its bot's state."""
    async with lc.db.read() as s:
        rows = await position_repo.positions(s, statuses=None if include_closed else position_repo.OPEN_STATUSES,
                                             paper=paper)
        states = {b.bot_id: b.state.value for b in await bot_repo.list_bots(s)}
    out = []
    for p in rows:
        sides: dict[str, float] = {}
        for leg in p.legs:
            if leg.mark is not None:
                side = leg.instrument.right.value if leg.instrument.right else "underlying"
                pnl = leg.quantity * (leg.mark - leg.avg_cost) * leg.instrument.multiplier
                sides[side] = sides.get(side, 0.0) + pnl
        out.append({"position": p.position_id, "bot": p.bot_id, "bot_state": states.get(p.bot_id),
                    "underlying": p.underlying, "template": p.template, "layer": p.strategy_layer,
                    "paper": p.paper, "status": p.status, "quantity": p.quantity, "entry_price": p.entry_price,
                    "mark": p.mark, "max_loss": p.max_loss, "realized_pnl": p.realized_pnl,
                    "unrealized_pnl": p.unrealized_pnl, "side_pnl": sides, "greeks": dict(p.greeks),
                    "opened_at": p.opened_at.isoformat(), "marked_at": p.marked_at.isoformat() if p.marked_at else None,
                    "closed_at": p.closed_at.isoformat() if p.closed_at else None, "legs": [_leg(x) for x in p.legs]})
    return out


async def orders_view(lc: Lifecycle, *, working_only: bool = False, since: datetime | None = None,
                      limit: int = 50) -> list[dict[str, Any]]:
    """Intents (newest first) with the venue's view of each order and its fill quality."""
    async with lc.db.read() as s:
        intents = await order_repo.list_intents(s)
        quality = {q.client_order_id: q for q in await order_repo.fill_quality(s)}
        rows = []
        for intent in reversed(intents):
            if since is not None and intent.created_at < since:
                continue
            order = await order_repo.get_order(s, intent.order.client_order_id)
            if working_only and (order is None or not order.status.is_working):
                continue
            rows.append((intent, order))
            if len(rows) >= limit:
                break
    out = []
    for intent, order in rows:
        key = parse_client_order_id(intent.order.client_order_id)
        q = quality.get(intent.order.client_order_id.rsplit("-", 1)[0])
        out.append({"client_order_id": intent.order.client_order_id, "bot": intent.order.bot_id,
                    "position": key.position_id if key else None, "purpose": intent.order.tag,
                    "step": key.step if key else None, "intent": intent.status.value,
                    "intent_reason": intent.status_reason, "quantity": intent.order.quantity,
                    "limit": intent.order.limit_price, "legs": [
                        f"{leg.action.value} {leg.ratio} {leg.instrument.symbol.replace(' ', '')}"
                        for leg in intent.order.legs],
                    "created_at": intent.created_at.isoformat(),
                    "status": order.status.value if order else "not at venue",
                    "filled": order.filled_quantity if order else 0.0,
                    "avg_price": order.avg_fill_price if order else None, "reason": order.reason if order else "",
                    "slippage": q.slippage if q is not None and key is not None and key.step == q.steps else None})
    return out


async def history_view(lc: Lifecycle, *, bot: str | None = None, paper: bool | None = None,
                       limit: int = 50) -> list[dict[str, Any]]:
    """Closed trades, newest first: P&L, reward, exit reason."""
    async with lc.db.read() as s:
        trades = await position_repo.trades(s, bot_id=bot, closed=True, limit=limit * 4)
    out = []
    for t in trades:
        if paper is not None and t.paper != paper:
            continue
        out.append({"trade": t.trade_id, "bot": t.bot_id, "underlying": t.underlying, "template": t.template,
                    "layer": t.strategy_layer, "paper": t.paper, "opened_at": t.opened_at.isoformat(),
                    "closed_at": t.closed_at.isoformat() if t.closed_at else None, "max_loss": t.max_loss,
                    "realized_pnl": t.realized_pnl, "fees": t.fees, "reward": t.reward, "exit_reason": t.exit_reason})
        if len(out) >= limit:
            break
    return out
