"""The engine half of the risk radar: persists decisions, trips and resumes, and enforces the
trading state in the same transaction that records an order intent.

Pure decisions come from `dorado_tui.risk`; this service stores them (risk events, trading-state
rows with their audit entries), publishes changes on the bus, and keeps every process's view of
the states fresh (`TradingStateWatcher`: bus events plus a database poll, so a kill is seen in
well under a second even when the bus is in-process or a message is lost).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import BadInput
from dorado_tui.domain.orders import Order, OrderResult
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.risk_codec import book_from_records, scope_details, scope_reason
from dorado_tui.risk.breakers import BreakerInputs, BreakerOutcome, apply_trips, evaluate_breakers
from dorado_tui.risk.events import Alert, alerts_from_decisions
from dorado_tui.risk.gate import Lock, order_allowed, order_underlyings
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.protections import (
    ClosedTrade,
    ProtectionOutcome,
    StopOut,
    evaluate_protections,
)
from dorado_tui.risk.trading_state import GLOBAL, Resume, TradingStateBook, Trip, order_scopes
from dorado_tui.store.bus import EventBus
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit as audit_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import risk as risk_repo
from dorado_tui.venues.base import VenueAdapter

TRADING_STATE_CHANNEL = "trading_state"
ALERT_CHANNEL = "risk.alert"


@dataclass(frozen=True, slots=True)
class Admission:
    """The gate's decision for one order and, when admitted, the intent recorded with it."""

    decision: Decision
    intent: order_repo.Intent | None

    @property
    def admitted(self) -> bool:
        return self.intent is not None


async def load_book(session: AsyncSession, lock: bool = False) -> TradingStateBook:
    """Every stored scope's latched state (`lock` holds the rows for the transaction)."""
    return book_from_records(await risk_repo.trading_states(session, lock=lock))


