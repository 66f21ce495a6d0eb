"""The replay's daily loop on a fast-forward clock: regime update → scan → select → approval
policy → execute → monitor → exits and expirations → NAV and reconciliation, day after day.

Event times come from the scheduler's own calendar triggers (sessions, holidays, early closes,
DST), so a replay visits exactly the instants the daemon would; only the intraday monitoring
cadence is coarser by default (one full pass at 12:00 New York instead of every 15/60 min, plus
the 0DTE time exits and the after-close expiration pass) to keep years of replay in minutes;
passes with nothing to look at (no 0DTE position at a time exit, no FX/crypto position at an
FX/crypto check, no leg expiring at the after-close pass — an early assignment or a dividend is
then brought in by the next pass) are skipped. Reconciliation runs after the last session of each week. Events at
one instant run in loop order. The clock only moves forward: an event that finds it already
later (an order walk advanced it) runs at once.
"""

from __future__ import annotations

import time as wall
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from dorado_tui.domain.clock import NEW_YORK, SimulatedClock
from dorado_tui.domain.errors import DoradoError
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.engine.lifecycle.settings import ALL_CHECKS, CHECK_BREACH, CHECK_DTE, CHECK_PNL
from dorado_tui.engine.reconcile.service import CODES as RECONCILE_CODES
from dorado_tui.engine.reconcile.service import Reconciler
from dorado_tui.engine.replay.regime import ReplayRegime
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.engine.scan.service import Scanner
from dorado_tui.engine.scheduler.triggers import DailyAt, SessionEdge, SessionEvery, fire_times
from dorado_tui.settings.config import Config
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos.positions import ManagedPosition

EQUITY = "XNYS"
#: Loop order of events that fall on the same instant.
ORDER = {"regime": 0, "scan": 1, "monitor": 2, "time_exit": 3, "fx_crypto": 4, "close": 5}


@dataclass(frozen=True)
class ReplaySettings:
    """How the replay stands in for the operator and how often it looks at positions."""

    approve: str = "all"  # all: approve every pending candidate; none: let approvals time out
    resume: str = "next_day"  # next_day: resume latched breakers at the next morning; never
    monitor_minutes: int = 390  # with the offset: one pass a day, at 12:00 New York
    monitor_offset_minutes: int = 150
    fx_crypto_minutes: int = 240

    def __post_init__(self) -> None:
        if self.approve not in ("all", "none"):
            raise ValueError(f"approve must be 'all' or 'none', got {self.approve!r}")
        if self.resume not in ("next_day", "never"):
            raise ValueError(f"resume must be 'next_day' or 'never', got {self.resume!r}")
        if self.monitor_minutes < 1 or self.fx_crypto_minutes < 1:
            raise ValueError("monitoring cadences must be at least one minute")


@dataclass(frozen=True, order=True)
class Event:
    at: datetime
    order: int
    kind: str
    name: str = ""
    bots: tuple[str, ...] = ()


@dataclass
class Tally:
    """What the loop saw, for the report (no ids: the same seed gives the same tally)."""

    days: int = 0
    scans: int = 0
    candidates: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    approved: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    resumed: list[str] = field(default_factory=list)
    nav: list[tuple[date, float, float]] = field(default_factory=list)
    reconcile: list[str] = field(default_factory=list)
    reconciliations: int = 0
    skipped_passes: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _scan_events(config: Config, start: datetime, end: datetime) -> list[Event]:
    out = []
    for name, job in config.dorado.schedules.scans.items():
        bots = tuple(sorted(b.id for b in config.enabled_bots() if b.signal_mode in ("scan", "both")
                            and b.signal_source.type == "scheduled" and b.signal_source.schedule == name))
        if bots:
            out += [Event(t, ORDER["scan"], "scan", name, bots)
                    for t in fire_times(DailyAt(job.calendar, job.at, within_session=True), start, end)]
    return out


def events(config: Config, settings: ReplaySettings, start: datetime, end: datetime) -> list[Event]:
    """Every event of the replay in [start, end], in loop order."""
    s = config.dorado.schedules
    out = [Event(t, ORDER["regime"], "regime") for t in
           fire_times(DailyAt(s.regime_update.calendar, s.regime_update.at), start, end)]
    out += _scan_events(config, start, end)
    cadence = SessionEvery(EQUITY, timedelta(minutes=settings.monitor_minutes),
                           offset=timedelta(minutes=settings.monitor_offset_minutes))
    out += [Event(t, ORDER["monitor"], "monitor") for t in fire_times(cadence, start, end)]
    exits = {x for b in config.enabled_bots() if (x := config.template_for(b).management.time_exit) is not None}
    for at in sorted(exits):
        trigger = DailyAt(EQUITY, at, within_session=True, shift_early_close=True)
        out += [Event(t, ORDER["time_exit"], "time_exit") for t in fire_times(trigger, start, end)]
    if any(config.underlying_for(b).asset_class in ("fx", "crypto") for b in config.enabled_bots()):
        out += [Event(t, ORDER["fx_crypto"], "fx_crypto") for t in
                fire_times(SessionEvery("24/7", timedelta(minutes=settings.fx_crypto_minutes)), start, end)]
    closes = fire_times(SessionEdge(EQUITY, "close", timedelta(minutes=15)), start, end)
    for i, t in enumerate(closes):
        week = t.astimezone(NEW_YORK).isocalendar()[:2]
        last_of_week = i + 1 == len(closes) or closes[i + 1].astimezone(NEW_YORK).isocalendar()[:2] != week
        out.append(Event(t, ORDER["close"], "close", "week_end" if last_of_week else ""))
    return sorted(out)


