"""Trade candidates produced by the scan: legs, economics, gate verdicts, score and selection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import AssetClass, Instrument
from dorado_tui.domain.orders import Action


class CandidateStatus(StrEnum):
    PROPOSED = "proposed"  # resolved and scored, not yet through selection
    SELECTED = "selected"  # passed portfolio selection: awaiting approval or auto-executed
    PAPER = "paper"  # not selected: runs as a paper twin with the reason
    DROPPED = "dropped"  # excluded (scoring exclusion, paper cap)
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"  # approval timeout


@dataclass(frozen=True, slots=True)
class CandidateLeg:
    """One leg of a resolved candidate with the quote it was priced from."""

    role: str  # "short_put", "long_call", "underlying", ...
    instrument: Instrument
    action: Action
    ratio: int
    bid: float
    ask: float
    delta: float | None = None
    iv: float | None = None

    @property
    def mid(self) -> float:
        return 0.5 * (self.bid + self.ask)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A fully resolved trade proposal for one bot.

    Economics are per combo unit in account currency (already × multiplier): `credit` > 0 means
    the trade receives premium; `max_loss` is a positive number (the defined risk per unit).
    `quantity` is set by sizing. FX/crypto candidates use `entry`, `stop`, `target`.
    """

    id: str
    scan_id: str
    bot_id: str
    underlying: str
    asset_class: AssetClass
    template: str
    strategy_layer: str
    legs: tuple[CandidateLeg, ...]
    expiry: date | None
    dte: int | None
    credit: float
    max_loss: float
    max_profit: float
    width: float | None
    breakevens: tuple[float, ...]
    pop: float | None
    quantity: float = 1.0
    entry: float | None = None
    stop: float | None = None
    target: float | None = None
    direction: str | None = None
    data_quality: float = 1.0
    spread_quality: float = 0.0
    score: float = 0.0
    rank: int = 0
    confidence: str = "MED"
    variant: str = "delta"
    flags: tuple[str, ...] = field(default=())
    gates: tuple[Decision, ...] = field(default=())
    score_parts: dict[str, float] = field(default_factory=dict)
    status: CandidateStatus = CandidateStatus.PROPOSED
    status_reason: str = ""
    delta: float = 0.0  # position delta per unit, in underlying shares (× multiplier)
    gamma: float = 0.0
    vega: float = 0.0
    theta: float = 0.0

    @property
    def total_max_loss(self) -> float:
        return self.max_loss * self.quantity

    @property
    def credit_to_width(self) -> float | None:
        if not self.width or not self.legs:
            return None
        return self.credit / (self.width * self.legs[0].instrument.multiplier)
