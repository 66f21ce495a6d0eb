"""`dorado risk`'s picture: limits against usage, Greeks, VaR, stress grid, breakers and states.

Read-only: it measures the open (non-paper) positions the store manages with the pure radar and
evaluates the breakers on the stored NAV history without latching anything (the engine's own
mark cycle does that through RiskService). Market facts come from the caller or, by default,
from stored daily bars (timeframe "1d": the quant core's close-to-close vol, correlation matrix
and betas to the policy's benchmark over the last year) and the venue's quotes. Beside the
radar's fast delta-gamma VaR and Taylor stress grid (the limit checks) it reports the quant
core's full-repricing historical VaR, spot × vol stress grid and named scenarios on the legs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.account import AccountState, Position
from dorado_tui.domain.clock import NEW_YORK, Clock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import AssetClass, ExerciseStyle, Right
from dorado_tui.engine.risk_service import load_book
from dorado_tui.quant.book import OptionBook
from dorado_tui.quant.correlation import correlation_matrix
from dorado_tui.quant.portfolio import betas
from dorado_tui.quant.stress import StressGrid, run_scenarios, stress_grid
from dorado_tui.quant.var import VaR, historical_var
from dorado_tui.quant.volatility import close_to_close
from dorado_tui.risk.breakers import BreakerInputs, evaluate_breakers
from dorado_tui.risk.clusters import Correlations
from dorado_tui.risk.exposure import Exposure, measure
from dorado_tui.risk.layers import held_capital
from dorado_tui.risk.policy import UNASSIGNED_LAYER, RiskPolicy
from dorado_tui.risk.portfolio import MarketFacts, PortfolioState, PositionRisk
from dorado_tui.risk.portfolio_checks import portfolio_decisions
from dorado_tui.risk.trading_state import TradingStateBook
from dorado_tui.store.database import Database
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos import series
from dorado_tui.venues.base import OptionsVenueAdapter, VenueAdapter

DAILY = "1d"
LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class FullRepricing:
    """The quant core's figures on the legs themselves: historical VaR by full repricing, the
    spot × relative-vol stress grid (β-scaled spot moves) and the named scenarios."""

    var: VaR | None
    grid: StressGrid | None
    scenarios: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "historical_var": None if self.var is None else {
                "var_95": self.var.var_95, "cvar_95": self.var.cvar_95,
                "var_99": self.var.var_99, "cvar_99": self.var.cvar_99},
            "stress_grid": None if self.grid is None else {
                "spot_shocks": self.grid.spot_shocks.tolist(), "vol_shocks_relative": self.grid.vol_shocks.tolist(),
                "pnl": self.grid.pnl.tolist(), "worst": self.grid.worst},
            "scenarios": self.scenarios,
        }


@dataclass(frozen=True)
class RiskReport:
    """Everything `dorado risk` shows."""

    at: datetime
    nav: float
    positions: int
    exposure: Exposure
    limits: tuple[Decision, ...]
    breakers: tuple[Decision, ...]
    states: TradingStateBook
    spot_shocks: tuple[float, ...]
    vol_shocks: tuple[float, ...]
    notes: tuple[str, ...]
    full: FullRepricing | None = None

    def as_dict(self) -> dict[str, Any]:
        x = self.exposure
        return {
            "at": self.at.isoformat(), "nav": self.nav, "positions": self.positions,
            "limits": [d.as_dict() for d in self.limits],
            "greeks": {"dollar_delta_pct": x.delta_pct, "dollar_gamma_1pct_pct": x.gamma_pct,
                       "vega_pct": x.vega_pct, "theta_pct": x.theta_pct, "beta_delta_pct": x.beta_delta_pct},
            "var99_pct": _finite(x.var99_pct),
            "stress": {"spot_shocks_pct": list(self.spot_shocks), "vol_shocks_pts": list(self.vol_shocks),
                       "pnl_pct": [[_finite(v) for v in row] for row in x.stress_grid_pct.tolist()]},
            "breakers": [d.as_dict() for d in self.breakers],
            "trading_states": {scope: {"state": s.state.value, "sizing_multiplier": s.sizing_multiplier,
                                       "trips": [t.reason for t in s.trips]}
                               for scope, s in self.states.scopes.items()},
            "full_repricing": None if self.full is None else self.full.as_dict(),
            "notes": list(self.notes),
        }


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def position_risks(managed: Sequence[position_repo.ManagedPosition], policy: RiskPolicy) -> list[PositionRisk]:
    """The radar's view of stored positions: max loss at risk, the capital each commits against
    its layer (`held_capital`: FX, crypto and shares at the layer's share of their notional,
    options at their max loss) and the Greeks of the last mark."""
    out = []
    for p in managed:
        g = p.greeks
        asset = AssetClass(p.asset_class) if p.asset_class in AssetClass.__members__.values() else \
            AssetClass.EQUITY_OPTIONS
        layer = p.strategy_layer or UNASSIGNED_LAYER
        out.append(PositionRisk(p.underlying, asset, layer, p.max_loss,
                                held_capital(policy, layer, p.legs, p.max_loss),
                                g.get("delta", 0.0), g.get("gamma", 0.0), g.get("vega", 0.0), g.get("theta", 0.0)))
    return out


def portfolio_state(nav: float, cash: float, managed: Sequence[position_repo.ManagedPosition], market: MarketFacts,
                    policy: RiskPolicy) -> PortfolioState:
    """The radar's portfolio over stored positions under the policy's layers: what `dorado risk`
    measures, the approval re-check adds a trade to, and the scan's selection starts from."""
    return PortfolioState.build(nav, cash, position_risks(managed, policy), market, layers=policy.layers,
                                cluster_threshold=policy.portfolio.correlation_cluster_threshold)