def _when(event: Event) -> str:
    return f"{event.at.astimezone(NEW_YORK):%Y-%m-%d %H:%M}"


class ReplayLoop:
    """Runs the events against one runtime's services (see the module docstring)."""

    def __init__(self, config: Config, clock: SimulatedClock, lifecycle: Lifecycle, scanner: Scanner,
                 reconciler: Reconciler, risk: RiskService, regime: ReplayRegime, venues: tuple[Any, Any],
                 settings: ReplaySettings) -> None:
        self.config, self.clock, self.lc, self.scanner = config, clock, lifecycle, scanner
        self.reconciler, self.risk, self.regime, self.venues = reconciler, risk, regime, venues
        self.settings = settings
        self.tally = Tally()
        self._handlers: dict[str, Callable[[Event], Awaitable[None]]] = {
            "regime": self._morning, "scan": self._scan, "monitor": self._monitor, "time_exit": self._time_exit,
            "fx_crypto": self._fx_crypto, "close": self._close}

    async def run(self, start: datetime, end: datetime) -> Tally:
        for event in events(self.config, self.settings, start, end):
            if event.at > self.clock.now():
                self.clock.advance_to(event.at)
            began = wall.perf_counter()
            try:
                await self._handlers[event.kind](event)
            except DoradoError as exc:  # recorded, and the replay goes on as the daemon would
                self.tally.errors.append(f"{_when(event)} {event.kind}: {exc.message}")
            except Exception as exc:  # a bug: stop, and say where in simulated time it happened
                raise RuntimeError(f"replay failed at {_when(event)} ({event.kind} {event.name}): "
                                   f"{type(exc).__name__}: {exc}") from exc
            self.tally.seconds[event.kind] = self.tally.seconds.get(event.kind, 0.0) + wall.perf_counter() - began
        return self.tally

    async def _approve_pending(self) -> None:
        if self.settings.approve != "all":
            return
        for item in (await self.lc.pending()).items:
            try:
                await self.lc.approve(item.candidate.id, operator="replay")
                self.tally.approved += 1
            except DoradoError as exc:
                self.tally.refused[exc.title] += 1

    async def _morning(self, event: Event) -> None:
        self.tally.days += 1
        if self.settings.resume == "next_day":
            await self._resume_breakers()
        await self.regime.update()

    async def _resume_breakers(self) -> None:
        """The replay's operator resumes breaker latches each morning (never a reconcile halt)."""
        book = await self.risk.book()
        for scope, state in sorted(book.scopes.items()):
            if state.state is TradingState.ACTIVE or any(t.code in RECONCILE_CODES.values() for t in state.trips):
                continue
            await self.risk.resume(scope, "replay policy: breakers resumed at the next session", "replay")
            self.tally.resumed.append(f"{self.clock.now().astimezone(NEW_YORK):%Y-%m-%d} {scope}")

    async def _scan(self, event: Event) -> None:
        scan_id = f"replay-{event.name}-{event.at.astimezone(NEW_YORK):%Y%m%dT%H%M}"
        result = await self.scanner.scan(list(event.bots), scan_id=scan_id, lock=False)
        self.tally.scans += 1
        self.tally.candidates.update(c.status.value for c in result.candidates)
        self.tally.skipped.update(b.skip_code or "skipped" for b in result.bots if b.skipped is not None)
        await self._approve_pending()

    async def _monitor(self, event: Event) -> None:
        await self.lc.expire_approvals()
        await self.lc.monitor(live=None, checks=ALL_CHECKS)
        await self._approve_pending()

    async def _time_exit(self, event: Event) -> None:
        if not await self._holding(lambda p: self._time_exit_of(p.template) is not None):
            self.tally.skipped_passes += 1
            return
        await self.lc.monitor(live=None, checks=frozenset({CHECK_DTE}))

    async def _fx_crypto(self, event: Event) -> None:
        if not await self._holding(lambda p: p.asset_class in ("fx", "crypto")):
            self.tally.skipped_passes += 1
            return
        await self.lc.monitor(live=None, checks=frozenset({CHECK_PNL, CHECK_BREACH}))

    async def _holding(self, wanted: Callable[[ManagedPosition], bool]) -> bool:
        async with self.lc.db.read() as s:
            return any(wanted(p) for p in await position_repo.positions(s))

    def _time_exit_of(self, template: str) -> object | None:
        found = self.config.templates.get(template)
        return None if found is None else found.management.time_exit

    async def _close(self, event: Event) -> None:
        await self.lc.expire_approvals()
        today = event.at.astimezone(NEW_YORK).date()
        if await self._holding(lambda p: any(leg.instrument.expiry is not None and leg.instrument.expiry <= today
                                             for leg in p.legs)):
            await self.lc.process_expirations()
            await self._approve_pending()
        else:  # nothing expires: the next pass brings in any early assignment or dividend
            self.tally.skipped_passes += 1
        trading = await self.venues[0].get_account_state()
        twins = await self.venues[1].get_account_state()
        day = event.at.astimezone(NEW_YORK).date()
        self.tally.nav.append((day, trading.net_liquidation, twins.net_liquidation))
        if event.name == "week_end":
            await self.reconcile()

    async def reconcile(self) -> None:
        """Both accounts against the store (intent recovery first); discrepancies are reported."""
        self.tally.reconciliations += 1
        for result in await self.reconciler.run_all(self.venues[0], self.venues[1], reason="replay"):
            if not result.clean:
                self.tally.reconcile.append(result.headline() + ": " + "; ".join(result.diff_lines()))
