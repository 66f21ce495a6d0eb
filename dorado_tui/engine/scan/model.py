"""The scan's values: settings, per-bot outcomes, the scan result, and the lifecycle's sink port."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.decisions import Decision

#: PRD §3.3: concurrent paper twins are capped; the lowest scores are dropped first.
PAPER_CAP = 30


@dataclass(frozen=True)
class ScanSettings:
    """Knobs of the scan (defaults per the PRD's chain-quality handling)."""

    chain_ttl_s: float = 120.0
    backoff_s: tuple[float, ...] = (60.0, 120.0, 300.0)
    requests_per_s: float = 40.0
    request_burst: int = 40
    requote_delta_tolerance: float = 0.02
    paper_cap: int = PAPER_CAP
    lease_ttl_s: float = 60.0


class CandidateSink(Protocol):
    """Where a scan's (or a signal's) persisted, ranked candidates go next: the lifecycle turns
    SELECTED ones into bot transitions (AWAITING_APPROVAL or auto-execute) and PAPER ones into
    paper twins. `name` is shown in the scan's output."""

    name: str

    async def intake(self, result: ScanResult) -> None: ...


@dataclass(frozen=True)
class BotOutcome:
    """What the scan did with one bot: its gates, candidates, or why it was skipped."""

    bot_id: str
    underlying: str
    template: str
    template_name: str
    gates: tuple[Decision, ...]
    candidate_ids: tuple[str, ...] = ()
    skipped: str | None = None
    skip_code: str | None = None
    regime: str = ""
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"bot_id": self.bot_id, "underlying": self.underlying, "template": self.template,
                "template_name": self.template_name, "regime": self.regime,
                "gates": [d.as_dict() for d in self.gates], "candidates": list(self.candidate_ids),
                "skipped": self.skipped, "skip_code": self.skip_code, "notes": list(self.notes)}


@dataclass(frozen=True)
class Budget:
    """How many more trades fit before the portfolio heat limit, after this scan's selection."""

    trades: int
    heat_pct: float
    max_heat_pct: float
    unit_risk: float

    @property
    def text(self) -> str:
        return (f"Portfolio budget: {self.trades} trade{'s' if self.trades != 1 else ''} before heat limit "
                f"(heat {self.heat_pct:.1f} % of {self.max_heat_pct:g} %, typical trade risk "
                f"{self.unit_risk:,.0f})")


@dataclass(frozen=True)
class ScanResult:
    """One scan (or one signal): every bot's outcome and every candidate, ranked, with its status."""

    scan_id: str
    kind: str  # "scan" | "signal"
    ran_at: datetime
    asof: date
    bots: tuple[BotOutcome, ...]
    candidates: tuple[Candidate, ...]
    budget: Budget | None = None
    correlation: str = ""
    sink: str | None = None
    alerts: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def of_status(self, status: CandidateStatus) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if c.status is status)

    @property
    def selected(self) -> tuple[Candidate, ...]:
        return self.of_status(CandidateStatus.SELECTED)

    @property
    def paper(self) -> tuple[Candidate, ...]:
        return self.of_status(CandidateStatus.PAPER)

    @property
    def skipped(self) -> dict[str, str]:
        return {b.bot_id: b.skipped for b in self.bots if b.skipped is not None}

    def as_dict(self) -> dict[str, Any]:
        return {
            "scan_id": self.scan_id, "kind": self.kind, "ran_at": self.ran_at.isoformat(),
            "asof": self.asof.isoformat(), "sink": self.sink,
            "bots": [b.as_dict() for b in self.bots],
            "candidates": [candidate_dict(c) for c in self.candidates],
            "skipped": self.skipped,
            "budget": None if self.budget is None else {
                "trades": self.budget.trades, "heat_pct": _num(self.budget.heat_pct),
                "max_heat_pct": self.budget.max_heat_pct, "unit_risk": _num(self.budget.unit_risk),
                "text": self.budget.text},
            "correlation": self.correlation, "alerts": list(self.alerts), "notes": list(self.notes),
        }


def _num(x: float | None, digits: int = 6) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, digits)


def candidate_dict(c: Candidate) -> dict[str, Any]:
    """JSON-friendly candidate (the golden snapshot's shape)."""
    return {
        "rank": c.rank, "id": c.id, "bot_id": c.bot_id, "underlying": c.underlying,
        "asset_class": c.asset_class.value, "template": c.template, "strategy_layer": c.strategy_layer,
        "status": c.status.value, "status_reason": c.status_reason, "variant": c.variant,
        "expiry": c.expiry.isoformat() if c.expiry else None, "dte": c.dte,
        "legs": [{"role": leg.role, "symbol": leg.instrument.symbol, "action": leg.action.value,
                  "ratio": leg.ratio, "strike": leg.instrument.strike,
                  "right": leg.instrument.right.value if leg.instrument.right else None,
                  "bid": _num(leg.bid), "ask": _num(leg.ask), "delta": _num(leg.delta, 4),
                  "iv": _num(leg.iv, 4)} for leg in c.legs],
        "credit": _num(c.credit, 2), "max_loss": _num(c.max_loss, 2),
        "max_profit": _num(c.max_profit, 2), "max_profit_unbounded": math.isinf(c.max_profit),
        "width": c.width, "breakevens": [_num(b, 4) for b in c.breakevens], "pop": _num(c.pop, 4),
        "credit_to_width": _num(c.credit_to_width, 4), "quantity": c.quantity,
        "entry": _num(c.entry), "stop": _num(c.stop), "target": _num(c.target), "direction": c.direction,
        "data_quality": _num(c.data_quality, 4), "spread_quality": _num(c.spread_quality, 4),
        "score": _num(c.score, 4), "score_parts": {k: _num(v, 4) for k, v in c.score_parts.items()},
        "confidence": c.confidence, "flags": list(c.flags),
        "greeks": {"delta": _num(c.delta, 4), "gamma": _num(c.gamma, 6), "vega": _num(c.vega, 4),
                   "theta": _num(c.theta, 4)},
        "verdicts": [d.as_dict() for d in c.gates],
    }
