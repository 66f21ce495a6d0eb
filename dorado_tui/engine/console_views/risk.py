"""Frozen views of the risk radar: breakers, VaR, stress grid, correlation matrix, limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views.views import Greeks


class BreakerState(StrEnum):
    ARMED = "armed"  # watching, not tripped
    TRIPPED = "tripped"  # latched until an operator resume
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class BreakerView:
    """One circuit breaker: its state, the figure it watches and the state it imposes when tripped."""

    name: str
    scope: str  # "global", "layer:L2", "bot:spy-ic"
    state: BreakerState
    figure: float | None
    limit: float | None
    action: TradingState
    reason: str = ""
    tripped_at: datetime | None = None
    unit: str = "pct"  # how figure/limit read: "pct" (fraction), "usd", "count"


@dataclass(frozen=True, slots=True)
class VarView:
    confidence: float
    horizon_days: int
    value: float
    limit: float | None
    method: str
    expected_shortfall: float | None = None


@dataclass(frozen=True, slots=True)
class StressGridView:
    """Portfolio P&L under joint shocks: `pnl[i][j]` for `vol_shocks[i]` and `spot_shocks[j]`."""

    spot_shocks: tuple[float, ...]
    vol_shocks: tuple[float, ...]
    pnl: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        if len(self.pnl) != len(self.vol_shocks) or any(len(r) != len(self.spot_shocks) for r in self.pnl):
            raise ValueError(f"stress grid must be {len(self.vol_shocks)}×{len(self.spot_shocks)} "
                             f"(vol × spot), got {len(self.pnl)} rows of {[len(r) for r in self.pnl]}")


@dataclass(frozen=True, slots=True)
class CorrelationView:
    """A correlation matrix with its labels and the PCA correlation regime."""

    labels: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]
    regime: str = ""
    components_80: int | None = None

    def __post_init__(self) -> None:
        n = len(self.labels)
        if len(self.matrix) != n or any(len(r) != n for r in self.matrix):
            raise ValueError(f"correlation matrix must be {n}×{n} for {n} labels")


@dataclass(frozen=True, slots=True)
class RiskView:
    """The risk radar as the console shows it. Losses and drawdown are positive fractions of NAV.

    `limits` are the portfolio checks' current decisions (figure vs limit, passed or not), with
    `details["unit"]` in "pct" / "usd" / "count" saying how to read the figures; the trading
    state lives in `StatusView.trading` (one source for every screen).
    """

    nav: float
    heat: float
    heat_limit: float
    daily_loss: float
    daily_loss_limit: float
    weekly_loss: float
    weekly_loss_limit: float
    drawdown: float
    drawdown_limit: float
    greeks: Greeks
    var: VarView | None
    breakers: tuple[BreakerView, ...]
    limits: tuple[Decision, ...]
    stress: StressGridView | None = None
    correlation: CorrelationView | None = None
    scenarios: tuple[tuple[str, float], ...] = ()  # named market scenarios: (name, portfolio P&L)
