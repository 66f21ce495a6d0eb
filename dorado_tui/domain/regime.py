"""Published regime state (PRD §3.5): what every reader of the regime radar sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class RegimeModel(StrEnum):
    MACRO = "macro"
    FX = "fx"
    CRYPTO = "crypto"
    CORRELATION = "correlation"


MACRO_REGIMES = ("risk_on", "goldilocks", "transition", "risk_off", "crisis", "recovery")
FX_REGIMES = ("carry", "momentum", "mean_reversion", "risk_off_unwind")
CORRELATION_REGIMES = ("concentrated", "diversified")
#: crypto trend model: is there a tradeable trend (strength and direction go in `extra`)
CRYPTO_REGIMES = ("trending", "no_trend")
NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class RegimeState:
    """One model's classification for one day.

    `horizon` is how long the state stays fresh; past it `is_stale` is true and the scan treats
    the regime gate as neutral/allow-all and says so.
    """

    model: RegimeModel
    asof: date
    regime: str
    confidence: float
    probabilities: dict[str, float]
    computed_at: datetime
    horizon: timedelta = timedelta(days=3)
    transition_alert: bool = False
    trend_3d: dict[str, float] = field(default_factory=dict)
    drivers: dict[str, float] = field(default_factory=dict)
    model_version: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    def is_stale(self, now: datetime) -> bool:
        return now - self.computed_at > self.horizon

    def age(self, now: datetime) -> timedelta:
        return now - self.computed_at
