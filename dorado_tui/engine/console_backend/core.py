"""`ConsoleCore`: the console's engine side, living on the engine loop (`thread.EngineLoop`).

`open` starts the services (`engine.open_engine`) and three background loops: the event feed
(store + bus), the mark pump (venue quotes) and the risk view (the radar's report). `snapshot`
is a read of the store plus what those loops hold, so it stays fast however slow the venue or the
risk report; actions go through the same services as the commands. `close` stops the loops and
releases everything; it never cancels an order. `backend.EngineConsoleBackend` is the console's
handle on it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.annotations import AnnotationTag
from dorado_tui.domain.clock import Clock, RealClock
from dorado_tui.domain.errors import DoradoError
from dorado_tui.domain.states import BotState, TradingState
from dorado_tui.engine.console_backend import actions
from dorado_tui.engine.console_backend.bots import bot_views, set_enabled
from dorado_tui.engine.console_backend.candidates import ExcerptLoader, scan_view
from dorado_tui.engine.console_backend.engine import ConsoleEngine, open_engine
from dorado_tui.engine.console_backend.feed import EventFeed
from dorado_tui.engine.console_backend.loops import Priority
from dorado_tui.engine.console_backend.marks import MarkPump
from dorado_tui.engine.console_backend.positions import PositionFacts, position_view, view_moment
from dorado_tui.engine.console_backend.queries import latest_audit, open_positions
from dorado_tui.engine.console_backend.regimes import regime_views
from dorado_tui.engine.console_backend.risk_view import RiskViewCache
from dorado_tui.engine.console_backend.status import status_view, trading_view
from dorado_tui.engine.console_views import (
    ActionResult,
    DashboardSnapshot,
    JobView,
    KillReport,
    PositionView,
    SchedulerRole,
    SnapshotInvalidated,
)
from dorado_tui.engine.lifecycle.settings import LifecycleSettings
from dorado_tui.engine.risk_service import load_book
from dorado_tui.home import Home
from dorado_tui.settings.config import Config
from dorado_tui.settings.template_parts import Management
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos.positions import ManagedPosition
from dorado_tui.venues.base import VenueAdapter

#: Position views built between two pause points (see `loops.Priority`).
YIELD_EVERY = 25
#: What the status bar says about the scheduler: (role, next jobs), read on demand.
SchedulerFacts = Callable[[], tuple[SchedulerRole, tuple[JobView, ...]]]


@dataclass(frozen=True)
class BackendSettings:
    """Cadences of the background loops (seconds)."""

    poll_seconds: float = 0.5
    mark_seconds: float = 5.0
    risk_seconds: float = 30.0
    regime_every: int = 20  # feed passes between regime reads


class ConsoleCore:
    """The console's engine side (see the module docstring); every method runs on the engine loop."""

    def __init__(self, home: Home, *, clock: Clock | None = None, config: Config | None = None,
                 venue: VenueAdapter | None = None, twin_venue: VenueAdapter | None = None,
                 lifecycle: LifecycleSettings | None = None, settings: BackendSettings | None = None,
                 operator: str | None = None) -> None:
        self.home, self.clock = home, clock or RealClock()
        self._given = (config, venue, twin_venue, lifecycle, operator)
        self.settings = settings or BackendSettings()
        self.scheduler: SchedulerFacts | None = None
        self._stack: AsyncExitStack | None = None
        self._engine: ConsoleEngine | None = None
        self._versions = itertools.count(1)
        self._reading = asyncio.Lock()
        self._next_read: asyncio.Future[DashboardSnapshot] | None = None
        self._reads: set[asyncio.Task[None]] = set()
        self.priority = Priority()
        self._views: dict[str, tuple[object, PositionView]] = {}

    # ----------------------------------------------------------------- life

    @property
    def engine(self) -> ConsoleEngine:
        if self._engine is None:
            raise DoradoError("the console backend is not open", title="Engine not open")
        return self._engine

    async def open(self) -> None:
        """Open the services and start the feed, the marks and the risk view."""
        if self._engine is not None:
            return
        config, venue, twin, lifecycle, operator = self._given
        async with AsyncExitStack() as stack:
            engine = await stack.enter_async_context(open_engine(
                self.home, self.clock, config=config, venue=venue, twin_venue=twin, settings=lifecycle,
                operator=operator))
            self._start_loops(engine)
            stack.push_async_callback(self._stop_loops)
            await self.feed.start()
            self._stack, self._engine = stack.pop_all(), engine

    def _start_loops(self, engine: ConsoleEngine) -> None:
        s, rt = self.settings, engine.rt
        self.feed = EventFeed(rt.db, rt.bus, poll_seconds=s.poll_seconds, regime_every=s.regime_every)
        self.marks = MarkPump(rt.db, self.clock, lambda p: engine.lifecycle.venue_of(p.position_id, p.bot_id),
                              self.feed.publish, self.priority, every=s.mark_seconds)
        self.risk = RiskViewCache(rt.db, rt.venue, engine.config.risk_policy, self.clock,
                                  lambda: sorted({b.underlying for b in engine.config.enabled_bots()}),
                                  lambda: self.feed.publish(SnapshotInvalidated("risk view rebuilt")),
                                  every=s.risk_seconds, priority=self.priority)
        self.excerpts = ExcerptLoader(engine.config, engine.scanner.fetcher, rt.venue_for,
                                      lambda: self.feed.publish(SnapshotInvalidated("chain excerpts loaded")))
        self.marks.start()
        self.risk.start()

    async def _stop_loops(self) -> None:
        await self.excerpts.stop()
        await self.risk.stop()
        await self.marks.stop()
        await self.feed.stop()

    async def close(self) -> None:
        """Stop the loops, release the services. Working orders stay working."""
        stack, self._stack, self._engine = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    # ----------------------------------------------------------------- reading

    async def snapshot(self) -> DashboardSnapshot:
        """The store as it is now, with the live marks, the latest risk view and recent events.

        One read at a time: a caller arriving during a read gets the next one (which starts after
        it, so it sees every change made before the call) and shares it with every other caller
        that arrived meanwhile — a burst of refresh requests costs two reads, not one each.
        """
        if self._next_read is None:
            self._next_read = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._serve_read(self._next_read), name="console-snapshot")
            self._reads.add(task)
            task.add_done_callback(self._reads.discard)
        return await asyncio.shield(self._next_read)

    async def _serve_read(self, future: asyncio.Future[DashboardSnapshot]) -> None:
        async with self._reading:
            if self._next_read is future:
                self._next_read = None  # callers from now on wait for the read after this one
            try:
                future.set_result(await self._read())
            except Exception as exc:
                future.set_exception(exc)
                future.exception()  # retrieved: with no caller left it must not be reported as lost

    async def _read(self) -> DashboardSnapshot:
        e = self.engine
        now = self.clock.now()
        tz = ZoneInfo(e.config.dorado.timezone)
        async with e.rt.db.read() as s:
            book = await load_book(s)
            halted = book.get("global").state is TradingState.HALTED
            kill = await latest_audit(s, "risk.kill") if halted else None
            held = await open_positions(s, pause=self.priority.pause_point)
            records = {r.bot_id: r for r in await bot_repo.list_bots(s)}
            scan = await scan_view(s, self.excerpts.excerpts)
            regimes = await regime_views(s, e.rt.cache, now)
            profits = await self._max_profits(s, held)
        self.excerpts.want(scan)
        role, jobs = self.scheduler() if self.scheduler else (SchedulerRole.OFF, ())
        status = status_view(e.rt.venue.status(), e.config.store_url(), role, jobs, e.config.dorado.timezone,
                             trading_view(book, kill, tz), now, e.link.error or self.marks.last_error)
        counts: dict[str, int] = {}
        views: list[PositionView] = []
        cache, self._views = self._views, {}
        for i, p in enumerate(held, 1):
            counts[p.bot_id] = counts.get(p.bot_id, 0) + 1
            views.append(self._position(e, p, records, profits, now, cache))
            if i % YIELD_EVERY == 0:
                await self.priority.pause_point()
        return DashboardSnapshot(
            version=next(self._versions), asof=now, status=status, positions=tuple(views), scan=scan,
            regimes=regimes, risk=self.risk.view, bots=bot_views(e.config, records, book, counts),
            events=self.feed.recent())

    async def _max_profits(self, s: AsyncSession, held: list[ManagedPosition]) -> dict[str, float]:
        ids = [p.candidate_id for p in held if p.candidate_id]
        if not ids:
            return {}
        found = {c.id: c for c in await candidate_repo.list_candidates(s, ids=ids)}
        return {p.position_id: found[p.candidate_id].max_profit * p.quantity for p in held
                if p.candidate_id in found}

    def _position(self, e: ConsoleEngine, p: ManagedPosition, records: dict[str, bot_repo.BotRecord],
                  profits: dict[str, float], now: datetime, cache: dict[str, tuple[object, PositionView]]
                  ) -> PositionView:
        """One position's view, reused from the last read while everything it is built from is
        unchanged: the stored row (compared by value), the bot's state, venue mode and management
        rules, the maximum profit, the live mark and the count of marks recorded (the P&L path), and
        the minute (`positions.view_moment`)."""
        record = records.get(p.bot_id)
        bot = e.config.bots.get(p.bot_id)
        template = e.config.templates.get(p.template)
        facts = PositionFacts(state=record.state if record else BotState.MONITORING,
                              venue_mode=e.config.venue_mode_for(bot) if bot else e.rt.venue.status().mode,
                              management=template.management if template else Management(),
                              max_profit=profits.get(p.position_id))
        live = self.marks.live.get(p.position_id)
        key = (p, facts, live, self.marks.revision(p.position_id), view_moment(now, facts.management))
        hit = cache.get(p.position_id)
        if hit is None or hit[0] != key:
            hit = key, position_view(p, replace(facts, history=self.marks.history(p)), live, now)
        self._views[p.position_id] = hit
        return hit[1]

    async def orders_in_flight(self) -> int:
        """Working orders at the trading venue now (VenueError when it cannot be asked)."""
        return len(await self.engine.rt.venue.get_open_orders())

    # ----------------------------------------------------------------- acting

    async def scan_now(self) -> ActionResult:
        result = await actions.scan_now(self.engine)
        self._changed()
        return result

    async def approve(self, candidate_id: str, tag: AnnotationTag | None) -> ActionResult:
        result = await actions.approve(self.engine, candidate_id, tag)
        self._changed()
        return result

    async def reject(self, candidate_id: str, reason: str) -> ActionResult:
        result = await actions.reject(self.engine, candidate_id, reason)
        self._changed()
        return result

    async def kill(self) -> KillReport:
        async with self.priority.urgent():  # background passes park until the kill is done
            report = await actions.kill(self.engine)
        self._changed()
        return report

    async def resume(self, reason: str) -> ActionResult:
        result = await actions.resume(self.engine, reason)
        self._changed()
        return result

    async def set_bot_enabled(self, bot_id: str, enabled: bool) -> ActionResult:
        e = self.engine
        result = await set_enabled(e.config, e.rt.db, bot_id, enabled, operator=e.operator, at=self.clock.now())
        self._changed()
        return result

    def _changed(self) -> None:
        """After an action: the feed reads the store now, the risk view is rebuilt soon."""
        self.feed.wake()
        self.risk.soon()
        self.feed.publish(SnapshotInvalidated("an operator action changed the store"))

