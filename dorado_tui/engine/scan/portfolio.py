"""The portfolio the selection loop starts from, and the facts each trade check and sizing see.

The state is the risk radar's over the open live positions the store manages, built as `dorado
risk` and the approval re-check build it (`risk_report.portfolio_state`: each position's capital
as its layer measures it), with vols, correlations and betas from the daily closes the scan
already loaded (the same quant functions `dorado risk` uses) and spots from the scan's quotes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.regime import RegimeModel
from dorado_tui.engine.risk_report import History, market_from_history, portfolio_state
from dorado_tui.engine.scan.context import BotRun, ScanContext
from dorado_tui.engine.scan.selection import Running
from dorado_tui.risk.breakers import sizing_multiplier
from dorado_tui.risk.context import TradeContext
from dorado_tui.risk.exposure import Exposure, measure
from dorado_tui.risk.policy import is_unlayered
from dorado_tui.risk.portfolio import PortfolioState
from dorado_tui.risk.sizing import SizingFacts
from dorado_tui.risk.trading_state import order_scopes
from dorado_tui.store.repos import positions as position_repo


def build_state(ctx: ScanContext, managed: Sequence[position_repo.ManagedPosition],
                symbols: Iterable[str]) -> PortfolioState:
    names = list(dict.fromkeys([*symbols, *(p.underlying for p in managed)]))
    benchmark = ctx.policy.portfolio.beta_benchmark
    closes = ctx.history.closes([*names, benchmark])
    spots = {s: (q.mid if q.is_two_sided else q.last) for s, q in ctx.quotes.items() if s in names}
    market = market_from_history(History(closes), spots, benchmark)
    return portfolio_state(ctx.account.net_liquidation, ctx.account.cash, managed, market, ctx.policy)


def exposure(state: PortfolioState, ctx: ScanContext) -> Exposure:
    return measure(state, ctx.policy)


def _regime_state(ctx: ScanContext, run: BotRun):  # type: ignore[no-untyped-def]
    model = {"equity_options": RegimeModel.MACRO, "fx": RegimeModel.FX, "crypto": RegimeModel.CRYPTO}[run.asset_class]
    found = ctx.readings.get(model)
    return None if found is None else found.state


def _finite_pct(v: float) -> float | None:
    return v if math.isfinite(v) else None


def layer_heat_pct(x: Exposure, layer: str) -> float | None:
    """Heat of the bot's layer, % of NAV, as the radar measures it (None without a layer, for a
    layer the portfolio does not know, or when NAV is unknown)."""
    if is_unlayered(layer):
        return None
    found = next((f for f in x.layers if f.name == layer), None)
    return None if found is None else _finite_pct(found.heat_pct)


def sizing_facts(ctx: ScanContext, run: BotRun, x: Exposure) -> SizingFacts:
    """Sizing's view of the portfolio: its heat and the bot's layer's heat (adaptive sizing keeps
    within the smaller headroom), the regime and the latched multipliers."""
    regime = _regime_state(ctx, run)
    scopes = order_scopes(run.bot.strategy_layer, run.bot.id, (run.underlying.symbol,))
    mult = sizing_multiplier(ctx.book, scopes, regime, ctx.now, ctx.policy)
    return SizingFacts(nav=ctx.nav, portfolio_heat_pct=_finite_pct(x.heat_pct) or 0.0,
                       regime_confidence=run.regime_confidence, iv_rank=run.iv_rank,
                       underlying_vol_pct=run.realized_vol_pct, multiplier=mult,
                       layer_heat_pct=layer_heat_pct(x, run.layer))


def trade_context(ctx: ScanContext, run: BotRun, c: Candidate, running: Running, x: Exposure) -> TradeContext:
    """The trade checks' view of one candidate at scan time (buying power net of what selection
    has already committed; heat as the selection's running portfolio measures it)."""
    return TradeContext(
        now=ctx.now, nav=ctx.nav, buying_power=ctx.account.buying_power - running.buying_power_used,
        market_open=True, venue_connected=True, quote_time=ctx.now, underlying_price=run.spot,
        regime=_regime_state(ctx, run), states=ctx.book, sizing=sizing_facts(ctx, run, x))