@dataclass(frozen=True)
class History:
    """Aligned daily closes of the underlyings (and the benchmark) over the lookback."""

    closes: pd.DataFrame

    @property
    def simple_returns(self) -> pd.DataFrame:
        return self.closes.pct_change().dropna()


async def load_history(session: AsyncSession, symbols: Sequence[str], since: datetime) -> tuple[History, list[str]]:
    closes = {}
    for sym in dict.fromkeys(symbols):
        bars = await series.load_bars(session, sym, DAILY, start=since)
        if len(bars) >= 30:
            closes[sym] = bars["close"]
    notes = [f"no daily bars for {s}: its VaR cannot be measured" for s in symbols if s not in closes]
    return History(pd.DataFrame(closes).dropna()), notes


def market_from_history(history: History, spots: dict[str, float], benchmark: str) -> MarketFacts:
    """Vols (quant close-to-close over the whole window), correlations and betas (quant)."""
    closes = history.closes
    if closes.shape[0] < 31 or closes.shape[1] == 0:
        return MarketFacts(spots, {})
    names = tuple(str(c) for c in closes.columns)
    window = closes.shape[0] - 1
    vols = {n: float(close_to_close(closes[n].to_numpy(), window=window)[-1]) for n in names}
    rets = np.log(closes).diff().dropna().to_numpy()
    corr = np.nan_to_num(correlation_matrix(rets), nan=0.0)
    np.fill_diagonal(corr, 1.0)
    out_betas = {}
    if benchmark in names:
        b = betas(rets.T, rets[:, names.index(benchmark)])
        out_betas = {n: float(v) for n, v in zip(names, b, strict=True) if math.isfinite(v)}
    return MarketFacts(spots, vols, out_betas, Correlations(names, corr))


async def _nav_marks(session: AsyncSession, account: AccountState, now: datetime) -> BreakerInputs:
    history = await position_repo.account_history(session, account.account_id, since=now - timedelta(days=LOOKBACK_DAYS))
    navs = [a.net_liquidation for a in history] + [account.net_liquidation]
    local = now.astimezone(NEW_YORK)
    day0 = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week0 = day0 - timedelta(days=local.weekday())

    def first_since(start: datetime) -> float:
        return next((a.net_liquidation for a in history if a.time >= start), account.net_liquidation)

    return BreakerInputs(now, account.net_liquidation, max(navs), first_since(day0), first_since(week0))


