"""The job table shared by the console's built-in scheduler and the headless daemon (`dorado run`).

Every job is calendar-aware (its exchange's sessions, holidays, early closes and time zone; see
`engine.scheduler.triggers`) and calls one engine service:

| job                         | when (defaults, `config/dorado.yaml` schedules)         | does
|-----------------------------|---------------------------------------------------------|------------------------------
| regime_update               | 08:30 New York on XNYS sessions                         | retrain when due, publish states
| scan:<name>                 | each `schedules.scans` entry a bot names, in session    | scan those bots → lifecycle
| monitor:live:<m>m           | every 15 min in session (P&L, breach, breakers)         | live positions' marks and rules
| monitor:paper:<m>m          | every 60 min in session                                 | paper twins' marks and rules
| monitor:dte                 | 09:35 on sessions                                       | DTE exits, rolls
| monitor:vol@HH:MM           | 09:45, 12:30, 15:45                                     | IV-rank spike, vol z, Hurst
| monitor:time_exit@HH:MM     | each 0DTE template's time exit, moved by early closes   | expiry-day exits
| monitor:fx_crypto:<m>m      | every 60 min on 24/5 or 24/7 (when such bots exist)     | FX and crypto positions
| expirations                 | 15 min after each XNYS close (early closes move it)     | expiry, assignment, exercise
| approvals                   | every minute                                            | approval timeouts → CANCELLED
| reconcile                   | every 30 min                                            | venue vs store
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from apscheduler.triggers.interval import IntervalTrigger

from dorado_tui.engine.console_views import SchedulerRole
from dorado_tui.engine.lifecycle.settings import (
    CHECK_BREACH,
    CHECK_BREAKERS,
    CHECK_DTE,
    CHECK_PNL,
    CHECK_VOL,
)
from dorado_tui.engine.reconcile.model import Reconciliation
from dorado_tui.engine.scheduler.runner import JobRun, JobSpec, LeasedScheduler
from dorado_tui.engine.scheduler.triggers import DailyAt, SessionEdge, SessionEvery

if TYPE_CHECKING:
    from dorado_tui.domain.clock import Clock
    from dorado_tui.engine.runtime import Runtime
    from dorado_tui.home import Home
    from dorado_tui.settings.config import Config
    from dorado_tui.venues.base import VenueAdapter

EQUITY_CALENDAR = "XNYS"
#: How late a job may still start after its time (a scan two hours late is stale: skipped).
GRACE = {"regime": 7200.0, "scan": 900.0, "monitor": 300.0, "expirations": 21600.0, "approvals": 60.0,
         "reconcile": 600.0}


class JobServices(Protocol):
    """What the jobs call (`engine.scheduler.services.EngineServices` in production)."""

    async def regime_update(self) -> Any: ...

    async def scan(self, bot_ids: Sequence[str]) -> Any: ...

    async def monitor(self, *, live: bool | None, checks: frozenset[str]) -> Any: ...

    async def expirations(self) -> Any: ...

    async def approvals(self) -> Any: ...

    async def reconcile(self, reason: str = "schedule") -> Any: ...


def _call(fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        return await fn(*args, **kwargs)
    return run


def scan_jobs(config: Config, services: JobServices) -> list[JobSpec]:
    """One job per named scan schedule that at least one enabled, scheduled scan bot names."""
    out = []
    for name, job in config.dorado.schedules.scans.items():
        bots = sorted(b.id for b in config.enabled_bots() if b.signal_mode in ("scan", "both")
                      and b.signal_source.type == "scheduled" and b.signal_source.schedule == name)
        if bots:
            out.append(JobSpec(f"scan:{name}", f"scan {name} ({', '.join(bots)})",
                               DailyAt(job.calendar, job.at, within_session=True),
                               _call(services.scan, bots), GRACE["scan"]))
    return out


def _cadence_jobs(config: Config, services: JobServices) -> list[JobSpec]:
    """P&L, breach and breaker passes grouped by (live/paper, cadence): one pass per instant."""
    m = config.dorado.schedules.monitoring
    groups: dict[tuple[bool, int], set[str]] = {}
    for live, minutes, check in ((True, m.pnl_live_minutes, CHECK_PNL), (True, m.breach_minutes, CHECK_BREACH),
                                 (True, m.circuit_breaker_minutes, CHECK_BREAKERS),
                                 (False, m.pnl_paper_minutes, CHECK_PNL), (False, m.pnl_paper_minutes, CHECK_BREACH)):
        groups.setdefault((live, minutes), set()).add(check)
    out = []
    for (live, minutes), checks in sorted(groups.items(), key=lambda kv: (not kv[0][0], kv[0][1])):
        side = "live" if live else "paper"
        out.append(JobSpec(f"monitor:{side}:{minutes}m", f"monitor {side} ({', '.join(sorted(checks))}) "
                           f"every {minutes} min", SessionEvery(EQUITY_CALENDAR, timedelta(minutes=minutes)),
                           _call(services.monitor, live=live, checks=frozenset(checks)), GRACE["monitor"]))
    return out


def _time_exits(config: Config) -> list[time]:
    """Distinct expiry-day exit times of the enabled bots' templates (0DTE)."""
    found = {t for b in config.enabled_bots() if (t := config.template_for(b).management.time_exit) is not None}
    return sorted(found)


def _fx_crypto_calendar(config: Config) -> str | None:
    cals = {config.underlying_for(b).calendar for b in config.enabled_bots()
            if config.underlying_for(b).asset_class in ("fx", "crypto")}
    return None if not cals else ("24/7" if "24/7" in cals else sorted(cals)[0])


