"""The risk screen's view: the risk radar's report (`engine.risk_report`: limits against usage,
breakers on the NAV history, VaR, stress grid) with the latched trading states and the
correlation matrix, in the console's units.

Units: the radar measures in % of NAV; the console takes fractions (`details["unit"] = "pct"`),
losses and drawdown as positive fractions. Money stays in account currency. The stress grid is
the radar's own (the policy's spot shocks in % and vol shocks in vol points, Taylor-revalued and
capped per underlying, the figures its limit is checked on), turned from % of NAV into currency;
VaR is the quant core's full-repricing historical VaR when the legs can be repriced, else the
radar's delta-gamma VaR; the named scenarios (2008, 2020, ...) are the quant core's, repriced on
the legs. The report reads a year of bars: `RiskViewCache` rebuilds it in the
background on a cadence (and soon after the store changes), never inside a snapshot read.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from datetime import timedelta

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import DoradoError
from dorado_tui.domain.regime import RegimeModel
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_backend.candidates import as_console_units
from dorado_tui.engine.console_backend.loops import Periodic, Priority
from dorado_tui.engine.console_views import (
    BreakerState,
    BreakerView,
    CorrelationView,
    Greeks,
    RiskView,
    StressGridView,
    VarView,
)
from dorado_tui.engine.risk_report import (
    LOOKBACK_DAYS,
    RiskReport,
    build_risk_report,
    load_history,
    market_from_history,
)
from dorado_tui.risk.policy import BreakerAction, RiskPolicy
from dorado_tui.risk.portfolio import MarketFacts
from dorado_tui.risk.trading_state import TradingStateBook
from dorado_tui.store.database import Database
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos import regime as regime_repo
from dorado_tui.venues.base import VenueAdapter

log = logging.getLogger(__name__)

#: Underlyings in the correlation matrix at most (held first, then the bots', then the benchmark).
MATRIX_SIZE = 12
_ACTION_STATE = {BreakerAction.REDUCE_SIZING: TradingState.ACTIVE, BreakerAction.HALT_NEW_TRADES: TradingState.REDUCING,
                 BreakerAction.HALT_ALL: TradingState.HALTED}
#: Trip code of each breaker check (the check's suffix, upper-cased, unless named here).
_CODES = {"layer_loss": "LAYER_DAILY_LOSS", "underlying_loss": "UNDERLYING_DAILY_LOSS"}


def _pct(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x / 100.0


def _breaker_code(check: str) -> tuple[str, str]:
    """(name shown, trip code) of a breaker check: "breaker.layer_loss.L2" → ("layer_loss L2", ...)."""
    parts = check.split(".", 2)[1:]
    base = parts[0] if parts else check
    name = " ".join(parts) if parts else check
    return name, _CODES.get(base, base.upper())


def _action(check: str, policy: RiskPolicy) -> TradingState:
    cb = policy.circuit_breakers
    base = check.split(".")[1] if "." in check else check
    action = {"daily_loss": cb.daily_loss_action, "weekly_loss": cb.weekly_loss_action,
              "drawdown_reduce": BreakerAction.REDUCE_SIZING, "drawdown_halt": cb.drawdown_halt_action,
              "emergency_loss": BreakerAction.HALT_ALL, "crisis_regime": cb.crisis_action}.get(
        base, BreakerAction.HALT_NEW_TRADES)
    return _ACTION_STATE[action]


def breaker_views(decisions: Sequence[Decision], book: TradingStateBook, policy: RiskPolicy) -> tuple[BreakerView, ...]:
    """Every breaker the radar evaluated (tripped when its trip is latched in the store), then any
    other latched trip (kill switch, reconciliation, protections) as a tripped row of its own."""
    out, shown = [], set()
    for d in decisions:
        name, code = _breaker_code(d.check)
        scope = str(d.details.get("scope", "global"))
        trip = next((t for t in book.get(scope).trips if t.code == code), None)
        shown.add((scope, code))
        crisis = d.check == "breaker.crisis_regime"
        out.append(BreakerView(name, scope, BreakerState.TRIPPED if trip else BreakerState.ARMED,
                               d.figure if crisis else _pct(d.figure), d.limit if crisis else _pct(d.limit),
                               _action(d.check, policy), trip.reason if trip else d.reason,
                               trip.time if trip else None, "pct"))
    for scope, st in sorted(book.scopes.items()):
        for t in st.trips:
            if (scope, t.code) not in shown:
                out.append(BreakerView(t.code.lower(), scope, BreakerState.TRIPPED, None, None, t.state, t.reason,
                                       t.time))
    return tuple(out)


def _loss(decisions: Sequence[Decision], check: str) -> tuple[float, float]:
    d = next((x for x in decisions if x.check == check), None)
    if d is None:
        return 0.0, math.nan
    limit = _pct(d.limit)
    return _pct(d.figure) or 0.0, math.nan if limit is None else limit


def _var(report: RiskReport, policy: RiskPolicy) -> VarView | None:
    nav, p = report.nav, policy.portfolio
    limit = p.max_var99_pct / 100.0 * nav
    full = report.full.var if report.full is not None else None
    if full is not None:
        return VarView(0.99, 1, full.var_99, limit, "historical, full repricing", full.cvar_99)
    v = report.exposure.var99_pct
    if not math.isfinite(v):
        return None
    return VarView(0.99, p.var_horizon_days, v / 100.0 * nav, limit, "delta-gamma normal")


def _stress(report: RiskReport) -> StressGridView | None:
    grid = report.exposure.stress_grid_pct  # spot × vol, % of NAV
    if grid.size == 0:
        return None
    nav = report.nav
    pnl = tuple(tuple(float(grid[i, j]) / 100.0 * nav if math.isfinite(grid[i, j]) else math.nan
                      for i in range(grid.shape[0])) for j in range(grid.shape[1]))
    return StressGridView(tuple(s / 100.0 for s in report.spot_shocks), tuple(v / 100.0 for v in report.vol_shocks),
                          pnl)


def correlation_view(market: MarketFacts, regime: str, components: int | None) -> CorrelationView | None:
    corr = market.correlations
    if corr is None or len(corr.names) < 2:
        return None
    m = corr.matrix
    return CorrelationView(tuple(corr.names), tuple(tuple(float(m[i, j]) for j in range(len(corr.names)))
                                                    for i in range(len(corr.names))), regime, components)


def risk_view(report: RiskReport, policy: RiskPolicy, greeks: Greeks, correlation: CorrelationView | None) -> RiskView:
    """The console's risk view of one report."""
    b = report.breakers
    daily, daily_limit = _loss(b, "breaker.daily_loss")
    weekly, weekly_limit = _loss(b, "breaker.weekly_loss")
    dd_check = "breaker.drawdown_halt" if any(d.check == "breaker.drawdown_halt" for d in b) else "breaker.drawdown_reduce"
    drawdown, dd_limit = _loss(b, dd_check)
    x = report.exposure
    return RiskView(nav=report.nav, heat=_pct(x.heat_pct) or 0.0, heat_limit=policy.portfolio.max_heat_pct / 100.0,
                    daily_loss=daily, daily_loss_limit=daily_limit, weekly_loss=weekly, weekly_loss_limit=weekly_limit,
                    drawdown=drawdown, drawdown_limit=dd_limit, greeks=greeks, var=_var(report, policy),
                    breakers=breaker_views(b, report.states, policy),
                    limits=tuple(as_console_units(d) for d in report.limits), stress=_stress(report),
                    correlation=correlation,
                    scenarios=tuple(report.full.scenarios.items()) if report.full is not None else ())


