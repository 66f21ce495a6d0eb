"""The state pull after every (re)connect and the reconciliation hook it feeds.

The pull (executions, open and completed orders, positions, account) brings the adapter's
order registry up to date first; then the hook — the lifecycle's reconciliation — compares it
with the store and answers whether trading may resume. The connection stays SYNCING (no
orders) until it has answered True.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from ib_async import IB

from dorado_tui.domain.account import AccountState, Position
from dorado_tui.domain.clock import Clock
from dorado_tui.domain.orders import Fill, OrderResult
from dorado_tui.venues.ibkr.contracts import bounded
from dorado_tui.venues.ibkr.mapping import ContractRules, account_from_values, position_from_ib
from dorado_tui.venues.ibkr.order_tracker import OrderTracker, trade_ref
from dorado_tui.venues.ibkr.pacing import TokenBucket

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VenueSnapshot:
    """Everything the gateway says right after a (re)connect, in domain types."""

    reason: str  # connect | reconnect | data-lost
    time: datetime
    open_orders: tuple[OrderResult, ...]
    completed_orders: tuple[OrderResult, ...]
    executions: tuple[Fill, ...]
    positions: tuple[Position, ...]
    account: AccountState | None


#: The lifecycle's reconciliation: True when trading may resume, False to stay paused.
ReconcileHook = Callable[[VenueSnapshot], Awaitable[bool]]

#: The Resync whose hook the current task (and the tasks it starts) runs inside.
_IN_HOOK: ContextVar[Resync | None] = ContextVar("ibkr_resync_hook", default=None)


class Resync:
    """Pulls the gateway's state into the registry and runs the reconciliation hook."""

    def __init__(self, ib: IB, tracker: OrderTracker, bucket: TokenBucket, rules: ContractRules,
                 clock: Clock, timeout_s: float) -> None:
        self.ib = ib
        self.tracker = tracker
        self.bucket = bucket
        self.rules = rules
        self.clock = clock
        self.timeout_s = timeout_s
        self.hook: ReconcileHook | None = None
        self.last: VenueSnapshot | None = None
        self.count = 0

    async def pull(self, reason: str, account: str) -> VenueSnapshot:
        t = self.timeout_s
        for _ in range(5):
            await self.bucket.acquire(priority=True)
        open_trades = await bounded(self.ib.reqAllOpenOrdersAsync(), t, "open orders")
        completed = await bounded(self.ib.reqCompletedOrdersAsync(False), t, "completed orders")
        fills = await bounded(self.ib.reqExecutionsAsync(), t, "executions")
        positions = await bounded(self.ib.reqPositionsAsync(), t, "positions")
        summary = await bounded(self.ib.accountSummaryAsync(account), t, "account summary")
        self.tracker.sync(open_trades, completed, fills)
        now = self.clock.now()
        done_refs = {trade_ref(tr) for tr in completed}
        open_refs = {trade_ref(tr) for tr in open_trades if not tr.order.whatIf}
        results = {ref: self.tracker.result(ref) for ref in done_refs | open_refs}
        try:
            acct: AccountState | None = account_from_values(summary, account, now)
        except ValueError as exc:
            log.warning("account state unavailable during resync: %s", exc)
            acct = None
        return VenueSnapshot(
            reason=reason, time=now,
            open_orders=tuple(r for k, r in results.items() if r is not None and k in open_refs),
            completed_orders=tuple(r for k, r in results.items() if r is not None and k in done_refs),
            executions=tuple(f for rec in self.tracker.records.values() for f in rec.fills.values()),
            positions=tuple(position_from_ib(p, self.rules) for p in positions
                            if p.account == account and p.contract.secType != "BAG"),
            account=acct)

    async def run(self, reason: str, account: str) -> bool:
        """Pull, then reconcile; True when trading may resume."""
        snapshot = await self.pull(reason, account)
        self.last = snapshot
        self.count += 1
        log.info("IB resync (%s): %d open, %d completed orders, %d fills, %d positions",
                 reason, len(snapshot.open_orders), len(snapshot.completed_orders),
                 len(snapshot.executions), len(snapshot.positions))
        if self.hook is None:
            return True
        token = _IN_HOOK.set(self)
        try:
            return await self.hook(snapshot)
        finally:
            _IN_HOOK.reset(token)

    def in_hook(self) -> bool:
        """True inside this resync's reconciliation hook: the intent recovery it runs may finish
        the order walks a restart interrupted (the pull above adopted every order IB knows, so
        nothing known is sent twice), while orders from anywhere else wait for READY."""
        return _IN_HOOK.get() is self

