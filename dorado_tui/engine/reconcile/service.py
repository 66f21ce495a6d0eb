"""The Reconciler service: venue vs store at start-up, after every reconnect, and on schedule.

One run: the lifecycle's intent recovery first (it settles every unresolved intent by asking the
venue about its client order id — this service does not duplicate it), then the lifecycle's
processing of the venue's own bookings when wired, then the two snapshots and the pure
comparison. Executions and order states of Dorado's own orders are ingested (idempotently, by
exec id and client order id); a discrepancy is compared once more after `confirm_delay` (an
order that filled between the two snapshots is not a discrepancy), and one that persists latches
the global trading state (REDUCING or HALTED) through `RiskService.trip` with an alert carrying
the readable diff. Runs hold the store lease "reconcile", so cron and the daemon never overlap.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.orders import OrderResult
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.reconcile.compare import reconcile
from dorado_tui.engine.reconcile.model import Reconciliation, VenueView
from dorado_tui.engine.reconcile.snapshots import (
    interest,
    store_view,
    venue_view,
    venue_view_from_pull,
    with_exec_ids,
)
from dorado_tui.engine.risk_service import ALERT_CHANNEL, RiskService
from dorado_tui.risk.events import Alert, Severity
from dorado_tui.risk.trading_state import GLOBAL, Trip
from dorado_tui.store.bus import EventBus
from dorado_tui.store.database import Database
from dorado_tui.store.leases import Leases
from dorado_tui.store.repos import audit
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.venues.base import VenueAdapter

LEASE = "reconcile"
CHANNEL = "reconcile.completed"
#: The lifecycle's hooks: settle unresolved intents at the venue; process expiries/assignments.
Hook = Callable[[], Awaitable[Any]]
#: The lifecycle's order hand-off: record a venue order result (status and fills) of one of its
#: orders and refresh its position in one transaction; False when the order is not its own.
OrderHook = Callable[[OrderResult], Awaitable[bool]]
CODES = {TradingState.HALTED: "RECONCILE_UNKNOWN_ORDER", TradingState.REDUCING: "RECONCILE_MISMATCH"}


@dataclass(frozen=True)
class ReconcileSettings:
    """How far back executions are compared, and how long a discrepancy must persist."""

    execution_window: timedelta = timedelta(days=7)
    confirm_delay: float = 2.0
    lease_ttl: float = 120.0
    lease_wait: float = 60.0


class Reconciler:
    """Reconciles one store with its venues (see the module docstring)."""

    name = "reconciler"

    def __init__(self, db: Database, risk: RiskService, clock: Clock, *, bus: EventBus | None = None,
                 leases: Leases | None = None, recover: Hook | None = None, process_events: Hook | None = None,
                 on_order: OrderHook | None = None, twin_exec_id: Callable[[str], str] | None = None,
                 settings: ReconcileSettings | None = None, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 actor: str = "reconcile") -> None:
        self.db, self.risk, self.clock, self.bus, self.leases = db, risk, clock, bus, leases
        self.recover, self.process_events, self.on_order = recover, process_events, on_order
        self.twin_exec_id = twin_exec_id
        self.settings = settings or ReconcileSettings()
        self.sleep, self.actor = sleep, actor
        self.last: dict[str, Reconciliation] = {}

    @classmethod
    def from_runtime(cls, rt: Any, *, risk: RiskService | None = None, recover: Hook | None = None,
                     process_events: Hook | None = None, on_order: OrderHook | None = None,
                     twin_exec_id: Callable[[str], str] | None = None,
                     settings: ReconcileSettings | None = None) -> Reconciler:
        """The reconciler of a runtime (registered as `rt.services["reconciler"]`)."""
        risk = risk or rt.services.get("risk") or RiskService(rt.db, rt.config.risk_policy, rt.clock, rt.bus)
        rec = cls(rt.db, risk, rt.clock, bus=rt.bus, leases=rt.leases, recover=recover,
                  process_events=process_events, on_order=on_order, twin_exec_id=twin_exec_id, settings=settings)
        rt.services["reconciler"] = rec
        return rec

    # ----------------------------------------------------------------- entry points

    async def run(self, venue: VenueAdapter, *, reason: str = "schedule", paper: bool = False,
                  enforce: bool = True) -> Reconciliation:
        """Reconcile one venue account. `paper` picks the paper-twin positions; `enforce=False`
        reports and alerts without touching the trading state (the paper-twin account)."""
        async with self._lease():
            await self._lifecycle_hooks()
            result = await self._compare_and_ingest(venue, reason, paper)
            if not result.clean and self.settings.confirm_delay >= 0:
                await self.sleep(self.settings.confirm_delay)
                result = await self._compare_and_ingest(venue, reason, paper)
            return await self._conclude(result, paper=paper, enforce=enforce)

    async def run_all(self, venue: VenueAdapter, twin: VenueAdapter | None, *, reason: str) -> list[Reconciliation]:
        """The trading account (enforced) and the paper-twin account (advisory)."""
        out = [await self.run(venue, reason=reason)]
        if twin is not None and twin is not venue:
            out.append(await self.run(twin, reason=reason, paper=True, enforce=False))
        return out

    async def run_pull(self, snapshot: Any, *, venue_name: str = "ibkr") -> Reconciliation:
        """Reconcile against a venue's own post-(re)connect pull (the IBKR adapter's hook)."""
        async with self._lease():
            await self._lifecycle_hooks()
            view = venue_view_from_pull(snapshot, venue_name)
            result = await self._ingest(view, paper=False)
            return await self._conclude(result, paper=False, enforce=True)

    def venue_hook(self, venue_name: str = "ibkr") -> Callable[[Any], Awaitable[bool]]:
        """The hook for `IBKRAdapter.set_reconciler`: True (trading may resume) once the
        comparison ran and its verdict is latched; False only when it could not run, so the
        connection stays paused rather than trade unreconciled. A discrepancy is enforced by the
        latched trading state (REDUCING still lets positions be reduced; cancels always work)."""
        async def hook(snapshot: Any) -> bool:
            try:
                await self.run_pull(snapshot, venue_name=venue_name)
            except Exception:  # the adapter logs the pause; the alert says why
                await self._alert(Severity.CRITICAL, "RECONCILE_FAILED",
                                  "reconciliation after (re)connect failed: orders stay paused", GLOBAL)
                return False
            return True
        return hook

    # ----------------------------------------------------------------- the steps

    async def _lifecycle_hooks(self) -> None:
        if self.recover is not None:
            await self.recover()
        if self.process_events is not None:
            await self.process_events()

    async def _compare_and_ingest(self, venue: VenueAdapter, reason: str, paper: bool) -> Reconciliation:
        now = self.clock.now()
        async with self.db.read() as session:
            ask = await interest(session)
        view = await venue_view(venue, reason=reason, now=now, ask=ask,
                                since=now - self.settings.execution_window)
        return await self._ingest(view, paper=paper)

    async def _ingest(self, raw: VenueView, *, paper: bool) -> Reconciliation:
        """Compare, then write what the venue proved: Dorado's orders go to the lifecycle's
        hand-off when wired (their positions refresh with them), the rest — and everything
        without the hook — are recorded directly, in one transaction."""
        view = with_exec_ids(raw, self.twin_exec_id) if paper and self.twin_exec_id is not None else raw
        async with self.db.read() as session:
            store = await store_view(session, view, paper=paper)
        result = reconcile(view, store)
        handed = await self._hand_off(result, raw, store.intents)
        orders = [o for o in result.orders_to_record if o.client_order_id not in handed]
        fills = [f for f in result.fills_to_ingest if f.client_order_id not in handed]
        if orders or fills:
            async with self.db.transaction() as tx:
                for order in orders:
                    await order_repo.record_order_result(tx, order, view.time)
                for fill in fills:
                    await order_repo.record_fill(tx, fill)
        return result

    async def _hand_off(self, result: Reconciliation, raw: VenueView, intents: Any) -> set[str]:
        """Client order ids the lifecycle took (recorded with their fills, positions refreshed)."""
        handed: set[str] = set()
        if self.on_order is None:
            return handed
        wanted = {o.client_order_id for o in result.orders_to_record} | {f.client_order_id for f in result.fills_to_ingest}
        for cid in sorted(wanted):
            if cid in intents and cid in raw.orders and await self.on_order(raw.orders[cid]):
                handed.add(cid)
        return handed

    async def _conclude(self, result: Reconciliation, *, paper: bool, enforce: bool) -> Reconciliation:
        """Audit the run; latch the verdict (enforced accounts) and alert with the diff."""
        account = "paper-twin" if paper else "trading"
        async with self.db.transaction() as tx:
            await audit.append(tx, actor=self.actor, action="reconcile.run", subject=f"{result.venue}:{account}",
                               at=result.time, payload={**_summary(result), "diff": result.diff_lines()[:100]})
        self.last[account] = result
        if not result.clean:
            await self._enforce(result, enforce=enforce)
        if self.bus is not None:
            await self.bus.publish(CHANNEL, {**_summary(result), "account": account})
        return result

    async def _enforce(self, result: Reconciliation, *, enforce: bool) -> None:
        verdict = result.verdict
        code = CODES[verdict]
        text = result.headline() + "\n" + "\n".join(result.diff_lines())
        if not enforce:
            await self._alert(Severity.WARNING, code, "paper-twin account (advisory, trading unchanged): " + text,
                              "paper_twins")
            return
        decision = Decision.deny("reconcile", code, text, float(len(result.blocking)), 0.0,
                                 scope=GLOBAL, digest=result.digest, venue=result.venue)
        trip = Trip(GLOBAL, verdict, code, result.headline(), result.time, figure=float(len(result.blocking)),
                    period=result.digest)
        fresh = await self.risk.trip([trip], decisions=[decision], kind="reconcile", actor=self.actor)
        if fresh:
            severity = Severity.EMERGENCY if verdict is TradingState.HALTED else Severity.CRITICAL
            await self._alert(severity, code, text, GLOBAL, decision)

    async def _alert(self, severity: Severity, code: str, message: str, scope: str,
                     decision: Decision | None = None) -> None:
        if self.bus is not None:
            alert = Alert(severity, code, message, self.clock.now(), scope, decision)
            await self.bus.publish(ALERT_CHANNEL, alert.as_dict())

    def _lease(self) -> Any:
        if self.leases is None:
            return _NoLease()
        s = self.settings
        return self.leases.lock(LEASE, ttl=s.lease_ttl, wait=s.lease_wait)


class _NoLease:
    async def __aenter__(self) -> str:
        return uuid.uuid4().hex

    async def __aexit__(self, *_exc: object) -> None:
        return None


def _summary(result: Reconciliation) -> dict[str, Any]:
    return {"venue": result.venue, "account_id": result.account, "reason": result.reason,
            "verdict": result.verdict.value, "digest": result.digest, "findings": len(result.findings),
            "blocking": len(result.blocking), "ingested_fills": len(result.fills_to_ingest),
            "recorded_orders": len(result.orders_to_record), "at": _iso(result.time)}


def _iso(at: datetime) -> str:
    return at.isoformat()