class RiskViewCache:
    """Rebuilds the risk view in the background: every `every` seconds, and `soon` after a change."""

    def __init__(self, db: Database, venue: VenueAdapter, policy: RiskPolicy, clock: Clock,
                 symbols: Callable[[], list[str]], done: Callable[[], None], *, every: float = 30.0,
                 settle: float = 2.0, priority: Priority | None = None) -> None:
        self.db, self.venue, self.policy, self.clock = db, venue, policy, clock
        self.symbols, self.done, self.every, self.settle = symbols, done, every, settle
        self.view: RiskView | None = None
        self.error = ""
        self.priority = priority or Priority()
        self._loop = Periodic("console-risk", self._pass, every, settle=settle)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    def soon(self) -> None:
        """Rebuild shortly (changes arrive in bursts: one rebuild after `settle` seconds)."""
        self._loop.wake()

    async def build(self) -> RiskView:
        """Build the view now (also what the background task runs)."""
        now = self.clock.now()
        bench = self.policy.portfolio.beta_benchmark
        async with self.db.read() as s:
            held = await position_repo.positions(s, paper=False)
            names = list(dict.fromkeys([*(p.underlying for p in held), *self.symbols(), bench]))[:MATRIX_SIZE]
            history, _ = await load_history(s, names, now - timedelta(days=LOOKBACK_DAYS))
            corr_state = await regime_repo.latest_regime(s, RegimeModel.CORRELATION)
        spots = {q.symbol: q.mid if q.is_two_sided else q.last for q in await self.venue.get_quotes(names)}
        market = market_from_history(history, spots, bench)
        report = await build_risk_report(self.db, self.venue, self.policy, self.clock, market=market)
        totals = [sum(p.greeks.get(k, 0.0) for p in held) for k in ("delta", "gamma", "vega", "theta")]
        comps = corr_state.extra.get("n_components") if corr_state is not None else None
        correlation = correlation_view(market, corr_state.regime if corr_state else "",
                                       int(comps) if comps is not None and math.isfinite(comps) else None)
        return risk_view(report, self.policy, Greeks(*totals), correlation)

    async def _pass(self) -> None:
        await self.priority.pause_point()  # never start the report while the kill switch runs
        try:
            self.view = await self.build()
            self.error = ""
        except (DoradoError, OSError, TimeoutError, ValueError) as exc:
            self.error = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            log.warning("console risk view: %s", self.error)
            return
        self.done()