async def build_risk_report(db: Database, venue: VenueAdapter, policy: RiskPolicy, clock: Clock,
                            market: MarketFacts | None = None) -> RiskReport:
    """Measure the managed positions against the policy (see the module docstring)."""
    now = clock.now()
    account = await venue.get_account_state()
    notes: list[str] = []
    bench = policy.portfolio.beta_benchmark
    async with db.read() as session:
        managed = [p for p in await position_repo.positions(session) if not p.paper]
        book = await load_book(session)
        marks = await _nav_marks(session, account, now)
        symbols = sorted({p.underlying for p in managed})
        history, missing = await load_history(session, [*symbols, bench], now - timedelta(days=LOOKBACK_DAYS))
    notes.extend(missing)
    spots = await _spots(venue, [*symbols, bench], notes)
    market = market or market_from_history(history, spots, bench)
    state = portfolio_state(account.net_liquidation, account.cash, managed, market, policy)
    exposure = measure(state, policy)
    full = await full_repricing(venue, managed, spots, history, market, now, notes)
    p = policy.portfolio
    return RiskReport(now, account.net_liquidation, len(managed), exposure, portfolio_decisions(exposure, policy),
                      evaluate_breakers(marks, policy).decisions, book, p.stress_spot_shocks_pct,
                      p.stress_vol_shocks_pts, tuple(notes), full)


def _years_to(expiry: date, now: datetime) -> float:
    close = datetime.combine(expiry, dtime(16, 0), NEW_YORK)  # options stop trading at 16:00 New York
    return max(0.0, (close - now).total_seconds() / (365.0 * 86400.0))


async def _leg_vols(venue: VenueAdapter, legs: list[Position]) -> dict[str, float]:
    options = [leg.instrument for leg in legs if leg.instrument.is_option]
    if not options or not isinstance(venue, OptionsVenueAdapter):
        return {}
    quotes = await venue.get_option_quotes(options)
    return {q.symbol: q.implied_vol for q in quotes if q.implied_vol is not None and math.isfinite(q.implied_vol)}


async def full_repricing(venue: VenueAdapter, managed: Sequence[position_repo.ManagedPosition],
                         spots: dict[str, float], history: History, market: MarketFacts, now: datetime,
                         notes: list[str]) -> FullRepricing | None:
    """Build the quant core's OptionBook from the positions' legs and run its VaR and stress."""
    legs = [leg for p in managed for leg in p.legs if abs(leg.quantity) > 0]
    if not legs:
        return None
    try:
        vols = await _leg_vols(venue, legs)
    except VenueError as exc:
        notes.append(f"no option quotes from the venue ({exc.message}): no full repricing")
        return None
    rows = []
    for leg in legs:
        inst = leg.instrument
        spot, vol = spots.get(inst.underlying, math.nan), vols.get(inst.symbol, math.nan)
        if not math.isfinite(spot) or (inst.is_option and not math.isfinite(vol)):
            notes.append(f"{inst.symbol}: no spot or implied vol, full repricing skipped")
            return None
        rows.append((inst.underlying, spot, leg.quantity * inst.multiplier, inst.is_option, inst.strike or math.nan,
                     _years_to(inst.expiry, now) if inst.expiry else 0.0, vol if inst.is_option else 0.0,
                     inst.right is Right.CALL, inst.exercise is ExerciseStyle.AMERICAN))
    u, s, q, opt, k, t, v, call, amer = (list(c) for c in zip(*rows, strict=True))
    book = OptionBook.create(u, s, q, is_option=opt, strike=k, t=t, vol=v, is_call=call, american=amer)
    beta = [market.betas.get(name, 1.0) for name in u]
    var = None
    returns = history.simple_returns
    try:
        var = historical_var(book, returns.to_numpy(), [str(c) for c in returns.columns])
    except ValueError as exc:
        notes.append(f"historical VaR: {exc}")
    return FullRepricing(var, stress_grid(book, beta=beta), run_scenarios(book, beta=beta))


async def _spots(venue: VenueAdapter, symbols: list[str], notes: list[str]) -> dict[str, float]:
    try:
        quotes = await venue.get_quotes(list(dict.fromkeys(symbols)))
    except VenueError as exc:
        notes.append(f"no quotes from the venue ({exc.message}): dollar Greeks cannot be measured")
        return {}
    return {q.symbol: q.mid if q.is_two_sided else q.last for q in quotes}
