"""The console boundary: frozen views of everything the operator console shows, and the ports it calls.

The Textual console (`dorado_tui.tui`) imports only this package from the engine. The engine
builds these values from the store, the risk radar, the regime radar and the venue; the console
never computes a figure itself, it formats them. Pure data and Protocols: no I/O here.
"""

from __future__ import annotations

from dorado_tui.engine.console_views.ports import (
    ActionResult,
    ConsoleBackend,
    ConsoleEvent,
    ConsoleScheduler,
    DashboardSnapshot,
    KillReport,
    PositionMark,
    SnapshotInvalidated,
    snapshot_as_dict,
)
from dorado_tui.engine.console_views.risk import (
    BreakerState,
    BreakerView,
    CorrelationView,
    RiskView,
    StressGridView,
    VarView,
)
from dorado_tui.engine.console_views.views import (
    BotView,
    CandidateView,
    EventKind,
    EventView,
    Greeks,
    JobView,
    PnlPoint,
    PositionView,
    RegimePoint,
    RegimeView,
    ScanView,
    SchedulerRole,
    Severity,
    StatusView,
    TradingStatesView,
    strikes_text,
)

__all__ = [
    "ActionResult", "BotView", "BreakerState", "BreakerView", "CandidateView", "ConsoleBackend",
    "ConsoleEvent", "ConsoleScheduler", "CorrelationView", "DashboardSnapshot", "EventKind",
    "EventView", "Greeks", "JobView", "KillReport", "PnlPoint", "PositionMark", "PositionView",
    "RegimePoint", "RegimeView", "RiskView", "ScanView", "SchedulerRole", "Severity",
    "SnapshotInvalidated", "StatusView", "StressGridView", "TradingStatesView", "VarView",
    "snapshot_as_dict", "strikes_text",
]
