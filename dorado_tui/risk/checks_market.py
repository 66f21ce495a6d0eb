"""Trade-level market-access checks (15c3-5 style): symbols, venue, session, quotes, data quality,
spread quality, duplicates, price collar, size caps, trading state and regime filter.

Each check takes (candidate, context, policy) and returns a Decision; none raises.
"""

from __future__ import annotations

import math
from datetime import timedelta

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import TradingState
from dorado_tui.risk._decide import deny, ok
from dorado_tui.risk.context import TradeContext, fingerprint
from dorado_tui.risk.margin import unit_value
from dorado_tui.risk.policy import RiskPolicy


def check_restricted_symbols(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    restricted = {s.upper().replace(" ", "") for s in policy.trade.restricted_symbols}
    names = {c.underlying.upper()} | {leg.instrument.symbol.upper().replace(" ", "") for leg in c.legs}
    hit = sorted(names & restricted)
    if hit:
        return deny("trade.restricted", "RESTRICTED_SYMBOL",
                    f"{', '.join(hit)} is on the restricted list", symbols=hit)
    return ok("trade.restricted", f"{c.underlying} is not restricted")


def check_venue_connected(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    if not ctx.venue_connected:
        return deny("trade.venue", "VENUE_DISCONNECTED", "the venue is not connected")
    return ok("trade.venue", "the venue is connected")


def check_market_open(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    if not ctx.market_open:
        return deny("trade.market_open", "MARKET_CLOSED",
                    f"the market for {c.underlying} is closed now")
    return ok("trade.market_open", f"the market for {c.underlying} is open")


def check_quote_fresh(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    limit = policy.trade.max_quote_age_seconds
    if ctx.quote_time is None:
        return deny("trade.quote_age", "NO_QUOTE", "no quote for the candidate's legs",
                    None, limit)
    age = (ctx.now - ctx.quote_time).total_seconds()
    if age > limit:
        return deny("trade.quote_age", "QUOTE_STALE",
                    f"oldest quote is {age:.1f} s old (limit {limit:g} s)", age, limit)
    return ok("trade.quote_age", f"quotes are {age:.1f} s old (limit {limit:g} s)", age, limit)


def check_trading_state(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    """A candidate opens risk: only an ACTIVE state without an active lock lets it through."""
    scopes = ctx.scopes(c)
    state = ctx.states.effective(scopes)
    if state is not TradingState.ACTIVE:
        culprit = next(s for s in scopes if ctx.states.state_of(s) is state)
        why = "; ".join(t.reason for t in ctx.states.get(culprit).trips) or "set by the operator"
        return deny("trade.trading_state", f"TRADING_{state.value}",
                    f"{culprit} is {state.value} ({why}): no new trades", scope=culprit)
    for lock in ctx.locks:
        if lock.scope in scopes and lock.active(ctx.now):
            return deny("trade.trading_state", lock.code,
                        f"{lock.scope} locked until {lock.until.isoformat()}: {lock.reason}",
                        scope=lock.scope)
    return ok("trade.trading_state", "trading is ACTIVE for this candidate")


def check_regime(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    """Disallowed or crisis regimes block; a missing or stale regime is neutral and flagged."""
    regime = ctx.regime
    if regime is None or regime.is_stale(ctx.now):
        what = "no regime state" if regime is None else f"regime state from {regime.computed_at:%Y-%m-%d} is stale"
        return Decision("trade.regime", True, "REGIME_NEUTRAL", f"{what}: treated as neutral (allow-all)")
    if regime.regime in policy.circuit_breakers.crisis_regimes:
        return deny("trade.regime", "REGIME_CRISIS",
                    f"{regime.model.value} regime is {regime.regime}: new trades are halted",
                    regime.confidence, regime=regime.regime)
    if ctx.allowed_regimes is not None and regime.regime not in ctx.allowed_regimes:
        allowed = ", ".join(sorted(ctx.allowed_regimes)) or "none"
        return deny("trade.regime", "REGIME_BLOCKED",
                    f"regime {regime.regime} is not allowed for {c.template} (allowed: {allowed})",
                    regime.confidence, regime=regime.regime)
    return ok("trade.regime", f"regime {regime.regime} allows {c.template}",
              regime.confidence, regime=regime.regime)


def check_data_quality(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    """The chain data-quality gate: incomplete or crossed quotes, missing Greeks, low score."""
    floor = policy.trade.min_data_quality
    for leg in c.legs:
        bad_quote = not (math.isfinite(leg.bid) and math.isfinite(leg.ask)) or leg.bid < 0 \
            or leg.ask <= 0 or leg.ask < leg.bid
        if bad_quote:
            return deny("trade.data_quality", "QUOTE_INVALID",
                        f"{leg.instrument.symbol} quote {leg.bid:g}/{leg.ask:g} is not usable",
                        c.data_quality, floor)
        if leg.instrument.is_option and (leg.delta is None or leg.iv is None):
            return deny("trade.data_quality", "CHAIN_INCOMPLETE",
                        f"{leg.instrument.symbol} has no delta or implied vol",
                        c.data_quality, floor)
    if c.data_quality < floor:
        return deny("trade.data_quality", "DATA_QUALITY_LOW",
                    f"data quality {c.data_quality:.2f} is below {floor:.2f}", c.data_quality, floor)
    return ok("trade.data_quality", f"data quality {c.data_quality:.2f} ≥ {floor:.2f}",
              c.data_quality, floor)


def spread_quality_pct(c: Candidate) -> float:
    """The worse of the scan's spread-to-mid figure and the widest leg's (ask − bid) / mid, in %."""
    worst = c.spread_quality * 100.0
    for leg in c.legs:
        mid = leg.mid
        worst = max(worst, math.inf if mid <= 0 else (leg.ask - leg.bid) / mid * 100.0)
    return worst


def check_spread_quality(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    flag, exclude = policy.trade.spread_quality_flag_pct, policy.trade.spread_quality_exclude_pct
    pct = spread_quality_pct(c)
    if pct > exclude:
        return deny("trade.spread_quality", "SPREAD_TOO_WIDE",
                    f"bid-ask spread is {pct:.1f} % of mid (excluded above {exclude:g} %)",
                    pct, exclude)
    if pct > flag:
        return Decision("trade.spread_quality", True, "SPREAD_FLAGGED",
                        f"bid-ask spread is {pct:.1f} % of mid (flagged above {flag:g} %)", pct, flag)
    return ok("trade.spread_quality", f"bid-ask spread is {pct:.1f} % of mid", pct, flag)


def check_duplicate(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    window = timedelta(seconds=policy.trade.duplicate_window_seconds)
    key = fingerprint(c)
    for recent in ctx.recent_orders:
        age = ctx.now - recent.time
        if recent.fingerprint == key and timedelta(0) <= age < window:
            return deny("trade.duplicate", "DUPLICATE_ORDER",
                        f"the same order was sent {age.total_seconds():.0f} s ago "
                        f"(window {window.total_seconds():g} s)",
                        age.total_seconds(), window.total_seconds())
    return ok("trade.duplicate", "no identical order within the window")


def combo_mid(c: Candidate) -> float:
    """Net mid per combo unit in the order convention (positive = debit, negative = credit)."""
    return sum(leg.action.sign * leg.ratio * leg.mid for leg in c.legs)


def check_price_collar(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    if ctx.limit_price is None:
        return ok("trade.price_collar", "not priced yet: the executor prices at mid")
    mid = combo_mid(c)
    allowed = max(policy.trade.price_collar_pct / 100.0 * abs(mid), policy.trade.price_collar_min_abs)
    distance = abs(ctx.limit_price - mid)
    if distance > allowed + 1e-12:
        return deny("trade.price_collar", "PRICE_OUTSIDE_COLLAR",
                    f"limit {ctx.limit_price:.4g} is {distance:.4g} from mid {mid:.4g} "
                    f"(collar ±{allowed:.4g})", distance, allowed)
    return ok("trade.price_collar", f"limit {ctx.limit_price:.4g} within ±{allowed:.4g} of "
              f"mid {mid:.4g}", distance, allowed)


def contracts(c: Candidate) -> float:
    """Option contracts per leg for the candidate's quantity: quantity × the largest option ratio.
    FX and crypto units are no contracts: the notional cap bounds their orders."""
    ratios = [leg.ratio for leg in c.legs if leg.instrument.is_option]
    return c.quantity * max(ratios) if ratios else 0.0


def check_size_per_order(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    n, cap = contracts(c), policy.trade.max_contracts_per_order
    if n > cap:
        return deny("trade.size_per_order", "ORDER_SIZE_CAP",
                    f"{n:g} contracts per leg exceeds the per-order cap {cap}", n, cap)
    notional = order_notional(c)
    cap_n = policy.trade.max_notional_per_order
    if not math.isfinite(notional):
        return deny("trade.size_per_order", "ORDER_NOTIONAL_UNKNOWN",
                    f"cannot value the order in the account currency ({c.underlying})", notional, cap_n)
    if notional > cap_n:
        return deny("trade.size_per_order", "ORDER_NOTIONAL_CAP",
                    f"order value {notional:,.0f} exceeds the per-order cap {cap_n:,.0f}",
                    notional, cap_n)
    return ok("trade.size_per_order", f"{n:g} contracts, value {notional:,.0f} within caps", n, cap)


def order_notional(c: Candidate) -> float:
    """Gross order value in the account currency: Σ |price| × ratio × multiplier × quantity (a
    linear leg at the entry, valued as `margin.unit_value` does: USDJPY units are dollars)."""
    total = 0.0
    for leg in c.legs:
        price = leg.mid if leg.instrument.is_option or c.entry is None else c.entry
        value = abs(price) if leg.instrument.is_option else unit_value(leg.instrument, price)
        total += value * leg.ratio * leg.instrument.multiplier
    return total * c.quantity


def check_size_per_day(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> Decision:
    total, cap = ctx.contracts_today + contracts(c), policy.trade.max_contracts_per_day
    if total > cap:
        return deny("trade.size_per_day", "DAILY_SIZE_CAP",
                    f"{ctx.contracts_today:g} today + {contracts(c):g} = {total:g} contracts "
                    f"exceeds the daily cap {cap}", total, cap)
    return ok("trade.size_per_day", f"{total:g} of {cap} contracts today", total, cap)
