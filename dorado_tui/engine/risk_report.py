"""`dorado risk`'s picture: limits against usage, Greeks, VaR, stress grid, breakers and states.

Read-only: it measures the open (non-paper) positions the store manages with the pure radar and
evaluates the breakers on the stored NAV history without latching anything (the engine's own
mark cycle does that through RiskService). Market facts come from the caller or, by default,
from stored daily bars (timeframe "1d": annualized close-to-close vol, return correlations,
betas to the policy's benchmark over the last year) and the venue's quotes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.account import AccountState
from dorado_tui.domain.clock import NEW_YORK, Clock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import AssetClass
from dorado_tui.engine.risk_service import load_book
from dorado_tui.risk.breakers import BreakerInputs, evaluate_breakers
from dorado_tui.risk.clusters import Correlations
from dorado_tui.risk.exposure import Exposure, measure
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.portfolio import MarketFacts, PortfolioState, PositionRisk
from dorado_tui.risk.portfolio_checks import portfolio_decisions
from dorado_tui.risk.trading_state import TradingStateBook
from dorado_tui.store.database import Database
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos import series
from dorado_tui.venues.base import VenueAdapter

DAILY = "1d"
LOOKBACK_DAYS = 365


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
            "notes": list(self.notes),
        }


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def position_risks(managed: Sequence[position_repo.ManagedPosition]) -> list[PositionRisk]:
    """The radar's view of stored positions: max loss at risk (also the capital it ties up) and
    the Greeks of the last mark."""
    out = []
    for p in managed:
        g = p.greeks
        asset = AssetClass(p.asset_class) if p.asset_class in AssetClass.__members__.values() else \
            AssetClass.EQUITY_OPTIONS
        out.append(PositionRisk(p.underlying, asset, p.strategy_layer or "unassigned", p.max_loss, p.max_loss,
                                g.get("delta", 0.0), g.get("gamma", 0.0), g.get("vega", 0.0), g.get("theta", 0.0)))
    return out


async def market_from_bars(session: AsyncSession, symbols: Sequence[str], spots: dict[str, float],
                           benchmark: str, since: datetime) -> tuple[MarketFacts, list[str]]:
    """Vols, correlations and betas from stored daily closes; notes say what was missing."""
    closes = {}
    for sym in dict.fromkeys([*symbols, benchmark]):
        bars = await series.load_bars(session, sym, DAILY, start=since)
        if len(bars) >= 30:
            closes[sym] = bars["close"]
    notes = [f"no daily bars for {s}: its VaR cannot be measured" for s in symbols if s not in closes]
    if not closes:
        return MarketFacts(spots, {}), notes
    rets = np.log(pd.DataFrame(closes)).diff().dropna()
    vols = {s: float(rets[s].std(ddof=1) * math.sqrt(252)) for s in rets}
    names = tuple(rets.columns)
    corr = Correlations(names, np.clip(np.nan_to_num(rets.corr().to_numpy(), nan=0.0), -1, 1))
    betas = {}
    if benchmark in rets:
        var_b = float(rets[benchmark].var(ddof=1))
        betas = {s: float(rets[s].cov(rets[benchmark]) / var_b) for s in rets} if var_b > 0 else {}
    return MarketFacts(spots, vols, betas, corr), notes


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
    async with db.read() as session:
        managed = [p for p in await position_repo.positions(session) if not p.paper]
        book = await load_book(session)
        marks = await _nav_marks(session, account, now)
        notes: list[str] = []
        if market is None:
            symbols = sorted({p.underlying for p in managed})
            spots = await _spots(venue, [*symbols, policy.portfolio.beta_benchmark], notes)
            market, missing = await market_from_bars(session, symbols, spots, policy.portfolio.beta_benchmark,
                                                     now - timedelta(days=LOOKBACK_DAYS))
            notes.extend(missing)
    state = PortfolioState.build(account.net_liquidation, account.cash, position_risks(managed), market,
                                 layers=policy.layers, cluster_threshold=policy.portfolio.correlation_cluster_threshold)
    exposure = measure(state, policy)
    breakers = evaluate_breakers(marks, policy).decisions
    p = policy.portfolio
    return RiskReport(now, account.net_liquidation, len(managed), exposure, portfolio_decisions(exposure, policy),
                      breakers, book, p.stress_spot_shocks_pct, p.stress_vol_shocks_pts, tuple(notes))


async def _spots(venue: VenueAdapter, symbols: list[str], notes: list[str]) -> dict[str, float]:
    try:
        quotes = await venue.get_quotes(list(dict.fromkeys(symbols)))
    except VenueError as exc:
        notes.append(f"no quotes from the venue ({exc.message}): dollar Greeks cannot be measured")
        return {}
    return {q.symbol: q.mid if q.is_two_sided else q.last for q in quotes}