def monitoring_jobs(config: Config, services: JobServices) -> list[JobSpec]:
    """PRD §3.1 monitoring table: cadences, the daily DTE pass, IV-rank passes, 0DTE time exits,
    FX/crypto checks."""
    m = config.dorado.schedules.monitoring
    out = _cadence_jobs(config, services)
    out.append(JobSpec("monitor:dte", "monitor DTE exits and rolls", DailyAt(m.dte_exit.calendar, m.dte_exit.at,
                       within_session=True), _call(services.monitor, live=None, checks=frozenset({CHECK_DTE})),
                       GRACE["monitor"]))
    for at in m.iv_rank_at:
        out.append(JobSpec(f"monitor:vol@{at:%H:%M}", f"monitor IV rank / vol exits at {at:%H:%M}",
                           DailyAt(EQUITY_CALENDAR, at, within_session=True),
                           _call(services.monitor, live=None, checks=frozenset({CHECK_VOL})), GRACE["monitor"]))
    for at in _time_exits(config):
        out.append(JobSpec(f"monitor:time_exit@{at:%H:%M}", f"expiry-day time exits at {at:%H:%M} "
                           "(earlier on early closes)", DailyAt(EQUITY_CALENDAR, at, within_session=True,
                                                                 shift_early_close=True),
                           _call(services.monitor, live=None, checks=frozenset({CHECK_DTE})), GRACE["monitor"]))
    cal = _fx_crypto_calendar(config)
    if cal is not None:
        out.append(JobSpec(f"monitor:fx_crypto:{m.fx_crypto_minutes}m", f"monitor FX/crypto every "
                           f"{m.fx_crypto_minutes} min ({cal})", SessionEvery(cal, timedelta(minutes=m.fx_crypto_minutes)),
                           _call(services.monitor, live=None, checks=frozenset({CHECK_PNL, CHECK_BREACH})),
                           GRACE["monitor"]))
    return out


def job_table(config: Config, services: JobServices) -> list[JobSpec]:
    """Every scheduled job of a home (see the module docstring)."""
    s = config.dorado.schedules
    regime = JobSpec("regime_update", "regime update (all models)",
                     DailyAt(s.regime_update.calendar, s.regime_update.at), _call(services.regime_update),
                     GRACE["regime"])
    expirations = JobSpec("expirations", "expirations, assignments, exercises after the close",
                          SessionEdge(EQUITY_CALENDAR, "close", timedelta(minutes=15)), _call(services.expirations),
                          GRACE["expirations"])
    approvals = JobSpec("approvals", "approval timeouts", IntervalTrigger(minutes=1), _call(services.approvals),
                        GRACE["approvals"])
    reconcile = JobSpec("reconcile", f"reconcile venue vs store every {s.reconcile_minutes} min",
                        IntervalTrigger(minutes=s.reconcile_minutes), _call(services.reconcile, "schedule"),
                        GRACE["reconcile"])
    return [regime, *scan_jobs(config, services), *monitoring_jobs(config, services), expirations, approvals,
            reconcile]


def make_scheduler(rt: Runtime, services: JobServices, *,
                   on_owner: Callable[[], Awaitable[Any]] | None = None, **kwargs: Any) -> LeasedScheduler:
    """The lease-holding scheduler of a runtime over the job table. When it becomes the owner
    (also by taking over from a dead holder) it first runs `on_owner`, by default a
    reconciliation (intent recovery included): the new owner starts from a verified store."""
    async def reconcile_first() -> None:
        await services.reconcile("scheduler owner")

    return LeasedScheduler(job_table(rt.config, services), rt.leases, bus=rt.bus,
                           on_owner=on_owner or reconcile_first, **kwargs)


@dataclass(frozen=True)
class DaemonReport:
    """What one `dorado run` did: its start-up reconciliation, its role, the jobs it ran."""

    startup: tuple[Reconciliation, ...]
    role: SchedulerRole
    runs: tuple[JobRun, ...]


async def run_daemon(home: Home | None = None, *, stop: asyncio.Event,
                     ready: Callable[[LeasedScheduler, Sequence[Reconciliation]], Any] | None = None,
                     config: Config | None = None, clock: Clock | None = None, venue: VenueAdapter | None = None,
                     twin_venue: VenueAdapter | None = None, **scheduler_kw: Any) -> DaemonReport:
    """The headless daemon: open the runtime, reconcile (intent recovery first), run the job
    table while holding the scheduler lease (or wait attached for it), until `stop` is set;
    then let running jobs finish and release the lease."""
    from dorado_tui.engine.reconcile.startup import connect_reconciled
    from dorado_tui.engine.runtime import open_runtime
    from dorado_tui.engine.scheduler.services import EngineServices

    async with open_runtime(home, config=config, clock=clock, venue=venue, twin_venue=twin_venue,
                            connect=False) as rt:
        services = await EngineServices.open(rt)
        startup = await connect_reconciled(rt, services.reconciler, reason="startup")
        just_reconciled = True

        async def on_owner() -> None:  # the start-up run above already covers the first win
            nonlocal just_reconciled
            if not just_reconciled:
                await services.reconcile("scheduler takeover")
            just_reconciled = False

        scheduler = make_scheduler(rt, services, on_owner=on_owner, **scheduler_kw)
        role = await scheduler.start()
        just_reconciled = False
        if ready is not None:
            ready(scheduler, startup)
        try:
            await stop.wait()
        finally:
            await scheduler.shutdown()
        return DaemonReport(tuple(startup), role, tuple(scheduler.history))
