"""The facts a trade check looks at (passed in, never fetched) and the strategy constraints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.regime import RegimeState
from dorado_tui.risk.gate import Lock
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.sizing import SizingFacts
from dorado_tui.risk.trading_state import TradingStateBook, order_scopes


@dataclass(frozen=True, slots=True)
class RecentOrder:
    """An order intent recorded recently: its fingerprint and when (for the duplicate check)."""

    fingerprint: str
    time: datetime


@dataclass(frozen=True, slots=True)
class StrategyConstraints:
    """Per-template limits (PRD: max DTE, min delta, width, stop distance); None = no limit."""

    min_dte: int | None = None
    max_dte: int | None = None
    min_abs_delta: float | None = None
    max_abs_delta: float | None = None
    min_width: float | None = None
    max_width: float | None = None
    min_stop_distance_pct: float | None = None
    max_stop_distance_pct: float | None = None


def _stricter(a: float | None, b: float | None, pick: str) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b) if pick == "max" else min(a, b)


# Keyed by object identity; the value holds the policy and template so ids cannot be reused
# while an entry lives. Policies are frozen, so an entry never goes stale.
_CONSTRAINTS: dict[tuple[int, str | None, int], tuple[RiskPolicy, StrategyConstraints | None,
                                                      StrategyConstraints]] = {}


def constraints_for(policy: RiskPolicy, layer: str | None,
                    template: StrategyConstraints | None = None) -> StrategyConstraints:
    """The policy's trade limits narrowed by the layer's and then the template's own (memoized)."""
    key = (id(policy), layer, id(template))
    hit = _CONSTRAINTS.get(key)
    if hit is not None and hit[0] is policy and hit[1] is template:
        return hit[2]
    if len(_CONSTRAINTS) > 256:
        _CONSTRAINTS.clear()
    result = _narrow(policy, layer, template)
    _CONSTRAINTS[key] = (policy, template, result)
    return result


def _narrow(policy: RiskPolicy, layer: str | None, template: StrategyConstraints | None) -> StrategyConstraints:
    trade = policy.trade
    lp = policy.layer(layer) if layer else None
    t = template or StrategyConstraints()
    lo_dte = _stricter(trade.min_dte, lp.min_dte if lp else None, "max")
    hi_dte = _stricter(trade.max_dte, lp.max_dte if lp else None, "min")
    return StrategyConstraints(
        min_dte=_int(_stricter(lo_dte, t.min_dte, "max")),
        max_dte=_int(_stricter(hi_dte, t.max_dte, "min")),
        min_abs_delta=_stricter(trade.min_abs_delta, t.min_abs_delta, "max"),
        max_abs_delta=_stricter(trade.max_abs_delta, t.max_abs_delta, "min"),
        min_width=_stricter(trade.width.min, t.min_width, "max"),
        max_width=_stricter(trade.width.max, t.max_width, "min"),
        min_stop_distance_pct=_stricter(trade.stop_distance_pct.min, t.min_stop_distance_pct, "max"),
        max_stop_distance_pct=_stricter(trade.stop_distance_pct.max, t.max_stop_distance_pct, "min"),
    )


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class TradeContext:
    """Everything a trade check needs besides the candidate and the policy.

    `quote_time` is the oldest quote among the candidate's legs; `market_open` is whether the
    instrument's venue session is open now (the caller asks its calendar); `buying_power` is
    what the account can still commit; `shares_available` are shares of the underlying held
    and not already covering calls; `limit_price` is the net combo price the order would carry
    (positive = debit, negative = credit), None while not yet priced; `margin_rate` is the
    broker's share of notional an FX/crypto position needs, None = the layer's
    `notional_margin_pct` (what the radar reserves against the layer's budget).
    """

    now: datetime
    nav: float
    buying_power: float
    market_open: bool
    venue_connected: bool
    quote_time: datetime | None
    underlying_price: float | None = None
    regime: RegimeState | None = None
    allowed_regimes: frozenset[str] | None = None
    shares_available: float = 0.0
    recent_orders: tuple[RecentOrder, ...] = ()
    contracts_today: float = 0.0
    limit_price: float | None = None
    margin_rate: float | None = None
    states: TradingStateBook = field(default_factory=TradingStateBook)
    locks: tuple[Lock, ...] = ()
    sizing: SizingFacts | None = None
    template: StrategyConstraints | None = None

    def scopes(self, candidate: Candidate) -> tuple[str, ...]:
        """The trading-state scopes that govern this candidate."""
        return order_scopes(candidate.strategy_layer, candidate.bot_id, (candidate.underlying,))


def fingerprint(candidate: Candidate) -> str:
    """Identity of an order for the duplicate check: bot, underlying, template and exact legs."""
    legs = sorted(f"{leg.instrument.symbol.replace(' ', '')}:{leg.action.value}:{leg.ratio}"
                  for leg in candidate.legs)
    return "|".join((candidate.bot_id, candidate.underlying.upper(), candidate.template, *legs))
