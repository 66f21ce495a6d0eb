"""All trade-level checks of one candidate, in a fixed order, as a Verdict."""

from __future__ import annotations

from collections.abc import Callable

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.decisions import Decision, Verdict
from dorado_tui.risk import checks_market as m
from dorado_tui.risk import checks_strategy as s
from dorado_tui.risk.context import TradeContext
from dorado_tui.risk.policy import RiskPolicy

TradeCheck = Callable[[Candidate, TradeContext, RiskPolicy], Decision]

#: Every trade-level check, cheapest and most fundamental first.
TRADE_CHECKS: tuple[TradeCheck, ...] = (
    m.check_trading_state,
    m.check_restricted_symbols,
    m.check_venue_connected,
    m.check_market_open,
    m.check_quote_fresh,
    s.check_layer,
    m.check_regime,
    m.check_data_quality,
    m.check_spread_quality,
    s.check_dte,
    s.check_delta,
    s.check_width,
    s.check_stop_distance,
    s.check_max_loss,
    s.check_naked_shorts,
    s.check_buying_power,
    s.check_sizing,
    m.check_duplicate,
    m.check_price_collar,
    m.check_size_per_order,
    m.check_size_per_day,
)


def check_trade(candidate: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Verdict:
    """Run every trade-level check; all decisions are kept so the operator sees each figure."""
    return Verdict(tuple(check(candidate, ctx, policy) for check in TRADE_CHECKS))
