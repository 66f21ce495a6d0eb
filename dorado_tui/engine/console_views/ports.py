"""The console's ports: the snapshot, the live event stream, action results, backend and scheduler."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from dorado_tui.domain.annotations import AnnotationTag
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views.risk import RiskView
from dorado_tui.engine.console_views.views import (
    BotView,
    EventView,
    Greeks,
    JobView,
    PositionView,
    RegimeView,
    ScanView,
    SchedulerRole,
    StatusView,
    TradingStatesView,
)


@dataclass(frozen=True, slots=True)
class PositionMark:
    """A mark-to-market update of one position (the engine turns quotes into these)."""

    position_id: str
    mark: float
    unrealized_pnl: float
    time: datetime
    greeks: Greeks | None = None


@dataclass(frozen=True, slots=True)
class SnapshotInvalidated:
    """The store changed in a way a mark cannot express (scan, fill, state change): re-read."""

    reason: str


#: What the engine's event stream yields.
ConsoleEvent = EventView | PositionMark | SnapshotInvalidated


@dataclass(frozen=True, slots=True)
class DashboardSnapshot:
    """Everything the console shows at one instant. `version` grows whenever any part changes."""

    version: int
    asof: datetime
    status: StatusView
    positions: tuple[PositionView, ...]
    scan: ScanView | None
    regimes: tuple[RegimeView, ...]
    risk: RiskView | None
    bots: tuple[BotView, ...]
    events: tuple[EventView, ...]

    @property
    def trading(self) -> TradingStatesView:
        return self.status.trading


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The engine's answer to an operator action: done or not, why, and the decisions behind it."""

    ok: bool
    message: str
    decisions: tuple[Decision, ...] = ()


@dataclass(frozen=True, slots=True)
class KillReport:
    """What the kill switch did: the state now held and the working orders left at the venue."""

    state: TradingState
    cancelled_orders: int
    working_orders: int
    at: datetime
    message: str = ""


@runtime_checkable
class ConsoleBackend(Protocol):
    """Everything the console asks of the engine. All I/O; the console calls it only in workers.

    Errors are raised as `dorado_tui.domain.errors.DoradoError` subclasses (message + title);
    a refusal that is a normal outcome (risk denied, trading state) is an `ActionResult` with
    `ok=False` and the denying decisions.
    """

    async def open(self) -> None:
        """Connect store, bus and venue on the console's event loop (called once, first)."""
        ...

    async def close(self) -> None:
        """Release everything `open` acquired; never cancels working orders."""
        ...

    async def snapshot(self) -> DashboardSnapshot:
        """The current state of everything the console shows."""
        ...

    async def scan_now(self) -> ActionResult:
        """Run the scan for every bot in scan mode now; candidates land in the next snapshot."""
        ...

    async def approve(self, candidate_id: str, tag: AnnotationTag | None) -> ActionResult:
        """Approve a selected candidate (re-check, persist the intent, submit); store the tag."""
        ...

    async def reject(self, candidate_id: str, reason: str) -> ActionResult:
        """Reject a candidate with the operator's reason (it continues as a paper twin)."""
        ...

    async def kill(self) -> KillReport:
        """HALTED globally and cancel every working order at the venue. Never asks, never waits
        on anything but the venue's cancel acknowledgements."""
        ...

    async def resume(self, reason: str) -> ActionResult:
        """Clear the HALT and the latched breakers (audited with the reason)."""
        ...

    async def set_bot_enabled(self, bot_id: str, enabled: bool) -> ActionResult:
        """Enable or disable one bot (audited)."""
        ...

    async def orders_in_flight(self) -> int:
        """Working orders at the venue right now (quitting with some asks first)."""
        ...

    def events(self) -> AsyncIterator[ConsoleEvent]:
        """Live stream of audit events, marks and invalidations until the backend closes."""
        ...


@runtime_checkable
class ConsoleScheduler(Protocol):
    """The built-in scheduler hook: runs `jobs.py` when it wins the lease, else attaches read-only."""

    @property
    def role(self) -> SchedulerRole:
        """OWNER after winning the lease, ATTACHED when another process holds it."""
        ...

    async def start(self) -> SchedulerRole:
        """Try the lease; start the job table on the running loop if won. Returns the role."""
        ...

    async def shutdown(self) -> None:
        """Stop jobs (waiting for running ones) and release the lease if held."""
        ...

    def next_jobs(self, limit: int = 3) -> tuple[JobView, ...]:
        """The next jobs to fire, soonest first (read from the lease holder when attached)."""
        ...


def snapshot_as_dict(snapshot: DashboardSnapshot) -> dict[str, Any]:
    """JSON-friendly form of a snapshot (NaN/inf become None; enums and times stay as values)."""
    cleaned: dict[str, Any] = _clean(asdict(snapshot))
    return cleaned


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value
