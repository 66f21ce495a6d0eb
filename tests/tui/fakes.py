"""Recording console backend and scheduler for the TUI tests (test scaffolding, never shipped).

`RecordingBackend` serves the seeded snapshot, records every call with its arguments, applies
the obvious state change (approve -> APPROVED, kill -> HALTED, ...) so the console's redraw can
be asserted, and lets a test push live events into the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime

from dorado_tui.domain.annotations import AnnotationTag
from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views import (
    ActionResult,
    ConsoleEvent,
    DashboardSnapshot,
    JobView,
    KillReport,
    SchedulerRole,
)
from tui import seed

_CLOSED = object()


class RecordingBackend:
    """A ConsoleBackend over a fixed snapshot that records calls and can be told to fail."""

    def __init__(self, snapshot: DashboardSnapshot | None = None, *, in_flight: int = 0,
                 with_scan: bool = True) -> None:
        base = snapshot or seed.snapshot()
        self.current = base if with_scan else replace(base, scan=None)
        self._scan_result = base.scan or seed.scan()
        self.in_flight = in_flight
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.failures: dict[str, Exception] = {}
        self.snapshot_reads = 0
        self.gates: dict[str, asyncio.Event] = {}  # a call named here waits until the test sets it
        self._queue: asyncio.Queue[object] = asyncio.Queue()

    # -- test controls ----------------------------------------------------------------------------
    def push(self, event: ConsoleEvent) -> None:
        """Put a live event into the stream the console consumes."""
        self._queue.put_nowait(event)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    async def _record(self, name: str, *args: object) -> None:
        self.calls.append((name, args))
        if name in self.gates:
            await self.gates[name].wait()
        if name in self.failures:
            raise self.failures[name]

    def _bump(self, **changes: object) -> None:
        self.current = replace(self.current, version=self.current.version + 1, **changes)  # type: ignore[arg-type]

    def _set_candidate(self, candidate_id: str, status: CandidateStatus, reason: str) -> bool:
        scan = self.current.scan
        if scan is None or all(c.id != candidate_id for c in scan.candidates):
            return False
        cands = tuple(replace(c, status=status, status_reason=reason) if c.id == candidate_id else c
                      for c in scan.candidates)
        self._bump(scan=replace(scan, candidates=cands))
        return True

    def _set_global(self, state: TradingState, banner: str | None) -> None:
        trading = replace(self.current.trading, global_state=state, kill_banner=banner,
                          reason="kill switch" if state is TradingState.HALTED else "")
        self._bump(status=replace(self.current.status, trading=trading))

    # -- the ConsoleBackend protocol ------------------------------------------------------------------
    async def open(self) -> None:
        await self._record("open")

    async def close(self) -> None:
        await self._record("close")
        self._queue.put_nowait(_CLOSED)

    async def snapshot(self) -> DashboardSnapshot:
        self.snapshot_reads += 1
        if "snapshot" in self.failures:
            raise self.failures["snapshot"]
        return self.current

    async def scan_now(self) -> ActionResult:
        await self._record("scan_now")
        self._bump(scan=self._scan_result)
        return ActionResult(True, f"scan finished: {len(self._scan_result.candidates)} candidates")

    async def approve(self, candidate_id: str, tag: AnnotationTag | None) -> ActionResult:
        await self._record("approve", candidate_id, tag)
        if not self._set_candidate(candidate_id, CandidateStatus.APPROVED, f"approved ({tag or 'no tag'})"):
            return ActionResult(False, f"unknown candidate {candidate_id}")
        return ActionResult(True, f"{candidate_id} approved; order submitted")

    async def reject(self, candidate_id: str, reason: str) -> ActionResult:
        await self._record("reject", candidate_id, reason)
        self._set_candidate(candidate_id, CandidateStatus.REJECTED, reason)
        return ActionResult(True, f"{candidate_id} rejected")

    async def kill(self) -> KillReport:
        await self._record("kill")
        self._set_global(TradingState.HALTED, "HALTED by kill switch at 10:30:00 EST — 2 orders cancelled")
        self.in_flight = 0
        return KillReport(TradingState.HALTED, cancelled_orders=2, working_orders=0, at=seed.ASOF)

    async def resume(self, reason: str) -> ActionResult:
        await self._record("resume", reason)
        self._set_global(TradingState.ACTIVE, None)
        return ActionResult(True, "trading resumed", (Decision.ok("operator.resume", reason),))

    async def set_bot_enabled(self, bot_id: str, enabled: bool) -> ActionResult:
        await self._record("set_bot_enabled", bot_id, enabled)
        bots = tuple(replace(b, enabled=enabled) if b.id == bot_id else b for b in self.current.bots)
        self._bump(bots=bots)
        return ActionResult(True, f"{bot_id} {'enabled' if enabled else 'disabled'}")

    async def orders_in_flight(self) -> int:
        await self._record("orders_in_flight")
        return self.in_flight

    async def events(self) -> AsyncIterator[ConsoleEvent]:
        while True:
            item = await self._queue.get()
            if item is _CLOSED:
                return
            yield item  # type: ignore[misc]


class RecordingScheduler:
    """A ConsoleScheduler that wins or loses the lease as told and records start/shutdown."""

    def __init__(self, *, wins_lease: bool = True) -> None:
        self.wins_lease = wins_lease
        self._role = SchedulerRole.OFF
        self.calls: list[str] = []

    @property
    def role(self) -> SchedulerRole:
        return self._role

    async def start(self) -> SchedulerRole:
        self.calls.append("start")
        self._role = SchedulerRole.OWNER if self.wins_lease else SchedulerRole.ATTACHED
        return self._role

    async def shutdown(self) -> None:
        self.calls.append("shutdown")
        self._role = SchedulerRole.OFF

    def next_jobs(self, limit: int = 3) -> tuple[JobView, ...]:
        jobs = (JobView("regime", "regime", datetime(2026, 2, 10, 21, 0, tzinfo=seed.ASOF.tzinfo)),
                JobView("scan", "scan", datetime(2026, 2, 11, 14, 45, tzinfo=seed.ASOF.tzinfo)))
        return jobs[:limit]
