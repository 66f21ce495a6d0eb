"""The Scanner service (PRD §3.2 daily scan): every scan-mode bot in parallel through gates and
the resolver, then sizing, scoring, merge and rank, portfolio-aware selection, persistence, and
the hand-off to the lifecycle's `CandidateSink`.

Runs under a store lease ("scan") so overlapping runs (cron and the console) cannot interleave;
the lease is renewed while a scan waits out chain retries. With no sink the scan ends at persisted
candidates with their statuses, and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.clock import NEW_YORK, Clock
from dorado_tui.domain.errors import BadInput, DoradoError
from dorado_tui.engine.risk_service import ALERT_CHANNEL, load_book
from dorado_tui.engine.scan.chains import ChainFetcher, Sleep
from dorado_tui.engine.scan.context import BotRun, ScanContext
from dorado_tui.engine.scan.history import StoreHistory
from dorado_tui.engine.scan.model import BotOutcome, Budget, CandidateSink, ScanResult, ScanSettings
from dorado_tui.engine.scan.persist import persist
from dorado_tui.engine.scan.pipeline import run_bot
from dorado_tui.engine.scan.portfolio import build_state, exposure, sizing_facts, trade_context
from dorado_tui.engine.scan.regime_gate import correlation_line, load_readings
from dorado_tui.engine.scan.scoring import score
from dorado_tui.engine.scan.selection import Running, rank, select
from dorado_tui.engine.scan.signals import Signal
from dorado_tui.engine.scan.sizing import bot_policy, size
from dorado_tui.risk.events import Alert, Severity
from dorado_tui.risk.exposure import measure
from dorado_tui.risk.portfolio import PortfolioState
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.config import Config
from dorado_tui.store.bus import EventBus
from dorado_tui.store.cache import Cache
from dorado_tui.store.database import Database
from dorado_tui.store.errors import DuplicateKey
from dorado_tui.store.leases import Leases
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.venues.base import VenueAdapter

LEASE = "scan"
SCAN_CHANNEL = "scan.completed"


class ScanBusy(DoradoError):
    """Another process is scanning (cron overlap): this run did nothing."""

    title = "Scan busy"


def scan_bots(config: Config, bot_ids: Sequence[str] | None = None) -> list[Bot]:
    """Enabled bots in scan or both mode; named ones must exist and scan (BadInput otherwise)."""
    if not bot_ids:
        return [b for b in config.enabled_bots() if b.signal_mode in ("scan", "both")]
    out = []
    for bot_id in dict.fromkeys(bot_ids):
        bot = config.bots.get(bot_id)
        if bot is None:
            names = sorted(config.bots)
            shown = ", ".join(names[:12]) + (f", … ({len(names) - 12} more)" if len(names) > 12 else "")
            raise BadInput(f"unknown bot {bot_id!r} (configured: {shown})")
        if not bot.enabled:
            raise BadInput(f"bot {bot_id} is disabled (enabled: false in config/bots)")
        if bot.signal_mode == "webhook":
            raise BadInput(f"bot {bot_id} takes webhook signals only (signal_mode webhook): use `dorado signal`")
        out.append(bot)
    return out


class Scanner:
    """Runs scans against one store and venue set (see the module docstring)."""

    name = "scanner"

    def __init__(self, config: Config, db: Database, cache: Cache, bus: EventBus, leases: Leases, clock: Clock,
                 venue_for: Callable[[Bot], VenueAdapter], account_venue: VenueAdapter, *,
                 sink: CandidateSink | None = None, sleep: Sleep = asyncio.sleep,
                 settings: ScanSettings | None = None) -> None:
        self.config, self.db, self.cache, self.bus, self.leases, self.clock = config, db, cache, bus, leases, clock
        self.venue_for, self.account_venue, self.sink = venue_for, account_venue, sink
        self.settings = settings or ScanSettings()
        self.sleep = sleep
        self.fetcher = ChainFetcher(clock, self.settings, sleep, self._alert)
        self._alerts: list[str] = []

    @classmethod
    def from_runtime(cls, rt: Any, *, sink: CandidateSink | None = None, sleep: Sleep | None = None,
                     settings: ScanSettings | None = None) -> Scanner:
        """The scanner of a runtime (registered in `rt.services["scanner"]`)."""
        scanner = cls(rt.config, rt.db, rt.cache, rt.bus, rt.leases, rt.clock, rt.venue_for, rt.venue,
                      sink=sink, sleep=sleep or asyncio.sleep, settings=settings)
        rt.services["scanner"] = scanner
        return scanner

    # ----------------------------------------------------------------- bots and the lease

    def scan_bots(self, bot_ids: Sequence[str] | None = None) -> list[Bot]:
        return scan_bots(self.config, bot_ids)

    @asynccontextmanager
    async def _lease(self, wait: float = 0.0) -> AsyncIterator[None]:
        """Hold the scan lease (renewed in the background); ScanBusy when another holds it for
        longer than `wait` seconds."""
        owner = f"scan-{uuid.uuid4().hex[:8]}"
        ttl = self.settings.lease_ttl_s
        deadline = asyncio.get_running_loop().time() + wait
        while not await self.leases.acquire(LEASE, owner, ttl):
            if asyncio.get_running_loop().time() >= deadline:
                holder = await self.leases.holder(LEASE)
                raise ScanBusy(f"another scan is running (lease {LEASE!r} held by {holder}); nothing was done")
            await asyncio.sleep(0.25)

        async def renew() -> None:
            while True:
                await asyncio.sleep(ttl / 3)
                await self.leases.renew(LEASE, owner, ttl)

        task = asyncio.create_task(renew(), name="scan-lease")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.leases.release(LEASE, owner)

    async def _alert(self, code: str, message: str) -> None:
        self._alerts.append(message)
        alert = Alert(Severity.WARNING, code, message, self.clock.now(), scope="scan")
        await self.bus.publish(ALERT_CHANNEL, alert.as_dict())

    # ----------------------------------------------------------------- the scan

    async def scan(self, bot_ids: Sequence[str] | None = None, *, scan_id: str | None = None,
                   lock: bool = True) -> ScanResult:
        """One scan of the given (default: every scanning) bot; persisted, then handed to the sink."""
        bots = self.scan_bots(bot_ids)
        if not lock:
            return await self._scan(bots, scan_id)
        async with self._lease():
            return await self._scan(bots, scan_id)

    def new_id(self, kind: str = "scan") -> str:
        return f"{kind}-{self.clock.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"

    async def context(self, scan_id: str, bots: Sequence[Bot]) -> ScanContext:
        now = self.clock.now()
        today = now.astimezone(NEW_YORK).date()
        history = StoreHistory(self.db, today)
        symbols = {self.config.underlying_for(b).symbol for b in bots}
        options = [s for s in symbols if (u := self.config.universe.get(s)) is not None and u.options]
        await history.load([*sorted(symbols), "VIX", self.config.risk_policy.portfolio.beta_benchmark], options)
        readings = await load_readings(self.cache, self.db, now, today)
        account = await self.account_venue.get_account_state()
        async with self.db.read() as session:
            book = await load_book(session)
            states = {r.bot_id: r.state.value for r in await bot_repo.list_bots(session)}
        return ScanContext(scan_id, now, today, self.config, self.config.risk_policy, self.settings, history,
                           readings, self.fetcher, self.venue_for, account, book, states)

    async def _scan(self, bots: Sequence[Bot], scan_id: str | None) -> ScanResult:
        self._alerts = []
        ctx = await self.context(scan_id or self.new_id(), bots)
        runs = await asyncio.gather(*(run_bot(ctx, b) for b in bots))
        outcomes = [o for o, _, _ in runs]
        found = [(c, run) for _, cands, run in runs for c in cands]
        candidates, state = await self.select(ctx, found)
        return await self.finish(ctx, "scan", outcomes, candidates, state)

    async def signal(self, signal: Signal, *, wait: float = 30.0) -> ScanResult:
        """One webhook-style signal for one bot: resolved, risk-checked and selected like a scan
        candidate, persisted (its signal row keeps the payload) and handed to the sink. The same
        signal id is never processed twice."""
        bot = self.config.bots[signal.bot_id]
        async with self._lease(wait=wait):
            ctx = await self.context(signal.signal_id, [bot])
            outcome, cands, run = await run_bot(ctx, bot, signal_direction=signal.direction, signal=True)
            candidates, state = await self.select(ctx, [(c, run) for c in cands])
            payload = {**signal.payload, "authenticated": signal.authenticated, "time": signal.time.isoformat()}
            try:
                return await self.finish(ctx, "signal", [outcome], candidates, state, payload=payload)
            except DuplicateKey:
                raise BadInput(f"signal {signal.signal_id!r} was already received: a signal is processed once "
                               "(send a new id)") from None

    async def select(self, ctx: ScanContext, found: list[tuple[Candidate, BotRun]]) -> tuple[list[Candidate], PortfolioState]:
        """Size, score, rank and select candidates against the current portfolio."""
        async with self.db.read() as session:
            managed = await position_repo.positions(session)
        live = [p for p in managed if not p.paper]
        paper_slots = self.settings.paper_cap - sum(1 for p in managed if p.paper)
        state = build_state(ctx, live, [c.underlying for c, _ in found])
        x = exposure(state, ctx)
        runs = {c.id: run for c, run in found}
        scored = [score(size(c, run.bot, run.template, ctx.policy, sizing_facts(ctx, run, x)), run.template,
                        ctx.config.scoring) for c, run in found]
        running = Running(state)
        chosen = select(rank(scored), running,
                        lambda c, r: trade_context(ctx, runs[c.id], c, r, exposure(r.state, ctx)),
                        ctx.policy, paper_slots, lambda c: runs[c.id].bot.approval_mode == "auto_execute",
                        lambda c: bot_policy(ctx.policy, runs[c.id].bot, runs[c.id].template))
        return chosen, running.state

    def budget(self, ctx: ScanContext, state: PortfolioState, candidates: list[Candidate]) -> Budget:
        heat = measure(state, ctx.policy).heat_pct
        limit = ctx.policy.portfolio.max_heat_pct
        risks = [c.total_max_loss for c in candidates if c.status is not CandidateStatus.DROPPED
                 and math.isfinite(c.total_max_loss) and c.total_max_loss > 0]
        unit = statistics.median(risks) if risks else ctx.policy.sizing.base_risk_pct / 100.0 * ctx.nav
        room = max(limit - heat, 0.0) / 100.0 * ctx.nav
        return Budget(int(room // unit) if unit > 0 else 0, heat, limit, unit)

    async def finish(self, ctx: ScanContext, kind: str, outcomes: list[BotOutcome], candidates: list[Candidate],
                     state: PortfolioState, *, payload: dict[str, Any] | None = None) -> ScanResult:
        """Persist, hand to the sink, announce."""
        by_bot = {o.bot_id: tuple(c.id for c in candidates if c.bot_id == o.bot_id) for o in outcomes}
        outcomes = [replace(o, candidate_ids=by_bot[o.bot_id]) for o in outcomes]
        notes = () if self.sink is not None else (
            "no lifecycle sink attached: candidates are persisted with their statuses; nothing was sent for "
            "approval or paper trading",)
        result = ScanResult(ctx.scan_id, kind, ctx.now, ctx.today, tuple(outcomes), tuple(candidates),
                            self.budget(ctx, state, candidates), correlation_line(ctx.readings),
                            None if self.sink is None else self.sink.name, tuple(self._alerts), notes)
        await persist(self.db, result, source=kind, payload=payload)
        if self.sink is not None:
            await self.sink.intake(result)
        await self.bus.publish(SCAN_CHANNEL, {"scan_id": result.scan_id, "kind": kind,
                                              "candidates": len(candidates), "at": _iso(ctx.now)})
        return result


def _iso(at: datetime) -> str:
    return at.isoformat()
