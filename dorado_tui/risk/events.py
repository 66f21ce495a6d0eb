"""Risk events and alerts: what the radar records and raises (severity levels as in seed 001)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from dorado_tui.domain.decisions import Decision


class Severity(StrEnum):
    """INFO: for the record; WARNING: look today; CRITICAL: act now; EMERGENCY: trading stopped."""

    INFO = "INFO"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"
    EMERGENCY = "EMERGENCY"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2, Severity.EMERGENCY: 3}


@dataclass(frozen=True, slots=True)
class Alert:
    """Something the operator must be told, with the decision that caused it."""

    severity: Severity
    code: str
    message: str
    time: datetime
    scope: str = "global"
    decision: Decision | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "time": self.time.isoformat(),
            "scope": self.scope,
            "decision": None if self.decision is None else self.decision.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """One persisted risk event: a breaker trip, a protection lock, a resume, a kill, a denial."""

    kind: str  # "breaker_trip" | "protection_lock" | "resume" | "kill" | "check_denied" | ...
    scope: str
    time: datetime
    decision: Decision
    severity: Severity = Severity.INFO
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "scope": self.scope,
            "time": self.time.isoformat(),
            "severity": self.severity.value,
            "decision": self.decision.as_dict(),
            "details": self.details,
        }


#: Passing decisions that still deserve the operator's attention, and how loudly.
_NOTABLE = {"NEAR_LIMIT": Severity.WARNING, "NEAR_BREAKER": Severity.WARNING, "CASH_DRAG": Severity.INFO,
            "SPREAD_FLAGGED": Severity.INFO, "REGIME_NEUTRAL": Severity.INFO}


def alerts_from_decisions(decisions: tuple[Decision, ...] | list[Decision], now: datetime,
                          scope: str = "global") -> tuple[Alert, ...]:
    """Alerts for passing-but-notable decisions (near a limit, cash drag, flagged spread, neutral
    regime). Denials are not alerts: they are refusals the caller reports with the decision."""
    return tuple(Alert(_NOTABLE[d.code], d.code, d.reason, now, scope, d) for d in decisions
                 if d.passed and d.code in _NOTABLE)
