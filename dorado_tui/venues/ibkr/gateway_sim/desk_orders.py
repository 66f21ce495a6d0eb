"""The simulator's order desk: placement, modification, cancels, fills and the order queries.

Message order per order follows a real gateway: openOrder and orderStatus acknowledge the
order before any fill; each fill is execDetails (a BAG summary row, then one row per leg),
then orderStatus, then the legs' commissionReports.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dorado_tui.domain.clock import Clock
from dorado_tui.venues.ibkr.gateway_sim.book import (
    Book,
    ExecutionOutcome,
    ExecutionRequest,
    LegRequest,
)
from dorado_tui.venues.ibkr.gateway_sim.faults import FaultPlan, ReplyKind
from dorado_tui.venues.ibkr.gateway_sim.messages import OrderView, WhatIfMargin
from dorado_tui.venues.ibkr.gateway_sim.orders import ExecRecord, OrderBook, SimOrder, bag_contract
from dorado_tui.venues.ibkr.gateway_sim.requests import (
    ExecutionsRequest,
    PlaceOrderRequest,
)
from dorado_tui.venues.ibkr.gateway_sim.session import Session
from dorado_tui.venues.ibkr.gateway_sim.wire import Field

Sessions = Callable[[int], list[Session]]
FillHook = Callable[[set[int]], Awaitable[None]]


def parse_filter_time(text: str) -> datetime | None:
    """An execution-filter time (`yyyymmdd hh:mm:ss[ zone]` or `yyyymmdd-hh:mm:ss`, UTC)."""
    text = text.strip()
    if not text:
        return None
    body = text.replace("-", " ", 1) if "-" in text[:9] else text
    parts = body.split()
    zone = ZoneInfo(parts[2]) if len(parts) > 2 else UTC
    moment = datetime.strptime(" ".join(parts[:2]), "%Y%m%d %H:%M:%S").replace(tzinfo=zone)
    return moment.astimezone(UTC)


class OrderDesk:
    """Holds the order book and answers every order request."""

    def __init__(self, book: Book, clock: Clock, faults: FaultPlan, orders: OrderBook,
                 sessions_of: Sessions, on_fill: FillHook) -> None:
        self.book = book
        self.clock = clock
        self.faults = faults
        self.orders = orders
        self._sessions_of = sessions_of
        self._on_fill = on_fill
        self.received: list[PlaceOrderRequest] = []  # every placeOrder seen (for duplicate checks)
        self.routing = True  # False while the gateway has lost its upstream (1100/2110)

    # --- placement ---------------------------------------------------------------------
    async def place(self, s: Session, req: PlaceOrderRequest) -> None:
        assert s.client_id is not None
        if req.what_if:
            await self._what_if(s, req)
            return
        self.received.append(req)
        existing = self.orders.find(s.client_id, req.order_id)
        if existing is not None:
            await self._modify(s, existing, req)
            return
        legs = await self._legs(req)
        if legs is None:
            s.send(s.encoder.error(req.order_id, 200, "No security definition has been found for the request"))
            return
        order = self._new_order(s.client_id, req, legs)
        rejection = self.faults.take_rejection()
        if rejection is not None:
            self._reject(order, rejection.code, rejection.reason)
            return
        partial = self.faults.take_partial()
        order.cap = partial
        silent = self.faults.take_drop(ReplyKind.ORDER_ACK)
        outcome = None if self._held() else await self._execute(order)
        if outcome is not None and outcome.rejected:
            self._reject(order, 201, f"Order rejected - reason:{outcome.reject_reason}")
            return
        if not silent:
            self._send_to_owner(order, self._ack(order))
        if outcome is not None and outcome.quantity > 0:
            await self._report_fill(order, outcome)

    def _new_order(self, client_id: int, req: PlaceOrderRequest, legs: tuple[LegRequest, ...]) -> SimOrder:
        contract = (bag_contract(legs[0].spec.symbol, legs[0].spec.currency, req.combo_legs)
                    if req.sec_type == "BAG" else legs[0].spec)
        return self.orders.add(SimOrder(
            perm_id=self.orders.new_perm_id(), order_id=req.order_id, client_id=client_id,
            contract=contract, legs=legs, action=req.action, quantity=req.total_quantity,
            order_type=req.order_type, lmt_price=req.lmt_price, tif=req.tif or "DAY",
            account=req.account or self.book.account_id, order_ref=req.order_ref))

    async def _legs(self, req: PlaceOrderRequest) -> tuple[LegRequest, ...] | None:
        if req.sec_type == "BAG":
            legs = []
            for leg in req.combo_legs:
                spec = await self.book.contract(leg.con_id)
                if spec is None:
                    return None
                legs.append(LegRequest(spec, leg.action, leg.ratio))
            return tuple(legs) or None
        if req.contract.con_id:
            spec = await self.book.contract(req.contract.con_id)
        else:
            found = await self.book.find_contracts(req.contract)
            spec = found[0] if len(found) == 1 else None
        # legs are relative to the order's action, as in IB combos: a lone leg is "BUY" the order
        return None if spec is None else (LegRequest(spec, "BUY", 1),)

    async def _modify(self, s: Session, order: SimOrder, req: PlaceOrderRequest) -> None:
        if not order.working:
            s.send(s.encoder.error(req.order_id, 103, "Duplicate order id"))
            return
        order.quantity = req.total_quantity
        order.lmt_price = req.lmt_price
        self._send_to_owner(order, self._ack(order))
        await self.try_fill(order)

    def _reject(self, order: SimOrder, code: int, reason: str) -> None:
        order.finish("Inactive", self.clock.now(), f"Rejected: {reason}")
        for s in self._sessions_of(order.client_id):
            s.send(s.encoder.error(order.order_id, code, reason))

    async def _what_if(self, s: Session, req: PlaceOrderRequest) -> None:
        legs = await self._legs(req)
        if legs is None:
            s.send(s.encoder.error(req.order_id, 200, "No security definition has been found for the request"))
            return
        request = ExecutionRequest(f"whatif-{req.order_id}", req.action, legs, req.total_quantity,
                                   req.lmt_price, self.clock.now())
        impact = await self.book.margin_impact(request)
        if isinstance(impact, str):
            s.send(s.encoder.error(req.order_id, 201, f"Order rejected - reason:{impact}"))
            return
        contract = legs[0].spec if req.sec_type != "BAG" else bag_contract(
            legs[0].spec.symbol, legs[0].spec.currency, req.combo_legs)
        view = OrderView(order_id=req.order_id, client_id=s.client_id or 0, perm_id=0,
                         contract=contract, action=req.action, total_quantity=req.total_quantity,
                         order_type=req.order_type, lmt_price=req.lmt_price, tif=req.tif,
                         account=self.book.account_id, order_ref=req.order_ref,
                         status="PreSubmitted", what_if=True,
                         margin=WhatIfMargin(impact[0], impact[1], 0.0, impact[2]))
        s.send(s.encoder.open_order(view))

    # --- fills ---------------------------------------------------------------------------
    def _held(self) -> bool:
        return self.faults.hold_orders or not self.routing

    async def _execute(self, order: SimOrder) -> ExecutionOutcome | None:
        qty = order.fillable_now()
        if qty <= 0:
            return None
        return await self.book.execute(ExecutionRequest(
            str(order.perm_id), order.action, order.legs, qty, order.lmt_price, self.clock.now()))

    async def try_fill(self, order: SimOrder) -> bool:
        """Execute what the market allows now; True when something filled."""
        if not order.working or self._held():
            return False
        outcome = await self._execute(order)
        if outcome is None or outcome.quantity <= 0:
            if outcome is not None and outcome.rejected:
                self._reject(order, 201, f"Order rejected - reason:{outcome.reject_reason}")
            return False
        await self._report_fill(order, outcome)
        return True

    async def _report_fill(self, order: SimOrder, outcome: ExecutionOutcome) -> None:
        now = self.clock.now()
        rows = self.orders.record_fill(order, outcome, now)
        if order.remaining <= 1e-9:
            order.finish("Filled", now, f"Filled Size: {order.filled:g}")
        for s in self._sessions_of(order.client_id):
            for row in rows:
                s.send(s.encoder.exec_details(-1, row.view))
            s.send(self._status(s, order))
            for row in rows:
                if row.commission is not None:
                    s.send(s.encoder.commission_report(row.view.exec_id, row.commission, row.currency))
        await self._on_fill({leg.spec.con_id for leg in outcome.legs})

    async def step(self) -> int:
        """One market step: every working order executes what it can; returns orders filled."""
        count = 0
        for order in list(self.orders.working()):
            count += await self.try_fill(order)
        return count

    async def release_partials(self) -> int:
        for order in self.orders.working():
            order.cap = None
        return await self.step()

    # --- cancels -------------------------------------------------------------------------
    async def cancel(self, s: Session, order_id: int) -> None:
        assert s.client_id is not None
        order = self.orders.find(s.client_id, order_id)
        if order is None:
            s.send(s.encoder.error(order_id, 10147, f"OrderId {order_id} that needs to be cancelled is not found."))
            return
        if not order.working:
            s.send(s.encoder.error(order_id, 10148, f"OrderId {order_id} that needs to be cancelled "
                                                    f"cannot be cancelled, state: {order.status}."))
            return
        self.cancel_order(order, "Cancelled by the API client", silent=self.faults.take_drop(ReplyKind.CANCEL))

    def cancel_order(self, order: SimOrder, note: str, silent: bool = False) -> None:
        """Cancel a working order (client request, global cancel or the gateway itself)."""
        order.finish("Cancelled", self.clock.now(), note)
        if silent:
            return
        for s in self._sessions_of(order.client_id):
            s.send(s.encoder.order_status(order.order_id, "Cancelled", order.filled, order.remaining,
                                          order.avg_price, order.perm_id, order.last_fill_price,
                                          order.client_id))
            s.send(s.encoder.error(order.order_id, 202, "Order Canceled - reason:"))

    def global_cancel(self) -> None:
        for order in self.orders.working():
            self.cancel_order(order, "Global cancel")

    # --- queries -------------------------------------------------------------------------
    def open_orders(self, s: Session, all_clients: bool) -> None:
        if self.faults.take_drop(ReplyKind.OPEN_ORDERS):
            return
        scope = None if all_clients or s.client_id == 0 else s.client_id
        for order in self.orders.working(scope):
            s.send(s.encoder.open_order(order.view()))
            s.send(self._status(s, order))
        s.send(s.encoder.open_order_end())

    def completed_orders(self, s: Session) -> None:
        if self.faults.take_drop(ReplyKind.COMPLETED_ORDERS):
            return
        for order in self.orders.completed():
            s.send(s.encoder.completed_order(order.view()))
        s.send(s.encoder.completed_orders_end())

    def executions(self, s: Session, req: ExecutionsRequest) -> None:
        if self.faults.take_drop(ReplyKind.EXECUTIONS):
            return
        rows: list[ExecRecord] = self.orders.executions_for(
            req.client_id, parse_filter_time(req.time), req.symbol, req.sec_type, req.side)
        for row in rows:
            s.send(s.encoder.exec_details(req.req_id, row.view))
        for row in rows:
            if row.commission is not None:
                s.send(s.encoder.commission_report(row.view.exec_id, row.commission, row.currency))
        s.send(s.encoder.exec_details_end(req.req_id))

    # --- helpers -------------------------------------------------------------------------
    def _ack(self, order: SimOrder) -> Callable[[Session], list[list[Field]]]:
        def build(s: Session) -> list[list[Field]]:
            return [s.encoder.open_order(order.view()), self._status(s, order)]

        return build

    def _send_to_owner(self, order: SimOrder, build: Callable[[Session], list[list[Field]]]) -> None:
        for s in self._sessions_of(order.client_id):
            for msg in build(s):
                s.send(msg)

    @staticmethod
    def _status(s: Session, order: SimOrder) -> list[Field]:
        avg = order.avg_price if order.filled and not math.isnan(order.avg_price) else 0.0
        return s.encoder.order_status(order.order_id, order.status, order.filled, order.remaining,
                                      avg, order.perm_id, order.last_fill_price, order.client_id)
