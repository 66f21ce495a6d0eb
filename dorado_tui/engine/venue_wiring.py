"""Venue wiring shared by every front door: `dorado.yaml`'s venue.ibkr as the adapter's settings,
the reconciliation a resyncing venue awaits after each (re)connect, and its outage alerts turned
into latched trading-state trips plus bus alerts.

`open_runtime` installs the hooks on the trading venue, so the console, the daemon, cron commands
and tests all trade only after reconciling. The hooks resolve their services when they fire, not
when installed: a front door registers its risk service, lifecycle and reconciler in
`runtime.services` after the runtime opened (the console after its venues connected; the daemon
installs the reconciler's own hook, `reconcile.startup.connect_reconciled`), and the hooks then
act through those very objects. Before any is registered — a command's first connect — they act
through short-lived ones over the same store; none of them keeps state outside the store.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.risk_service import ALERT_CHANNEL, RiskService
from dorado_tui.risk.events import Alert, Severity
from dorado_tui.risk.trading_state import GLOBAL, Trip
from dorado_tui.settings.config import Config

if TYPE_CHECKING:
    from dorado_tui.domain.clock import Clock
    from dorado_tui.engine.reconcile.service import Reconciler
    from dorado_tui.engine.runtime import Runtime
    from dorado_tui.venues.base import VenueStatus
    from dorado_tui.venues.ibkr.config import IBKRConfig
    from dorado_tui.venues.ibkr.outage import VenueAlert

log = logging.getLogger(__name__)

#: IbkrSettings fields that are not IBKRConfig fields of the same name (mapped by hand below).
_OWN_FIELDS = frozenset({"paper_port", "live_port", "account", "client_id", "probe_client_id"})
_SEVERITY = {TradingState.HALTED: Severity.EMERGENCY, TradingState.REDUCING: Severity.CRITICAL,
             TradingState.ACTIVE: Severity.WARNING}


def ibkr_mode(config: Config) -> str:
    """The IB account the process trades: live only when the global venue mode says live."""
    return "live" if config.dorado.venue.mode == "live" else "paper"


def ibkr_config(config: Config, *, client_id: int | None = None) -> IBKRConfig:
    """Every `venue.ibkr` setting as the adapter's `IBKRConfig` (the port by venue mode; blank
    account = the login's only account). Unknown names fail loudly: IBKRConfig forbids extras."""
    from dorado_tui.venues.ibkr.config import IBKRConfig

    ib = config.dorado.venue.ibkr
    mode = ibkr_mode(config)
    shared = ib.model_dump(exclude=set(_OWN_FIELDS))
    return IBKRConfig(mode=mode, port=ib.port(mode), account=ib.account or "",
                      client_id=ib.client_id if client_id is None else client_id, **shared)


async def probe_ibkr(config: Config, clock: Clock | None = None) -> VenueStatus:
    """A short read-only session under `probe_client_id` (never the trading clientId, so it cannot
    knock a running console or daemon off): the gateway's status as `dorado status --venue` shows
    it — connected, server version, account, last heartbeat, pacing budget. A gateway that cannot
    be reached is a status too (connected False, the reason in `detail`), not an error."""
    from dorado_tui.domain.clock import RealClock
    from dorado_tui.venues.base import VenueStatus
    from dorado_tui.venues.ibkr.adapter import IBKRAdapter

    ib = config.dorado.venue.ibkr
    settings = ibkr_config(config, client_id=ib.probe_client_id).model_copy(update={"connect_retries_326": 0})
    adapter = IBKRAdapter(settings, clock or RealClock())
    gateway = f"{settings.host}:{settings.effective_port}"
    try:
        await adapter.connect()
        status = adapter.status()
    except Exception as exc:  # unreachable, refused, timed out, clientId in use: all reportable
        return VenueStatus(name=adapter.name, mode=settings.mode, connected=False,
                           detail=f"not reachable at {gateway}: {exc}", extra={"gateway": gateway})
    finally:
        await adapter.disconnect()
    return status


class VenueWiring:
    """The hooks one runtime installs on its trading venue (see the module docstring)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.alerts: list[VenueAlert] = []  # every alert the venue raised (status and tests)

    # ----------------------------------------------------------------- reconciliation

    async def reconcile(self, snapshot: Any) -> bool:
        """The venue's post-(re)connect hook: the reconciler's verdict on the venue's own pull."""
        rec = self.rt.services.get("reconciler") or await self._transient_reconciler()
        hook = rec.venue_hook(self.rt.venue.name)
        return await hook(snapshot)

    async def _transient_reconciler(self) -> Reconciler:
        """The reconciler `EngineServices` would build, over the services registered so far."""
        from dorado_tui.engine.lifecycle.ids import store_exec_id
        from dorado_tui.engine.lifecycle.service import Lifecycle
        from dorado_tui.engine.reconcile.service import Reconciler

        rt = self.rt
        risk = await self._risk()
        lc = rt.services.get("lifecycle") or Lifecycle.from_runtime(rt, risk=risk)
        return Reconciler(rt.db, risk, rt.clock, bus=rt.bus, leases=rt.leases, recover=lc.recover,
                          process_events=lc.process_expirations, on_order=lc.on_order_update,
                          twin_exec_id=partial(store_exec_id, twin=True))

    async def _risk(self) -> RiskService:
        registered: RiskService | None = self.rt.services.get("risk")
        if registered is not None:
            return registered
        risk = RiskService(self.rt.db, self.rt.config.risk_policy, self.rt.clock, self.rt.bus)
        await risk.start()  # the global row must exist before a trip locks it
        return risk

    # ----------------------------------------------------------------- outages

    async def alert(self, alert: VenueAlert) -> None:
        """Latch the venue's recommendation (REDUCING/HALTED) globally and tell every console."""
        self.alerts.append(alert)
        text = f"{alert.venue}: {alert.reason}"
        decision = Decision.deny("venue.connection", alert.code, text, round(alert.outage_s, 1), None,
                                 scope=GLOBAL, venue=alert.venue, recommendation=alert.recommendation.value)
        if alert.recommendation is not TradingState.ACTIVE:
            since = alert.since or alert.time
            trip = Trip(GLOBAL, alert.recommendation, alert.code, text, alert.time,
                        figure=float(alert.recommendation.severity), period=since.isoformat())
            risk = await self._risk()
            fresh = await risk.trip([trip], decisions=[decision], kind="venue_connection",
                                    actor=f"venue:{alert.venue}")
            if not fresh:
                log.info("venue alert %s (%s) already latched", alert.code, alert.recommendation.value)
        if self.rt.bus is not None:
            payload = Alert(_SEVERITY[alert.recommendation], alert.code, text, alert.time, GLOBAL, decision)
            await self.rt.bus.publish(ALERT_CHANNEL, payload.as_dict())


def wire_venue(rt: Runtime) -> VenueWiring | None:
    """Install the reconciliation and alert hooks on the runtime's trading venue (a venue without
    them — the simulation venue — is reconciled by its callers and has no connection to lose)."""
    venue = rt.venue
    set_reconciler = getattr(venue, "set_reconciler", None)
    set_alert_sink = getattr(venue, "set_alert_sink", None)
    if set_reconciler is None and set_alert_sink is None:
        return None
    wiring = VenueWiring(rt)
    if set_reconciler is not None:
        set_reconciler(wiring.reconcile)
    if set_alert_sink is not None:
        set_alert_sink(wiring.alert)
    rt.services["venue_wiring"] = wiring
    return wiring
