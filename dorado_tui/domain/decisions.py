"""Decisions: the value every risk check and gate returns (persisted and shown, never just logged)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict of one check.

    `check` names the check ("portfolio.heat", "gate.volatility.iv_rank"), `code` is a stable
    machine code ("HEAT_LIMIT"), `reason` is the sentence shown to the operator, `figure` is the
    measured value and `limit` the threshold it was held against (None when not numeric).
    """

    check: str
    passed: bool
    code: str
    reason: str
    figure: float | None = None
    limit: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def ok(cls, check: str, reason: str, figure: float | None = None, limit: float | None = None,
           **details: Any) -> Decision:
        return cls(check, True, "OK", reason, figure, limit, dict(details))

    @classmethod
    def deny(cls, check: str, code: str, reason: str, figure: float | None = None,
             limit: float | None = None, **details: Any) -> Decision:
        return cls(check, False, code, reason, figure, limit, dict(details))

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (NaN/inf become None)."""
        def clean(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else x

        return {
            "check": self.check,
            "passed": self.passed,
            "code": self.code,
            "reason": self.reason,
            "figure": clean(self.figure),
            "limit": clean(self.limit),
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """Several decisions taken together: passes only when all pass."""

    decisions: tuple[Decision, ...]

    @classmethod
    def of(cls, decisions: Iterable[Decision]) -> Verdict:
        return cls(tuple(decisions))

    @property
    def passed(self) -> bool:
        return all(d.passed for d in self.decisions)

    @property
    def failures(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if not d.passed)

    @property
    def reason(self) -> str:
        """The first failure's reason, or a pass summary."""
        fails = self.failures
        if not fails:
            return f"all {len(self.decisions)} checks passed"
        return "; ".join(f.reason for f in fails)
