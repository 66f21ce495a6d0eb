"""Taking the two snapshots reconciliation compares: the venue's (from any adapter, or from the
IBKR adapter's post-reconnect pull) and the store's (intents, orders, fills, managed positions).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.orders import Fill, OrderResult
from dorado_tui.engine.reconcile.compare import VENUE_EVENT_ORDER_IDS
from dorado_tui.engine.reconcile.model import IntentFacts, StoreView, VenueView
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos.orders import Intent, IntentStatus
from dorado_tui.venues.base import VenueAdapter

UNRESOLVED = (IntentStatus.RECORDED, IntentStatus.SUBMITTED)


async def interest(session: AsyncSession) -> list[str]:
    """Client order ids the store believes are in flight: working orders and unresolved intents."""
    working = [o.client_order_id for o in await order_repo.working_orders(session)]
    pending = [i.order.client_order_id for i in await order_repo.list_intents(session, UNRESOLVED)]
    return list(dict.fromkeys([*working, *pending]))


async def venue_view(venue: VenueAdapter, *, reason: str, now: datetime, ask: Iterable[str],
                     since: datetime | None) -> VenueView:
    """The venue's side through the generic ports: open orders, each order of interest by id,
    executions since `since` (and the order of each), positions and the account."""
    orders = {r.client_order_id: r for r in await venue.get_open_orders()}
    executions = tuple(await venue.get_executions(since))
    executed = (f.client_order_id for f in executions if f.venue_order_id not in VENUE_EVENT_ORDER_IDS)
    for cid in dict.fromkeys([*ask, *executed]):
        if cid not in orders:
            found = await venue.get_order(cid)
            if found is not None:
                orders[cid] = found
    positions = {p.symbol: p for p in await venue.get_positions()}
    try:
        account = await venue.get_account_state()
    except VenueError:
        account = None  # the account figures are context only; the comparison does not need them
    return VenueView(venue.name, account.account_id if account else "", reason, now, orders, executions,
                     positions, account)


def venue_view_from_pull(snapshot: Any, venue_name: str = "ibkr") -> VenueView:
    """The venue's side from the IBKR adapter's resync pull (`venues.ibkr.resync.VenueSnapshot`):
    open and completed orders, executions and positions as the gateway reported them."""
    orders: dict[str, OrderResult] = {r.client_order_id: r for r in snapshot.completed_orders}
    orders.update({r.client_order_id: r for r in snapshot.open_orders})
    account = snapshot.account
    return VenueView(venue_name, account.account_id if account else "", snapshot.reason, snapshot.time, orders,
                     tuple(snapshot.executions), {p.symbol: p for p in snapshot.positions}, account)


def with_exec_ids(view: VenueView, rename: Callable[[str], str]) -> VenueView:
    """The view with every exec id as the store keys it (the paper-twin account's executions are
    stored namespaced, so they never collide with the trading account's)."""
    def fix(fills: Iterable[Fill]) -> tuple[Fill, ...]:
        return tuple(replace(f, exec_id=rename(f.exec_id)) for f in fills)

    orders = {cid: replace(r, fills=fix(r.fills)) for cid, r in view.orders.items()}
    return replace(view, orders=orders, executions=fix(view.executions))


def _facts(intent: Intent) -> IntentFacts:
    order = intent.order
    return IntentFacts(order.client_order_id, intent.status.value, order.bot_id, order.quantity,
                       order.legs[0].ratio, tuple(leg.instrument.symbol for leg in order.legs))


def _units(fills: list[Fill], ratio: int) -> float:
    return sum(f.quantity for f in fills if f.leg_index == 0) / max(ratio, 1)


async def store_view(session: AsyncSession, venue: VenueView, *, paper: bool) -> StoreView:
    """The store's side for every order either side mentions, and this account's managed
    positions (`paper` picks the paper-twin account's positions)."""
    cids = list(dict.fromkeys([*await interest(session), *venue.orders,
                               *(f.client_order_id for f in venue.executions)]))
    intents: dict[str, IntentFacts] = {}
    orders: dict[str, OrderResult] = {}
    fill_ids: set[str] = set()
    units: dict[str, float] = {}
    for cid in cids:
        intent = await order_repo.get_intent(session, cid)
        stored = await order_repo.get_order(session, cid)
        fills = list(stored.fills) if stored is not None else await order_repo.fills(session, cid)
        fill_ids.update(f.exec_id for f in fills)
        if intent is not None:
            intents[cid] = _facts(intent)
            units[cid] = _units(fills, intents[cid].first_leg_ratio)
        if stored is not None:
            orders[cid] = stored
    positions, owners = await _book(session, paper)
    return StoreView(intents, orders, frozenset(fill_ids), units, positions, owners)


async def _book(session: AsyncSession, paper: bool) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    totals: dict[str, float] = defaultdict(float)
    owners: dict[str, list[str]] = defaultdict(list)
    for p in await position_repo.positions(session, paper=paper):
        for leg in p.legs:
            totals[leg.symbol] += leg.quantity
            owners[leg.symbol].append(p.position_id)
    return dict(totals), {s: tuple(dict.fromkeys(v)) for s, v in owners.items()}