class RiskService:
    """Stores and enforces trading states, risk events and alerts for one store."""

    def __init__(self, db: Database, policy: RiskPolicy, clock: Clock, bus: EventBus | None = None,
                 *, actor: str = "risk") -> None:
        self.db, self.policy, self.clock, self.bus, self.actor = db, policy, clock, bus, actor

    async def start(self) -> None:
        """Make sure the global row exists, so every order gate can lock it (PostgreSQL FOR SHARE)."""
        async with self.db.transaction() as tx:
            await audit_repo.lock_chain(tx, self.clock.now())  # lock order: see admit_order
            record = await risk_repo.get_trading_state(tx, GLOBAL, lock=True)
            if record.at is None:
                await risk_repo.set_trading_state(tx, TradingState.ACTIVE, scope=GLOBAL, reason="initialized",
                                                  set_by=self.actor, at=self.clock.now())

    async def book(self) -> TradingStateBook:
        async with self.db.read() as session:
            return await load_book(session)

    async def admit_order(self, tx: AsyncSession, order: Order, positions: Mapping[str, float], *,
                          layer: str | None = None, candidate_id: str | None = None,
                          locks: Iterable[Lock] = (), actor: str = "engine") -> Admission:
        """The gate before every order, inside the caller's transaction: read the states (locked),
        decide, record the decision, and — only when allowed — record the order intent.

        The lifecycle calls this in the transaction that moves the bot to EXECUTING; a kill
        committed first is seen here, one committed later waits for this transaction.
        """
        now = self.clock.now()
        # Lock order everywhere: the audit chain's head first, then trading-state rows. A trip
        # (kill) takes them in the same order; the other order deadlocks on PostgreSQL.
        await audit_repo.lock_chain(tx, now)
        book = await load_book(tx, lock=True)
        decision = order_allowed(order, positions, book, now=now, layer=layer, locks=locks)
        await risk_repo.record_risk_events(tx, [decision], at=now, scope=GLOBAL, kind="order_gate",
                                           candidate_id=candidate_id)
        if not decision.passed:
            return Admission(decision, None)
        intent = await order_repo.record_intent(tx, order, at=now, candidate_id=candidate_id, actor=actor)
        return Admission(decision, intent)

    async def submit_admitted(self, venue: VenueAdapter, order: Order, *, layer: str | None = None) -> OrderResult:
        """Send an admitted order, then look at the stored state again: if a kill committed while
        it was on its way, cancel it at once. With the kill's own cancel rounds (which start only
        after its HALT is committed) no order can be left working behind a kill, whichever
        process sent it."""
        result = await venue.place_order(order)
        if not result.status.is_working:
            return result
        scopes = order_scopes(layer, order.bot_id, order_underlyings(order))
        async with self.db.read() as session:
            state = (await load_book(session)).effective(scopes)
        if state is TradingState.HALTED:
            cancel = await venue.cancel_order(order.client_order_id)
            return await venue.get_order(order.client_order_id) or OrderResult(
                order.client_order_id, result.venue_order_id, cancel.status, result.filled_quantity,
                result.avg_fill_price, result.fills, f"cancelled: {state.value} while in flight")
        return result

    async def record_decisions(self, decisions: Sequence[Decision], *, kind: str, scope: str = GLOBAL,
                               candidate_id: str | None = None) -> int:
        """Persist check decisions (trade/portfolio verdicts) so the operator can see each figure,
        and raise alerts for the notable passing ones (near a limit, cash drag, ...)."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            n = await risk_repo.record_risk_events(tx, decisions, at=now, scope=scope, kind=kind,
                                                   candidate_id=candidate_id)
        await self._publish_alerts(alerts_from_decisions(list(decisions), now, scope))
        return n

    async def apply_breakers(self, inputs: BreakerInputs) -> BreakerOutcome:
        """Evaluate every breaker, latch new trips, record them, publish state changes and alerts."""
        outcome = evaluate_breakers(inputs, self.policy)
        failed = [d for d in outcome.decisions if not d.passed]
        fresh = await self.trip(outcome.trips, decisions=failed, kind="breaker_trip")
        codes = {t.code for t in fresh}
        alerts = [a for a in outcome.alerts if a.code in codes or a.decision is None or a.decision.passed]
        await self._publish_alerts(alerts)
        return outcome

    async def apply_protections(self, stops: Iterable[StopOut], trades: Iterable[ClosedTrade],
                                nav: float) -> ProtectionOutcome:
        """Evaluate the protections; record each lock once (and alert) the first time it appears.

        Locks are time-bound and recomputed from the facts on every call; the caller passes the
        outcome's `locks` to `admit_order`.
        """
        now = self.clock.now()
        outcome = evaluate_protections(stops, trades, now, nav, self.policy)
        new: list[tuple[Decision, Alert]] = []
        async with self.db.transaction() as tx:
            for decision, alert in zip(outcome.decisions, outcome.alerts, strict=True):
                scope = str(decision.details["scope"])
                seen = await risk_repo.risk_events(tx, scope=scope, kind="protection_lock", limit=50)
                if any(e.decision.code == decision.code and e.decision.details.get("until") ==
                       decision.details["until"] for e in seen):
                    continue
                await risk_repo.record_risk_events(tx, [decision], at=now, scope=scope, kind="protection_lock")
                new.append((decision, alert))
        await self._publish_alerts(a for _, a in new)
        return outcome

    async def trip(self, trips: Sequence[Trip], *, decisions: Sequence[Decision] = (), kind: str = "breaker_trip",
                   actor: str | None = None) -> tuple[Trip, ...]:
        """Latch trips (only ever escalating); returns those that were new. One transaction."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await audit_repo.lock_chain(tx, now)  # same lock order as admit_order (see there)
            book = await load_book(tx, lock=True)
            new_book, fresh = apply_trips(book, tuple(trips))
            for scope in dict.fromkeys(t.scope for t in fresh):
                ss = new_book.get(scope)
                await risk_repo.set_trading_state(tx, ss.state, scope=scope, reason=scope_reason(ss),
                                                  set_by=actor or self.actor, at=now, latched=True,
                                                  details=scope_details(ss))
            new_codes = {(t.scope, t.code) for t in fresh}
            for d in decisions:
                scope = str(d.details.get("scope", GLOBAL))
                if (scope, d.code) in new_codes:
                    await risk_repo.record_risk_events(tx, [d], at=now, scope=scope, kind=kind)
        for scope in dict.fromkeys(t.scope for t in fresh):
            await self._publish_state(scope, new_book.get(scope).state, scope_reason(new_book.get(scope)))
        return fresh

    async def resume(self, scope: str, reason: str, operator: str) -> Resume:
        """Operator resume of one scope: clears its trips (audited with the reason)."""
        if not reason.strip():
            raise BadInput("a resume needs a reason: dorado resume --reason \"...\"")
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await audit_repo.lock_chain(tx, now)  # same lock order as admit_order (see there)
            book = await load_book(tx, lock=True)
            new_book, record = book.resume(scope, reason, operator, now)
            text = f"resumed by {operator}: {record.reason}"
            await risk_repo.set_trading_state(tx, TradingState.ACTIVE, scope=scope, reason=text, set_by=operator,
                                              at=now, latched=False, details=scope_details(new_book.get(scope)))
            cleared = ", ".join(t.code for t in record.cleared) or "nothing latched"
            decision = Decision("risk.resume", True, "RESUMED",
                                f"{scope} {record.previous.value} → ACTIVE by {operator} ({record.reason}); "
                                f"cleared: {cleared}", None, None, {"scope": scope, "operator": operator})
            await risk_repo.record_risk_events(tx, [decision], at=now, scope=scope, kind="resume")
        await self._publish_state(scope, TradingState.ACTIVE, text)
        return record

    async def _publish_state(self, scope: str, state: TradingState, reason: str) -> None:
        if self.bus is not None:
            await self.bus.publish(TRADING_STATE_CHANNEL, {"scope": scope, "state": state.value, "reason": reason,
                                                           "at": self.clock.now().isoformat()})

    async def _publish_alerts(self, alerts: Iterable[Alert]) -> None:
        if self.bus is not None:
            for alert in alerts:
                await self.bus.publish(ALERT_CHANNEL, alert.as_dict())


class TradingStateWatcher:
    """This process's fresh view of the trading states: a bus event or a poll refreshes it."""

    def __init__(self, db: Database, bus: EventBus | None = None, poll_seconds: float = 0.25) -> None:
        self.db, self.bus, self.poll_seconds = db, bus, poll_seconds
        self._book = TradingStateBook()
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    @property
    def book(self) -> TradingStateBook:
        return self._book

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._run(), name="trading-state-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def refresh(self) -> TradingStateBook:
        async with self.db.read() as session:
            book = await load_book(session)
        async with self._changed:
            self._book = book
            self._changed.notify_all()
        return book

    async def wait_for(self, predicate: Callable[[TradingStateBook], bool], within: float) -> bool:
        """Wait until the book satisfies `predicate` (True) or `within` seconds pass (False)."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self._book)), within)
            except TimeoutError:
                return False
        return True

    async def _run(self) -> None:
        sub = await self.bus.subscribe(TRADING_STATE_CHANNEL) if self.bus is not None else None
        try:
            while True:
                if sub is not None:
                    await sub.get(within=self.poll_seconds)
                else:
                    await asyncio.sleep(self.poll_seconds)
                await self.refresh()
        finally:
            if sub is not None:
                await sub.close()
