"""`Lifecycle`: the bot lifecycle's entry points, over one runtime's store, venues and risk gate.

Front doors (commands, console, scheduler, replay) hold one `Lifecycle` per process and call:

    await lc.start()                                  # register bots, recover unresolved intents
    await lc.intake(scan_result)                      # SELECTED → approval (or auto), PAPER → twins
    await lc.pending()                                # what `dorado approve` lists
    await lc.approve(candidate_id, tag, operator)     # re-check, intent + EXECUTING, execute
    await lc.reject(candidate_id, reason, operator)   # CANCELLED → IDLE (the candidate runs as a twin)
    await lc.expire_approvals(now)                    # approval timeouts → CANCELLED
    await lc.monitor(live=True, checks=...)           # marks, management rules, exits, wheel
    await lc.process_expirations()                    # expiry, assignment, exercise, dividends
    await lc.on_order_update(result)                  # a venue's order event (IB listeners)
    await lc.recover()                                # intent recovery (also run by start)
    await lc.nav()                                    # NAV, P&L by bot / layer / template

Every method is safe to call again after a crash: state lives in the store and at the venue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.clock import Clock
from dorado_tui.domain.orders import OrderResult
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle.episodes import drive
from dorado_tui.engine.lifecycle.execution import (
    Checkpoints,
    Episode,
    Executor,
    Outcome,
    Pause,
    no_checkpoints,
    pause_for,
)
from dorado_tui.engine.lifecycle.finalize import Finished, finish
from dorado_tui.engine.lifecycle.ids import Purpose, is_twin_position
from dorado_tui.engine.lifecycle.settings import ALL_CHECKS, LifecycleSettings
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.config import Config
from dorado_tui.store.bus import EventBus
from dorado_tui.store.database import Database
from dorado_tui.store.leases import InProcessLeases, Leases
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos.orders import IntentStatus
from dorado_tui.venues.base import VenueAdapter

#: Bus channel of lifecycle events (transitions, fills, exits) for consoles.
LIFECYCLE_CHANNEL = "lifecycle"


class Lifecycle:
    """The lifecycle services of one process (see the module docstring)."""

    #: The scan's sink name (`engine.scan.model.CandidateSink`).
    name = "lifecycle"

    def __init__(self, *, config: Config, db: Database, clock: Clock, venue: VenueAdapter,
                 twin_venue: VenueAdapter, bus: EventBus | None = None, leases: Leases | None = None,
                 risk: RiskService | None = None, settings: LifecycleSettings | None = None,
                 checkpoints: Checkpoints = no_checkpoints, pause: Pause | None = None,
                 operator: str = "operator") -> None:
        self.config, self.db, self.clock, self.bus = config, db, clock, bus
        self.venue, self.twin_venue = venue, twin_venue
        self.leases = leases or InProcessLeases()
        self.risk = risk or RiskService(db, config.risk_policy, clock, bus)
        self.settings = settings or LifecycleSettings()
        self.checkpoints = checkpoints
        self.pause = pause or pause_for(clock)
        self.operator = operator

    @classmethod
    def from_runtime(cls, rt: Any, **kw: Any) -> Lifecycle:
        """The lifecycle over an open `Runtime` (its store, bus, leases and both venues)."""
        return cls(config=rt.config, db=rt.db, clock=rt.clock, venue=rt.venue, twin_venue=rt.twin_venue,
                   bus=rt.bus, leases=rt.leases, **kw)

    @property
    def policy(self) -> Any:
        return self.config.risk_policy

    def bot(self, bot_id: str) -> Bot | None:
        return self.config.bots.get(bot_id)

    # ----------------------------------------------------------------- venues and execution

    def venue_of(self, position_id: str, bot_id: str) -> VenueAdapter:
        """Where a position trades: twins on the twin account, live bots where their mode says."""
        if is_twin_position(position_id):
            return self.twin_venue
        bot = self.bot(bot_id)
        if bot is None:
            return self.venue
        mode = self.config.venue_mode_for(bot)
        if mode == "simulation" and self.venue.name != "simulation":
            return self.twin_venue
        return self.venue

    def executor(self, venue: VenueAdapter, *, twin: bool) -> Executor:
        trade = self.policy.trade
        return Executor(self.db, self.clock, None if twin else self.risk,
                        self.settings.twin_execution if twin else self.settings.execution,
                        pause=self.pause, checkpoints=self.checkpoints,
                        collar=None if twin else (trade.price_collar_pct, trade.price_collar_min_abs),
                        namespaced=venue is self.twin_venue and venue is not self.venue)

    @asynccontextmanager
    async def hold(self, position_id: str, wait: float = 10.0) -> AsyncIterator[str]:
        """The position's order lease: one executor per position across processes."""
        e = self.settings.execution
        ttl = (e.walk_steps + 2) * (e.step_seconds + e.cancel_confirm_seconds + e.stuck_seconds)
        async with self.leases.lock(f"order:{position_id}", ttl=max(ttl, e.lease_ttl_seconds), wait=wait) as owner:
            yield owner

    async def run(self, ep: Episode, *, step: int = 1, order: Any = None, result: OrderResult | None = None,
                  actor: str = "engine", exit_reason: str = "") -> Finished:
        """Drive an episode to its end and record what it means (caller holds the lease)."""
        venue = self.venue_of(ep.position_id, ep.bot_id)
        outcome: Outcome = await drive(self.executor(venue, twin=ep.twin), ep, venue, step=step, order=order,
                                       result=result)
        if await self._still_working(outcome):
            # a cancel the venue never confirmed: the order may still fill, so the episode is not
            # over; its intent stays unresolved and recovery (start-up, reconciliation) finishes it
            done = Finished(outcome, BotState.CLOSING if ep.purpose is Purpose.CLOSE else BotState.EXECUTING,
                            "open")
        else:
            async with self.db.transaction() as tx:
                done = await finish(tx, outcome, self.clock.now(), actor=actor, exit_reason=exit_reason)
        await self.publish("episode", done.as_dict())
        return done

    async def _still_working(self, outcome: Outcome) -> bool:
        last = outcome.last
        if outcome.status != "stuck" or last is None or not last.status.is_working:
            return False
        async with self.db.read() as s:
            intent = await order_repo.get_intent(s, last.client_order_id)
        return intent is not None and intent.status is not IntentStatus.ABANDONED

    async def publish(self, kind: str, payload: dict[str, Any]) -> None:
        if self.bus is not None:
            await self.bus.publish(LIFECYCLE_CHANNEL, {"kind": kind, "at": self.clock.now().isoformat(), **payload})

    # ----------------------------------------------------------------- entry points

    async def start(self, *, recover: bool = True) -> Any:
        """Register the configured bots and (by default) recover every unresolved intent."""
        from dorado_tui.engine.lifecycle import intake

        await self.risk.start()
        await intake.sync_bots(self)
        if recover:
            return await self.recover()
        return None

    async def intake(self, result: Any) -> Any:
        from dorado_tui.engine.lifecycle import intake

        return await intake.intake(self, result)

    async def pending(self) -> Any:
        from dorado_tui.engine.lifecycle import approval

        return await approval.pending(self)

    async def approve(self, candidate_ref: str, tag: str | None = None, operator: str | None = None,
                      note: str = "") -> Any:
        from dorado_tui.engine.lifecycle import approval

        return await approval.approve(self, candidate_ref, tag=tag, operator=operator or self.operator, note=note)

    async def reject(self, candidate_ref: str, reason: str, operator: str | None = None) -> Any:
        from dorado_tui.engine.lifecycle import approval

        return await approval.reject(self, candidate_ref, reason, operator=operator or self.operator)

    async def expire_approvals(self, now: datetime | None = None) -> Any:
        from dorado_tui.engine.lifecycle import approval

        return await approval.expire(self, now or self.clock.now())

    async def monitor(self, *, live: bool | None = None, checks: frozenset[str] = ALL_CHECKS) -> Any:
        """One monitoring pass at the clock's time: live positions, paper twins, or both (None)."""
        from dorado_tui.engine.lifecycle import monitor

        return await monitor.monitor(self, live=live, checks=checks)

    async def process_expirations(self) -> Any:
        """Bring in and settle what the venues did by themselves (expiry, assignment, dividends)."""
        from dorado_tui.engine.lifecycle import monitor

        return await monitor.process_venue_events(self)

    async def on_order_update(self, result: OrderResult) -> Any:
        from dorado_tui.engine.lifecycle import recovery

        return await recovery.on_order_update(self, result)

    async def recover(self) -> Any:
        from dorado_tui.engine.lifecycle import recovery

        return await recovery.recover_intents(self)

    async def nav(self, *, mark: bool = True) -> Any:
        """NAV and P&L by account, bot, layer and template (see `accounting`)."""
        from dorado_tui.engine.lifecycle import accounting

        return await accounting.nav_report(self, mark=mark)

    async def start_twins(self, candidates: Sequence[Candidate], reason: str) -> Any:
        from dorado_tui.engine.lifecycle import twins

        return await twins.start_twins(self, candidates, reason)
