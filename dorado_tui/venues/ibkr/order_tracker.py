"""Dorado's order registry for IB, keyed by client order id (= IB `orderRef`).

ib_async forgets every trade on disconnect; this registry does not. It adopts orders found at
the gateway by orderRef (after a reconnect or a Dorado restart) instead of sending them again,
keeps one Fill per IB execId (leg executions only; a combo's BAG row is a summary), and makes
sure a new order never reuses an order id the gateway has already seen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ib_async import IB, Contract, Trade
from ib_async import Order as IBOrder
from ib_async.objects import CommissionReport
from ib_async.objects import Fill as IBFill

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.orders import Fill, Order, OrderResult, OrderStatus
from dorado_tui.venues.ibkr.contracts import ContractCache
from dorado_tui.venues.ibkr.mapping import fill_from_ib, order_result

log = logging.getLogger(__name__)
Listener = Callable[[OrderResult], None]
DUPLICATE_ID = 103
MAX_ID_RETRIES = 25


def ref_of(order_ref: str, perm_id: int) -> str:
    """The client order id for an IB order (orders placed outside Dorado get `ib-<permId>`)."""
    return order_ref or f"ib-{perm_id}"


def trade_ref(trade: Trade) -> str:
    o = trade.order
    if o.orderRef or o.permId:
        return ref_of(o.orderRef, o.permId)
    return f"ib-order-{o.clientId}-{o.orderId}"


@dataclass
class OrderRecord:
    """What Dorado knows about one order; `trade` is the freshest ib_async view of it."""

    client_order_id: str
    order: Order | None
    con_ids: tuple[int, ...] = ()
    trade: Trade | None = None
    fills: dict[str, Fill] = field(default_factory=dict)
    fill_con_ids: dict[str, int] = field(default_factory=dict)  # execId -> leg conId
    denied: str = ""  # refused before sending (quote guard): never reached IB
    pending_reason: str = ""
    adopted: bool = False

    def leg_index(self, con_id: int) -> int:
        return self.con_ids.index(con_id) if con_id in self.con_ids else 0

    def result(self, now: datetime) -> OrderResult:
        if self.denied:
            return OrderResult(self.client_order_id, None, OrderStatus.REJECTED, reason=self.denied, time=now)
        if self.trade is None:
            return OrderResult(self.client_order_id, None, OrderStatus.PENDING_SUBMIT,
                               reason=self.pending_reason, time=now)
        res = order_result(self.client_order_id, self.trade, self.fills.values(), now)
        if res.status is OrderStatus.PENDING_SUBMIT and self.pending_reason:
            res = replace(res, reason=self.pending_reason)
        return res


class OrderTracker:
    """Registry + ib_async event wiring + safe submission."""

    def __init__(self, ib: IB, contracts: ContractCache, clock: Clock, ack_timeout_s: float) -> None:
        self.ib = ib
        self.contracts = contracts
        self.clock = clock
        self.ack_timeout_s = ack_timeout_s
        self.records: dict[str, OrderRecord] = {}
        self.listeners: list[Listener] = []
        self._max_order_id = 0
        ib.openOrderEvent += self._on_trade
        ib.orderStatusEvent += self._on_trade
        ib.execDetailsEvent += self._on_exec
        ib.commissionReportEvent += self._on_commission

    # --- lookups -----------------------------------------------------------------------
    def get(self, client_order_id: str) -> OrderRecord | None:
        return self.records.get(client_order_id)

    def result(self, client_order_id: str) -> OrderResult | None:
        rec = self.records.get(client_order_id)
        return rec.result(self.clock.now()) if rec else None

    def _notify(self, rec: OrderRecord) -> None:
        res = rec.result(self.clock.now())
        for fn in list(self.listeners):
            try:
                fn(res)
            except Exception:  # a listener's bug must not break order tracking
                log.exception("order listener failed for %s", rec.client_order_id)

    # --- ib_async events ---------------------------------------------------------------
    def _record_for_trade(self, trade: Trade) -> OrderRecord:
        coid = trade_ref(trade)
        rec = self.records.get(coid)
        if rec is None:
            rec = self.records[coid] = OrderRecord(coid, None, _leg_con_ids(trade.contract), adopted=True)
            log.info("adopted IB order %s (permId %s) found at the gateway", coid, trade.order.permId)
        if not rec.con_ids:
            rec.con_ids = _leg_con_ids(trade.contract)
            rec.fills = {k: replace(f, leg_index=rec.leg_index(rec.fill_con_ids.get(k, 0)))
                         for k, f in rec.fills.items()}
        return rec

    def attach(self, trade: Trade) -> OrderRecord:
        """Bind the freshest ib_async view of an order to its record.

        A stale live view (from before a disconnect) gives way to any newer one; once a record
        holds a final view, it keeps it (the live one carries the reject reason in its log).
        """
        rec = self._record_for_trade(trade)
        if rec.trade is None or rec.trade is trade or not _is_done(rec.trade):
            rec.trade = trade
        self._max_order_id = max(self._max_order_id, trade.order.orderId)
        return rec

    def _on_trade(self, trade: Trade) -> None:
        if trade.order.whatIf:
            return
        self._notify(self.attach(trade))

    def add_fill(self, f: IBFill) -> OrderRecord | None:
        """Keep one Fill per leg execution; returns the record when something changed."""
        e = f.execution
        self._max_order_id = max(self._max_order_id, e.orderId)
        if f.contract.secType == "BAG":
            return None
        coid = ref_of(e.orderRef, e.permId)
        rec = self.records.get(coid)
        if rec is None:
            rec = self.records[coid] = OrderRecord(coid, None, adopted=True)
        old = rec.fills.get(e.execId)
        instrument = self.contracts.instrument(f.contract)
        new = fill_from_ib(f, coid, instrument, rec.leg_index(f.contract.conId))
        if old is not None and old.commission and not new.commission:
            new = replace(new, commission=old.commission)
        if old == new:
            return None
        rec.fills[e.execId] = new
        rec.fill_con_ids[e.execId] = f.contract.conId
        return rec

    def _on_exec(self, trade: Trade, f: IBFill) -> None:
        rec = self.add_fill(f)
        if rec is not None:
            self._notify(rec)

    def _on_commission(self, trade: Trade, f: IBFill, report: CommissionReport) -> None:
        self._on_exec(trade, f)

    # --- venue sync (after every connect) ----------------------------------------------
    def sync(self, open_trades: Iterable[Trade], completed: Iterable[Trade], fills: Iterable[IBFill]) -> None:
        """Merge a full pull from the gateway: adopt by orderRef, add missed fills."""
        touched: dict[str, OrderRecord] = {}
        for trade in list(completed) + list(open_trades):  # open (live) trades attach last
            if not trade.order.whatIf:
                rec = self.attach(trade)
                touched[rec.client_order_id] = rec
        for f in fills:
            changed = self.add_fill(f)
            if changed is not None:
                touched[changed.client_order_id] = changed
        for rec in touched.values():
            self._notify(rec)

    def find_at_venue(self, client_order_id: str) -> OrderRecord | None:
        """Adopt an order ib_async already holds (open, completed or filled) by its orderRef."""
        for trade in self.ib.trades():
            if trade.order.orderRef == client_order_id and not trade.order.whatIf:
                self.attach(trade)
        for f in self.ib.fills():
            if f.execution.orderRef == client_order_id:
                self.add_fill(f)
        return self.records.get(client_order_id)

    # --- submission --------------------------------------------------------------------
    def deny(self, order: Order, reason: str) -> OrderResult:
        rec = self.records[order.client_order_id] = OrderRecord(order.client_order_id, order, denied=reason)
        self._notify(rec)
        return rec.result(self.clock.now())

    def _next_order_id(self) -> int:
        floor = max([self._max_order_id, *(t.order.orderId for t in self.ib.trades()),
                     *(f.execution.orderId for f in self.ib.fills())]) + 1
        self.ib.client.updateReqId(floor)  # type: ignore[no-untyped-call]
        order_id = self.ib.client.getReqId()
        self._max_order_id = max(self._max_order_id, order_id)
        return order_id

    async def submit(self, order: Order, con_ids: tuple[int, ...], contract: Contract,
                     ib_order: IBOrder) -> OrderResult:
        """Send once, wait for the acknowledgement; a refused duplicate order id is re-sent
        with a higher id (the gateway did not accept it, so no duplicate can result)."""
        rec = self.records[order.client_order_id] = OrderRecord(order.client_order_id, order, con_ids)
        for _ in range(MAX_ID_RETRIES):
            ib_order.orderId = self._next_order_id()
            ib_order.permId = 0
            trade = self.ib.placeOrder(contract, ib_order)
            rec.trade = trade
            await self._await_ack(trade)
            if not _refused_duplicate_id(trade):
                break
            log.warning("IB refused order id %d as a duplicate; re-sending %s with a higher id",
                        ib_order.orderId, order.client_order_id)
            ib_order = _fresh_copy(ib_order)
        if trade.orderStatus.status in ("PendingSubmit", "ApiPending"):
            rec.pending_reason = (f"no acknowledgement from IB within {self.ack_timeout_s:g}s; "
                                  "query the venue (get_order) before acting again")
        self._notify(rec)
        return rec.result(self.clock.now())

    async def _await_ack(self, trade: Trade) -> None:
        async def acked() -> None:
            while trade.orderStatus.status in ("PendingSubmit", "ApiPending"):
                await trade.statusEvent

        try:
            await asyncio.wait_for(acked(), self.ack_timeout_s)
        except TimeoutError:
            log.warning("IB order %s not acknowledged within %.1fs", trade.order.orderRef, self.ack_timeout_s)

    async def wait_for(self, client_order_id: str, predicate: Callable[[OrderResult], bool],
                       within: float) -> OrderResult:
        """Wait until the order's result satisfies `predicate`; TimeoutError otherwise."""
        done = asyncio.get_running_loop().create_future()

        def check(res: OrderResult) -> None:
            if res.client_order_id == client_order_id and predicate(res) and not done.done():
                done.set_result(res)

        current = self.result(client_order_id)
        if current is not None and predicate(current):
            return current
        self.listeners.append(check)
        try:
            result: OrderResult = await asyncio.wait_for(done, within)
            return result
        finally:
            self.listeners.remove(check)


def _leg_con_ids(contract: Contract) -> tuple[int, ...]:
    if contract.secType == "BAG":
        return tuple(leg.conId for leg in contract.comboLegs)
    return (contract.conId,) if contract.conId else ()


def _is_done(trade: Trade) -> bool:
    return trade.orderStatus.status in ("Filled", "Cancelled", "ApiCancelled", "Inactive")


def _refused_duplicate_id(trade: Trade) -> bool:
    return any(entry.errorCode == DUPLICATE_ID for entry in trade.log)


def _fresh_copy(order: IBOrder) -> IBOrder:
    fields = {k: v for k, v in vars(order).items() if k not in ("orderId", "permId", "clientId")}
    return IBOrder(**fields)

