"""Circuit breakers: loss, drawdown and regime trips that act through the latched trading state.

`evaluate_breakers` is pure: facts in, a Decision per breaker plus the trips and alerts out.
`apply_trips` folds trips into a TradingStateBook, which only ever escalates: a breaker whose
condition has cleared leaves its trip in place until an operator resumes the scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.regime import RegimeState
from dorado_tui.domain.states import TradingState
from dorado_tui.risk.events import Alert, Severity
from dorado_tui.risk.policy import BreakerAction, RiskPolicy
from dorado_tui.risk.trading_state import (
    GLOBAL,
    TradingStateBook,
    Trip,
    layer_scope,
    underlying_scope,
)


@dataclass(frozen=True, slots=True)
class PositionLoss:
    """Open P&L of one position (negative = loss) for the level-1 breaker."""

    position_id: str
    underlying: str
    pnl: float


@dataclass(frozen=True, slots=True)
class BreakerInputs:
    """NAV marks and P&L the breakers look at (account currency; losses are negative P&L)."""

    now: datetime
    nav: float
    peak_nav: float
    day_start_nav: float
    week_start_nav: float
    layer_pnl_today: Mapping[str, float] = field(default_factory=dict)
    underlying_pnl_today: Mapping[str, float] = field(default_factory=dict)
    positions: tuple[PositionLoss, ...] = ()
    regime: RegimeState | None = None


@dataclass(frozen=True, slots=True)
class BreakerOutcome:
    decisions: tuple[Decision, ...]
    trips: tuple[Trip, ...]
    alerts: tuple[Alert, ...]


def _effect(action: BreakerAction, multiplier: float) -> tuple[TradingState, float]:
    if action is BreakerAction.REDUCE_SIZING:
        return TradingState.ACTIVE, multiplier
    if action is BreakerAction.HALT_NEW_TRADES:
        return TradingState.REDUCING, 1.0
    return TradingState.HALTED, 1.0


def _severity(state: TradingState, base: Severity) -> Severity:
    return Severity.EMERGENCY if state is TradingState.HALTED else base


@dataclass
class _Collector:
    inputs: BreakerInputs
    warn: float
    decisions: list[Decision] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    def threshold(self, check: str, code: str, what: str, loss_pct: float, limit: float | None,
                  scope: str, action: BreakerAction, severity: Severity, multiplier: float = 1.0,
                  period: str = "") -> None:
        """Trip at loss ≥ limit; warn at ≥ warn × limit; record the decision either way."""
        if limit is None:
            return
        now = self.inputs.now
        if loss_pct >= limit:
            state, mult = _effect(action, multiplier)
            effect = f"sizing × {mult:g}" if state is TradingState.ACTIVE else f"{scope} {state.value}"
            reason = f"{what} {loss_pct:.2f} % reached {limit:g} %: {effect}"
            d = Decision(check, False, code, reason, loss_pct, limit, {"scope": scope, "action": action.value})
            self.trips.append(Trip(scope, state, code, reason, now, mult, loss_pct, period))
            self.alerts.append(Alert(_severity(state, severity), code, reason, now, scope, d))
        elif loss_pct >= self.warn * limit:
            d = Decision(check, True, "NEAR_BREAKER", f"{what} {loss_pct:.2f} % is near {limit:g} %",
                         loss_pct, limit, {"scope": scope})
            self.alerts.append(Alert(Severity.WARNING, code, d.reason, now, scope, d))
        else:
            d = Decision(check, True, "OK", f"{what} {loss_pct:.2f} % below {limit:g} %", loss_pct, limit,
                         {"scope": scope})
        self.decisions.append(d)


def _periods(now: datetime) -> tuple[str, str]:
    """The exchange day and ISO week of an instant (New York time), as breaker periods."""
    local = now.astimezone(NEW_YORK).date()
    year, week, _ = local.isocalendar()
    return local.isoformat(), f"{year}-W{week:02d}"


def _loss_pct(start: float, now: float) -> float:
    return max(0.0, (start - now) / start * 100.0) if start > 0 else 0.0


def evaluate_breakers(inputs: BreakerInputs, policy: RiskPolicy) -> BreakerOutcome:
    """Every configured breaker against the facts (does not look at the current states)."""
    cb, x = policy.circuit_breakers, inputs
    col = _Collector(x, policy.alerts.warn_at_limit_fraction)
    daily, weekly = _loss_pct(x.day_start_nav, x.nav), _loss_pct(x.week_start_nav, x.nav)
    drawdown = _loss_pct(max(x.peak_nav, x.nav), x.nav)
    day, week = _periods(x.now)
    col.threshold("breaker.daily_loss", "DAILY_LOSS", "daily loss", daily, cb.daily_loss_halt_pct,
                  GLOBAL, cb.daily_loss_action, Severity.CRITICAL, period=day)
    col.threshold("breaker.weekly_loss", "WEEKLY_LOSS", "weekly loss", weekly, cb.weekly_loss_halt_pct,
                  GLOBAL, cb.weekly_loss_action, Severity.CRITICAL, period=week)
    col.threshold("breaker.drawdown_reduce", "DRAWDOWN_REDUCE", "drawdown from peak", drawdown,
                  cb.drawdown_reduce_pct, GLOBAL, BreakerAction.REDUCE_SIZING, Severity.CRITICAL,
                  cb.drawdown_sizing_multiplier)
    col.threshold("breaker.drawdown_halt", "DRAWDOWN_HALT", "drawdown from peak", drawdown,
                  cb.drawdown_halt_pct, GLOBAL, cb.drawdown_halt_action, Severity.CRITICAL)
    col.threshold("breaker.emergency_loss", "EMERGENCY_LOSS", "daily portfolio loss (level 3)", daily,
                  cb.portfolio_emergency_loss_pct, GLOBAL, BreakerAction.HALT_ALL, Severity.EMERGENCY,
                  period=day)
    base = x.day_start_nav if x.day_start_nav > 0 else x.nav
    for name, layer in policy.layers.items():
        pnl = x.layer_pnl_today.get(name, 0.0)
        col.threshold(f"breaker.layer_loss.{name}", "LAYER_DAILY_LOSS", f"layer {name} daily loss",
                      _loss_pct(base, base + pnl), layer.daily_loss_halt_pct, layer_scope(name),
                      BreakerAction.HALT_NEW_TRADES, Severity.WARNING, period=day)
    if cb.underlying_daily_loss_pct is not None:
        for und, pnl in sorted(x.underlying_pnl_today.items()):
            col.threshold(f"breaker.underlying_loss.{und.upper()}", "UNDERLYING_DAILY_LOSS",
                          f"{und.upper()} daily loss (level 2)", _loss_pct(base, base + pnl),
                          cb.underlying_daily_loss_pct, underlying_scope(und),
                          BreakerAction.HALT_NEW_TRADES, Severity.CRITICAL, period=day)
    if cb.position_loss_pct is not None:
        for pos in x.positions:
            col.threshold(f"breaker.position_loss.{pos.position_id}", "POSITION_LOSS",
                          f"position {pos.position_id} loss (level 1)", _loss_pct(base, base + pos.pnl),
                          cb.position_loss_pct, underlying_scope(pos.underlying),
                          BreakerAction.HALT_NEW_TRADES, Severity.WARNING)
    _crisis(col, policy)
    return BreakerOutcome(tuple(col.decisions), tuple(col.trips), tuple(col.alerts))


def _crisis(col: _Collector, policy: RiskPolicy) -> None:
    cb, regime, now = policy.circuit_breakers, col.inputs.regime, col.inputs.now
    if regime is None or regime.is_stale(now) or regime.regime not in cb.crisis_regimes:
        what = "no fresh regime" if regime is None or regime.is_stale(now) else f"regime {regime.regime}"
        col.decisions.append(Decision("breaker.crisis_regime", True, "OK", f"{what}: no crisis", None, None, {}))
        return
    state, mult = _effect(cb.crisis_action, 1.0)
    reason = f"{regime.model.value} regime is {regime.regime} ({regime.confidence:.0%}): {GLOBAL} {state.value}"
    d = Decision("breaker.crisis_regime", False, "CRISIS_REGIME", reason, regime.confidence, None,
                 {"scope": GLOBAL, "action": cb.crisis_action.value})
    col.decisions.append(d)
    col.trips.append(Trip(GLOBAL, state, "CRISIS_REGIME", reason, now, mult, regime.confidence,
                          regime.asof.isoformat()))
    col.alerts.append(Alert(_severity(state, Severity.CRITICAL), "CRISIS_REGIME", reason, now, GLOBAL, d))


def apply_trips(book: TradingStateBook, trips: tuple[Trip, ...]) -> tuple[TradingStateBook, tuple[Trip, ...]]:
    """Fold trips into the book; returns the new book and the trips that were new to it."""
    fresh = []
    for trip in trips:
        updated = book.trip(trip)
        if updated is not book:
            fresh.append(trip)
        book = updated
    return book, tuple(fresh)


def sizing_multiplier(book: TradingStateBook, scopes: tuple[str, ...], regime: RegimeState | None,
                      now: datetime, policy: RiskPolicy) -> float:
    """Latched sizing cuts on the scopes times the live high-volatility regime multiplier."""
    return book.sizing_multiplier(scopes) * regime_multiplier(regime, now, policy)


def regime_multiplier(regime: RegimeState | None, now: datetime, policy: RiskPolicy) -> float:
    """High-volatility regimes scale sizing down (a stale or missing regime does not)."""
    cb = policy.circuit_breakers
    if regime is None or regime.is_stale(now) or regime.regime not in cb.high_vol_regimes:
        return 1.0
    return cb.high_vol_sizing_multiplier
