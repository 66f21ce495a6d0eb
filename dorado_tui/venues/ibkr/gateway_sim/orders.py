"""The simulated gateway's order book: order ids, permIds, statuses and the execution journal.

Like a real gateway, orders and executions outlive client connections and "restarts"; only
the next-valid-id counter can be rolled back (the fault that makes clients reuse ids).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from dorado_tui.venues.ibkr.gateway_sim.book import (
    BAG_CON_ID,
    ComboLegSpec,
    ContractSpec,
    ExecutionOutcome,
    LegRequest,
)
from dorado_tui.venues.ibkr.gateway_sim.messages import ExecView, OrderView, ib_time

WORKING = frozenset({"PreSubmitted", "Submitted"})


@dataclass
class SimOrder:
    """One order as the gateway holds it."""

    perm_id: int
    order_id: int
    client_id: int
    contract: ContractSpec
    legs: tuple[LegRequest, ...]
    action: str
    quantity: float
    order_type: str
    lmt_price: float | None
    tif: str
    account: str
    order_ref: str
    status: str = "Submitted"
    filled: float = 0.0
    avg_price: float = 0.0
    last_fill_price: float = 0.0
    cap: float | None = None  # a partial-fill fault: at most this many units until released
    completed_time: str = ""
    completed_status: str = ""
    why_held: str = ""

    @property
    def remaining(self) -> float:
        return max(self.quantity - self.filled, 0.0)

    @property
    def working(self) -> bool:
        return self.status in WORKING

    def fillable_now(self) -> float:
        """Units that may execute now (the partial-fill cap holds the rest back)."""
        if self.cap is None:
            return self.remaining
        return max(min(self.cap, self.quantity) - self.filled, 0.0)

    def view(self) -> OrderView:
        return OrderView(order_id=self.order_id, client_id=self.client_id, perm_id=self.perm_id,
                         contract=self.contract, action=self.action,
                         total_quantity=self.quantity, order_type=self.order_type,
                         lmt_price=self.lmt_price, tif=self.tif, account=self.account,
                         order_ref=self.order_ref, status=self.status, filled=self.filled,
                         completed_time=self.completed_time,
                         completed_status=self.completed_status)

    def finish(self, status: str, moment: datetime, note: str) -> None:
        self.status = status
        self.completed_time = ib_time(moment)
        self.completed_status = note


@dataclass(frozen=True, slots=True)
class ExecRecord:
    """One journal row: the execution and its commission (None for a combo's BAG summary)."""

    view: ExecView
    commission: float | None
    currency: str


def bag_contract(symbol: str, currency: str, legs: tuple[ComboLegSpec, ...]) -> ContractSpec:
    return ContractSpec(con_id=BAG_CON_ID, symbol=symbol, sec_type="BAG", exchange="SMART",
                        currency=currency, combo_legs=legs)


@dataclass
class OrderBook:
    """Orders by permId, the (clientId, orderId) index, and the execution journal."""

    first_order_id: int = 1
    next_perm_id: int = 1_000_001
    orders: dict[int, SimOrder] = field(default_factory=dict)
    by_client_id: dict[tuple[int, int], int] = field(default_factory=dict)
    journal: list[ExecRecord] = field(default_factory=list)
    next_ids: dict[int, int] = field(default_factory=dict)
    _exec_seq: int = 0

    def next_valid_id(self, client_id: int) -> int:
        """The id the gateway announces to a client (after a rollback it may be already used)."""
        if client_id in self.next_ids:
            return self.next_ids[client_id]
        used = [oid for (cid, oid) in self.by_client_id if cid == client_id]
        return max([self.first_order_id - 1, *used]) + 1

    def roll_back_ids(self, to: int) -> None:
        """The restart fault: every client will be told `to` as its next valid id."""
        for cid in {cid for (cid, _) in self.by_client_id} | set(self.next_ids):
            self.next_ids[cid] = to
        self.first_order_id = to

    def find(self, client_id: int, order_id: int) -> SimOrder | None:
        perm = self.by_client_id.get((client_id, order_id))
        return self.orders.get(perm) if perm is not None else None

    def add(self, order: SimOrder) -> SimOrder:
        self.orders[order.perm_id] = order
        self.by_client_id[(order.client_id, order.order_id)] = order.perm_id
        self.next_ids[order.client_id] = max(self.next_valid_id(order.client_id), order.order_id + 1)
        return order

    def new_perm_id(self) -> int:
        perm = self.next_perm_id
        self.next_perm_id += 1
        return perm

    def working(self, client_id: int | None = None) -> list[SimOrder]:
        return [o for o in self.orders.values()
                if o.working and (client_id is None or o.client_id == client_id)]

    def completed(self) -> list[SimOrder]:
        return [o for o in self.orders.values() if not o.working]

    def record_fill(self, order: SimOrder, outcome: ExecutionOutcome, moment: datetime) -> list[ExecRecord]:
        """Apply an execution to the order and journal it (BAG summary row first for combos)."""
        qty = outcome.quantity
        total = order.avg_price * order.filled + outcome.net_price * qty
        order.filled += qty
        order.avg_price = total / order.filled
        order.last_fill_price = outcome.net_price
        rows: list[ExecRecord] = []
        if order.contract.sec_type == "BAG":
            rows.append(self._row(order, order.contract, order.action, qty, outcome.net_price,
                                  order.filled, order.avg_price, moment, None))
        for leg in outcome.legs:
            cum = self._leg_cum(order, leg.spec.con_id) + leg.quantity
            rows.append(self._row(order, leg.spec, leg.action, leg.quantity, leg.price, cum,
                                  leg.price, moment, leg.commission))
        self.journal.extend(rows)
        return rows

    def _leg_cum(self, order: SimOrder, con_id: int) -> float:
        return sum(r.view.shares for r in self.journal
                   if r.view.perm_id == order.perm_id and r.view.contract.con_id == con_id
                   and r.view.contract.sec_type != "BAG")

    def _row(self, order: SimOrder, spec: ContractSpec, action: str, qty: float, price: float,
             cum: float, avg: float, moment: datetime, commission: float | None) -> ExecRecord:
        self._exec_seq += 1
        exec_id = f"{order.perm_id:08x}.{self._exec_seq:08x}.01.01"
        view = ExecView(exec_id=exec_id, order_id=order.order_id, client_id=order.client_id,
                        perm_id=order.perm_id, contract=spec, time=moment, account=order.account,
                        side="BOT" if action == "BUY" else "SLD", shares=qty, price=price,
                        cum_qty=cum, avg_price=avg if not math.isnan(avg) else price,
                        order_ref=order.order_ref)
        return ExecRecord(view, commission, spec.currency or "USD")

    def executions_for(self, client_id: int, since: datetime | None, symbol: str,
                       sec_type: str, side: str) -> list[ExecRecord]:
        """The journal filtered like reqExecutions (clientId 0 = every client)."""
        out = []
        for rec in self.journal:
            v = rec.view
            if client_id and v.client_id != client_id:
                continue
            if since is not None and v.time < since:
                continue
            if symbol and v.contract.symbol != symbol:
                continue
            if sec_type and v.contract.sec_type != sec_type:
                continue
            if side and not v.side.startswith(side[:1].upper()):
                continue
            out.append(rec)
        return out
