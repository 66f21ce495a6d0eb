"""The console's live stream: audit entries, fills, denials and regime changes from the store, alerts
from the bus, marks from the quote poller, and "re-read the snapshot" notices, to every listener.

The store is the record and the bus only a doorbell (delivery is at-most-once and, in-process,
this process only): the feed follows the audit log, the fills and the risk events by their keys
on a short poll, and any bus message rings it at once. So nothing another process writes is
missed and nothing is shown twice. Events are numbered here in the order found (`seq` grows by
one per event); the newest ones are kept for the snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterable

from dorado_tui.domain.orders import Fill
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.engine.console_backend import events
from dorado_tui.engine.console_backend.events import Draft
from dorado_tui.engine.console_backend.loops import Periodic
from dorado_tui.engine.console_backend.queries import (
    Cursor,
    failed_risk_events_after,
    fills_after,
    heads,
)
from dorado_tui.engine.console_views import ConsoleEvent, EventView, SnapshotInvalidated
from dorado_tui.engine.lifecycle.service import LIFECYCLE_CHANNEL
from dorado_tui.engine.reconcile.service import CHANNEL as RECONCILE_CHANNEL
from dorado_tui.engine.risk_service import ALERT_CHANNEL, TRADING_STATE_CHANNEL
from dorado_tui.engine.scan.service import SCAN_CHANNEL
from dorado_tui.store.bus import EventBus, Subscription
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit
from dorado_tui.store.repos import regime as regime_repo
from dorado_tui.store.repos.audit import AuditEntry
from dorado_tui.store.repos.risk import RiskEvent

CHANNELS = (TRADING_STATE_CHANNEL, ALERT_CHANNEL, SCAN_CHANNEL, LIFECYCLE_CHANNEL, RECONCILE_CHANNEL)
_CLOSED = None
#: A listener: called on the engine loop with each item, and with None when the feed stops.
Sink = Callable[[ConsoleEvent | None], None]


class EventFeed:
    """Follows the store (and the bus) and fans events out to listeners (see the module docstring)."""

    def __init__(self, db: Database, bus: EventBus, *, poll_seconds: float = 0.5, regime_every: int = 20,
                 keep: int = 200, backlog: int = 100) -> None:
        self.db, self.bus = db, bus
        self.poll_seconds, self.regime_every, self.backlog = poll_seconds, regime_every, backlog
        self._recent: deque[EventView] = deque(maxlen=keep)
        self._sinks: set[Sink] = set()
        self._cursor = Cursor()
        self._regimes: dict[RegimeModel, RegimeState] = {}
        self._seq = 0
        self._polls = 0
        self._loop = Periodic("console-feed", self._pass, poll_seconds)
        self._listener: asyncio.Task[None] | None = None
        self._sub: Subscription | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    # ----------------------------------------------------------------- life

    async def start(self) -> None:
        """Load the recent past, subscribe to the bus, start following."""
        await self._load_backlog()
        self._sub = await self.bus.subscribe(*CHANNELS)
        self._listener = asyncio.create_task(self._listen(self._sub), name="console-bus")
        self._loop.start()

    async def stop(self) -> None:
        """Stop following and end every listener's stream."""
        await self._loop.stop()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self._closed = True
        if self._sub is not None:
            await self._sub.close()
            self._sub = None
        for sink in list(self._sinks):
            sink(_CLOSED)
        self._sinks.clear()

    # ----------------------------------------------------------------- reading

    def recent(self) -> tuple[EventView, ...]:
        """The newest events, oldest first (what a snapshot carries)."""
        return tuple(self._recent)

    def attach(self, sink: Sink) -> None:
        """Hand every item published from now on to `sink` (None once the feed stops)."""
        if self._closed:
            sink(_CLOSED)
            return
        self._sinks.add(sink)

    def detach(self, sink: Sink) -> None:
        self._sinks.discard(sink)

    def publish(self, item: ConsoleEvent) -> None:
        """Hand an item to every listener (marks and notices from the rest of the backend)."""
        for sink in list(self._sinks):
            sink(item)

    def wake(self) -> None:
        """Poll the store now (something was just written)."""
        self._loop.wake()

    # ----------------------------------------------------------------- following

    async def poll(self) -> list[EventView]:
        """One pass over the followed tables; new events are published (and returned)."""
        async with self._lock:
            self._polls += 1
            drafts, changed = await self._read_store()
            if self._polls % self.regime_every == 1 or self.regime_every <= 1:
                regime_drafts, regime_changed = await self._read_regimes()
                drafts += regime_drafts
                changed = changed or regime_changed
            fresh = self._number(drafts)
        for event in fresh:
            self.publish(event)
        if changed:
            self.publish(SnapshotInvalidated("the store changed"))
        return fresh

    async def _pass(self) -> None:
        await self.poll()

    async def _read_store(self) -> tuple[list[Draft], bool]:
        c = self._cursor
        async with self.db.read() as s:
            entries = await audit.after(s, c.audit_seq, limit=1000)
            fills = await fills_after(s, c.fill_id)
            denials = await failed_risk_events_after(s, c.risk_id, events.DENIAL_KINDS)
        self._cursor = Cursor(entries[-1].seq if entries else c.audit_seq, fills[-1][0] if fills else c.fill_id,
                              denials[-1][0] if denials else c.risk_id)
        return _drafts(entries, fills, denials), bool(entries or fills or denials)

    async def _read_regimes(self) -> tuple[list[Draft], bool]:
        drafts, changed = [], False
        async with self.db.read() as s:
            latest = {m: await regime_repo.latest_regime(s, m) for m in RegimeModel}
        for model, state in latest.items():
            if state is None:
                continue
            old = self._regimes.get(model)
            if old is not None and (old.asof, old.computed_at) >= (state.asof, state.computed_at):
                continue
            self._regimes[model] = state
            if old is not None:
                changed = True
                draft = events.from_regime(old, state)
                if draft is not None:
                    drafts.append(draft)
        return drafts, changed

    def _number(self, drafts: Iterable[Draft]) -> list[EventView]:
        out = []
        for d in sorted(drafts, key=lambda d: d.time):
            self._seq += 1
            out.append(EventView(self._seq, d.time, d.severity, d.kind, d.text, d.ref))
        self._recent.extend(out)
        return out

    async def _load_backlog(self) -> None:
        async with self.db.read() as s:
            top = await heads(s)
            since = max(top.audit_seq - self.backlog, 0)
            entries = await audit.after(s, since, limit=self.backlog)
            fills = await fills_after(s, max(top.fill_id - self.backlog, 0), limit=self.backlog)
            denials = await failed_risk_events_after(s, max(top.risk_id - self.backlog, 0), events.DENIAL_KINDS,
                                                     limit=self.backlog)
        self._cursor = top
        drafts = _drafts(entries, fills, denials)
        await self._read_regimes()  # remember the current states: only later changes are news
        self._number(drafts)

    async def _listen(self, sub: Subscription) -> None:
        while True:
            event = await sub.get(within=None)
            if event is None:
                continue
            draft = None
            if event.channel == ALERT_CHANNEL:
                draft = events.from_alert(event.payload)
            elif event.channel == LIFECYCLE_CHANNEL:
                draft = events.from_lifecycle(event.payload)
            if draft is not None:
                async with self._lock:
                    fresh = self._number([draft])
                for item in fresh:
                    self.publish(item)
            self.wake()


def _drafts(entries: list[AuditEntry], fills: list[tuple[int, Fill]],
            denials: list[tuple[int, RiskEvent]]) -> list[Draft]:
    drafts = [d for d in (events.from_audit(e) for e in entries) if d is not None]
    drafts += events.from_fills(f for _, f in fills)
    drafts += [d for d in (events.from_denial(r) for _, r in denials) if d is not None]
    return drafts
