"""Frozen views of what the console shows: status, positions, candidates, regimes, bots, events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from dorado_tui.domain.account import Position
from dorado_tui.domain.candidates import Candidate, CandidateLeg, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import AssetClass, OptionContract, Right
from dorado_tui.domain.orders import Action
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.domain.states import BotState, TradingState


class SchedulerRole(StrEnum):
    """Whether this process runs the job table (holds the lease) or only reads the store."""

    OWNER = "owner"
    ATTACHED = "attached"
    OFF = "off"  # no scheduler configured for this process


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class EventKind(StrEnum):
    """What an audit-stream event is about (the feed groups and filters by it)."""

    FILL = "fill"
    ORDER = "order"
    REJECTION = "rejection"
    BREAKER = "breaker"
    REGIME = "regime"
    SCAN = "scan"
    APPROVAL = "approval"
    KILL = "kill"
    RESUME = "resume"
    RECONCILE = "reconcile"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Greeks:
    """Position or portfolio Greeks in account currency per 1-unit move (delta in shares)."""

    delta: float = 0.0
    gamma: float = 0.0
    vega: float = 0.0
    theta: float = 0.0


@dataclass(frozen=True, slots=True)
class JobView:
    """One scheduled job and when it fires next (aware UTC; None when paused)."""

    id: str
    name: str
    next_run: datetime | None


@dataclass(frozen=True, slots=True)
class TradingStatesView:
    """Trading states held by the risk radar: global, per strategy layer and per bot.

    `kill_banner` is set while a kill switch halt is in force: the sentence the console shows in
    a banner on every screen ("HALTED by kill switch at 14:02:03 ET — 3 orders cancelled").
    """

    global_state: TradingState
    layers: Mapping[str, TradingState] = field(default_factory=dict)
    bots: Mapping[str, TradingState] = field(default_factory=dict)
    reason: str = ""
    since: datetime | None = None
    kill_banner: str | None = None

    def effective(self, layer: str, bot_id: str) -> TradingState:
        """The most restrictive state that applies to one bot."""
        return TradingState.worst(self.global_state, self.layers.get(layer, TradingState.ACTIVE),
                                  self.bots.get(bot_id, TradingState.ACTIVE))


@dataclass(frozen=True, slots=True)
class StatusView:
    """The status bar: venue and connection, store, scheduler, exchange clock, trading states."""

    venue: str
    venue_mode: str  # simulation / paper / live
    connected: bool
    venue_detail: str
    store_url: str  # already masked (dorado_tui.store.urls.mask_url)
    scheduler_role: SchedulerRole
    next_jobs: tuple[JobView, ...]
    exchange_tz: str
    trading: TradingStatesView


@dataclass(frozen=True, slots=True)
class PnlPoint:
    time: datetime
    pnl: float


@dataclass(frozen=True, slots=True)
class PositionView:
    """One open multi-leg position as the lifecycle manages it.

    `entry_credit` and `mark` are per combo unit in account currency (× multiplier); P&L figures
    are totals. `pnl_by_side` holds per-side P&L of multi-leg trades ("put", "call").
    `management` is the management rules' current verdict in one line.
    """

    id: str
    bot_id: str
    underlying: str
    template: str
    layer: str
    state: BotState
    quantity: float
    opened_at: datetime
    expiry: date | None
    dte: int | None
    entry_credit: float
    mark: float | None
    unrealized_pnl: float
    realized_pnl: float
    max_loss: float
    greeks: Greeks
    management: str
    legs: tuple[Position, ...] = ()
    pnl_by_side: Mapping[str, float] = field(default_factory=dict)
    pnl_history: tuple[PnlPoint, ...] = ()
    venue_mode: str = "simulation"


@dataclass(frozen=True, slots=True)
class CandidateView:
    """One ranked candidate of the latest scan, with every verdict the operator needs to decide."""

    rank: int
    id: str
    bot_id: str
    underlying: str
    asset_class: AssetClass
    template: str
    expiry: date | None
    dte: int | None
    strikes: str
    credit: float
    max_loss: float
    pop: float | None
    data_quality: float
    spread_quality: float
    confidence: str
    score: float
    status: CandidateStatus
    status_reason: str = ""
    gates: tuple[Decision, ...] = ()
    risk_checks: tuple[Decision, ...] = ()
    legs: tuple[CandidateLeg, ...] = ()
    chain_excerpt: tuple[OptionContract, ...] = ()
    flags: tuple[str, ...] = ()

    @property
    def gates_passed(self) -> bool:
        return all(d.passed for d in self.gates)

    @property
    def risk_passed(self) -> bool:
        return all(d.passed for d in self.risk_checks)

    @classmethod
    def from_candidate(cls, candidate: Candidate, risk_checks: tuple[Decision, ...] = (),
                       chain_excerpt: tuple[OptionContract, ...] = ()) -> CandidateView:
        """The view of a scanned candidate (the scan's own fields plus its risk verdicts)."""
        c = candidate
        return cls(rank=c.rank, id=c.id, bot_id=c.bot_id, underlying=c.underlying,
                   asset_class=c.asset_class, template=c.template, expiry=c.expiry, dte=c.dte,
                   strikes=strikes_text(c), credit=c.credit, max_loss=c.max_loss, pop=c.pop,
                   data_quality=c.data_quality, spread_quality=c.spread_quality,
                   confidence=c.confidence, score=c.score, status=c.status,
                   status_reason=c.status_reason, gates=c.gates, risk_checks=risk_checks,
                   legs=c.legs, chain_excerpt=chain_excerpt, flags=c.flags)


def strikes_text(candidate: Candidate) -> str:
    """The PRD's compact strikes: "569/564P 596/601C" (short strike first); FX/crypto: entry/SL/TP."""
    parts = []
    for right, code in ((Right.PUT, "P"), (Right.CALL, "C")):
        legs = [leg for leg in candidate.legs if leg.instrument.right is right]
        legs.sort(key=lambda leg: leg.action is not Action.SELL)  # short leg first
        if legs:
            parts.append("/".join(f"{leg.instrument.strike:g}" for leg in legs) + code)
    if parts:
        return " ".join(parts)
    if candidate.entry is not None:
        side = (candidate.direction or "long").capitalize()
        return f"{side} {candidate.entry:g} / SL {_num(candidate.stop)} / TP {_num(candidate.target)}"
    return ""


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


@dataclass(frozen=True, slots=True)
class ScanView:
    """The latest scan: ranked candidates, skipped underlyings, and the portfolio budget."""

    scan_id: str
    ran_at: datetime | None
    candidates: tuple[CandidateView, ...]
    skipped: Mapping[str, str] = field(default_factory=dict)  # underlying -> reason
    budget_trades: int | None = None  # trades that still fit before the heat limit
    budget_text: str = ""


@dataclass(frozen=True, slots=True)
class RegimePoint:
    asof: date
    probabilities: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class RegimeView:
    """One regime model's latest state, its recent history and what drives it."""

    model: RegimeModel
    regime: str
    confidence: float
    probabilities: Mapping[str, float]
    trend_3d: Mapping[str, float]
    history: tuple[RegimePoint, ...]
    drivers: Mapping[str, float]
    computed_at: datetime
    age: timedelta
    stale: bool
    transition_alert: bool = False

    @classmethod
    def from_state(cls, state: RegimeState, now: datetime,
                   history: tuple[RegimePoint, ...] = ()) -> RegimeView:
        """The view of a published RegimeState as seen at `now`."""
        return cls(model=state.model, regime=state.regime, confidence=state.confidence,
                   probabilities=dict(state.probabilities), trend_3d=dict(state.trend_3d),
                   history=history, drivers=dict(state.drivers), computed_at=state.computed_at,
                   age=state.age(now), stale=state.is_stale(now),
                   transition_alert=state.transition_alert)


@dataclass(frozen=True, slots=True)
class BotView:
    id: str
    underlying: str
    template: str
    layer: str
    venue_mode: str
    signal_mode: str
    approval_mode: str
    enabled: bool
    state: BotState
    trading_state: TradingState
    open_positions: int = 0


@dataclass(frozen=True, slots=True)
class EventView:
    """One audit-stream entry. `seq` increases monotonically per store (dedupe and order key)."""

    seq: int
    time: datetime
    severity: Severity
    kind: EventKind
    text: str
    ref: str = ""  # candidate, position or order id the event is about
