"""The services scheduled jobs call, over one runtime: regime update, scans, monitoring passes,
expirations, approval timeouts and reconciliation.

A console that built its engine first (`engine.console_backend`) registered its risk service,
lifecycle, scanner and candidate sink in `runtime.services`; they are reused, so the built-in
scheduler and the operator act through the very same objects. A daemon or a cron command gets
them built here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from dorado_tui.engine.lifecycle.ids import store_exec_id
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.engine.reconcile.model import Reconciliation
from dorado_tui.engine.reconcile.service import Reconciler
from dorado_tui.engine.regime_updates import RegimeUpdate, daily_regime_update
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.engine.runtime import Runtime
from dorado_tui.engine.scan.model import ScanResult
from dorado_tui.engine.scan.service import Scanner


class LifecycleIntake:
    """The scanner's candidate sink when no console registered one: the lifecycle's intake."""

    name = "lifecycle"

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle

    async def intake(self, result: ScanResult) -> None:
        await self.lifecycle.intake(result)


class EngineServices:
    """What the job table runs (see the module docstring). Build with `await open(rt)`."""

    def __init__(self, rt: Runtime, risk: RiskService, lifecycle: Lifecycle, scanner: Scanner,
                 reconciler: Reconciler) -> None:
        self.rt, self.risk, self.lifecycle, self.scanner, self.reconciler = rt, risk, lifecycle, scanner, reconciler

    @classmethod
    async def open(cls, rt: Runtime, *, lifecycle: Lifecycle | None = None) -> EngineServices:
        """The runtime's services, reusing those already registered; registers what it builds."""
        s = rt.services
        risk: RiskService = s.get("risk") or RiskService(rt.db, rt.config.risk_policy, rt.clock, rt.bus)
        await risk.start()
        lc: Lifecycle | None = lifecycle or s.get("lifecycle")
        if lc is None:
            lc = Lifecycle.from_runtime(rt, risk=risk)
            await lc.start(recover=False)  # recovery runs inside every reconciliation
        sink = s.get("candidate_sink") or LifecycleIntake(lc)
        scanner: Scanner = s.get("scanner") or Scanner.from_runtime(rt, sink=sink)
        rec: Reconciler = s.get("reconciler") or Reconciler.from_runtime(
            rt, risk=risk, recover=lc.recover, process_events=lc.process_expirations, on_order=lc.on_order_update,
            twin_exec_id=partial(store_exec_id, twin=True))
        s.update(risk=risk, lifecycle=lc, candidate_sink=sink, scanner=scanner, reconciler=rec)
        return cls(rt, risk, lc, scanner, rec)

    async def regime_update(self) -> RegimeUpdate:
        return await daily_regime_update(self.rt)

    async def scan(self, bot_ids: Sequence[str]) -> ScanResult:
        return await self.scanner.scan(list(bot_ids))

    async def monitor(self, *, live: bool | None, checks: frozenset[str]) -> Any:
        return await self.lifecycle.monitor(live=live, checks=checks)

    async def expirations(self) -> Any:
        return await self.lifecycle.process_expirations()

    async def approvals(self) -> Any:
        return await self.lifecycle.expire_approvals()

    async def reconcile(self, reason: str = "schedule") -> list[Reconciliation]:
        return await self.reconciler.run_all(self.rt.venue, self.rt.twin_venue, reason=reason)
