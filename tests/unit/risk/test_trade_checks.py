"""Trade-level checks: each passes inside its limit, fails just past it, and says why."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.domain.states import TradingState
from dorado_tui.risk import checks_market as m
from dorado_tui.risk import checks_strategy as s
from dorado_tui.risk.context import RecentOrder, StrategyConstraints, fingerprint
from dorado_tui.risk.gate import Lock
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.trade import TRADE_CHECKS, check_trade
from dorado_tui.risk.trading_state import GLOBAL, TradingStateBook, Trip, underlying_scope

from ._builders import (
    NOW,
    cash_secured_put,
    context,
    covered_call,
    fx_trade,
    iron_condor,
    naked_call,
    put_spread,
)

POLICY = RiskPolicy()


def _policy(**sections: dict[str, object]) -> RiskPolicy:
    data = POLICY.model_dump()
    for name, values in sections.items():
        data[name] = {**data[name], **values}
    return RiskPolicy.model_validate(data)


def test_a_clean_put_spread_passes_every_check() -> None:
    verdict = check_trade(put_spread(), context(), POLICY)
    assert verdict.passed, verdict.reason
    assert len(verdict.decisions) == len(TRADE_CHECKS)
    assert verdict.reason == f"all {len(TRADE_CHECKS)} checks passed"


def test_restricted_symbol_is_refused_case_insensitively() -> None:
    policy = _policy(trade={"restricted_symbols": ["spy"]})
    d = m.check_restricted_symbols(put_spread(), context(), policy)
    assert (d.passed, d.code, d.reason) == (False, "RESTRICTED_SYMBOL", "SPY is on the restricted list")
    assert m.check_restricted_symbols(put_spread("QQQ"), context(), policy).passed


def test_venue_disconnected_and_market_closed_are_refused() -> None:
    d = m.check_venue_connected(put_spread(), context(venue_connected=False), POLICY)
    assert (d.passed, d.reason) == (False, "the venue is not connected")
    d = m.check_market_open(put_spread(), context(market_open=False), POLICY)
    assert (d.passed, d.code, d.reason) == (False, "MARKET_CLOSED", "the market for SPY is closed now")
    assert m.check_market_open(put_spread(), context(), POLICY).passed


def test_quote_age_boundary() -> None:
    at_limit = context(quote_time=NOW - timedelta(seconds=15))
    past = context(quote_time=NOW - timedelta(seconds=15.5))
    assert m.check_quote_fresh(put_spread(), at_limit, POLICY).passed
    d = m.check_quote_fresh(put_spread(), past, POLICY)
    assert (d.passed, d.code, d.reason) == (False, "QUOTE_STALE", "oldest quote is 15.5 s old (limit 15 s)")
    assert m.check_quote_fresh(put_spread(), context(quote_time=None), POLICY).code == "NO_QUOTE"


def test_trading_state_refuses_new_trades_outside_active_and_names_the_scope() -> None:
    book = TradingStateBook().trip(Trip(GLOBAL, TradingState.REDUCING, "DAILY_LOSS", "daily loss 2.1 %", NOW))
    d = m.check_trading_state(put_spread(), context(states=book), POLICY)
    assert (d.passed, d.code) == (False, "TRADING_REDUCING")
    assert d.reason == "global is REDUCING (daily loss 2.1 %): no new trades"


def test_an_active_lock_on_the_underlying_refuses_and_an_expired_one_does_not() -> None:
    lock = Lock(underlying_scope("SPY"), NOW + timedelta(minutes=5), "STOP_COOLDOWN",
                "stopped out of SPY", NOW - timedelta(minutes=55))
    d = m.check_trading_state(put_spread(), context(locks=(lock,)), POLICY)
    assert (d.passed, d.code) == (False, "STOP_COOLDOWN")
    assert d.reason.startswith("underlying:SPY locked until 2025-03-12T15:05:00+00:00")
    expired = replace(lock, until=NOW)
    assert m.check_trading_state(put_spread(), context(locks=(expired,)), POLICY).passed


def _regime(name: str, computed_hours_ago: float = 1.0) -> RegimeState:
    return RegimeState(RegimeModel.MACRO, NOW.date(), name, 0.8, {name: 0.8},
                       NOW - timedelta(hours=computed_hours_ago))


def test_regime_filter_blocks_disallowed_and_crisis_and_flags_stale() -> None:
    allowed = frozenset({"risk_on", "goldilocks"})
    ok = m.check_regime(put_spread(), context(regime=_regime("risk_on"), allowed_regimes=allowed), POLICY)
    assert ok.passed
    blocked = m.check_regime(put_spread(), context(regime=_regime("risk_off"), allowed_regimes=allowed), POLICY)
    assert (blocked.passed, blocked.reason) == (
        False, "regime risk_off is not allowed for put_credit_spread (allowed: goldilocks, risk_on)")
    crisis = m.check_regime(put_spread(), context(regime=_regime("crisis")), POLICY)
    assert (crisis.passed, crisis.code) == (False, "REGIME_CRISIS")
    stale = m.check_regime(put_spread(), context(regime=_regime("risk_off", 24 * 4), allowed_regimes=allowed),
                           POLICY)
    assert (stale.passed, stale.code) == (True, "REGIME_NEUTRAL")


def test_data_quality_gate() -> None:
    at_floor = put_spread(data_quality=0.80)
    assert m.check_data_quality(at_floor, context(), POLICY).passed
    d = m.check_data_quality(put_spread(data_quality=0.79), context(), POLICY)
    assert (d.passed, d.reason) == (False, "data quality 0.79 is below 0.80")
    c = put_spread()
    no_greeks = replace(c, legs=(replace(c.legs[0], delta=None), c.legs[1]))
    assert m.check_data_quality(no_greeks, context(), POLICY).code == "CHAIN_INCOMPLETE"
    crossed = replace(c, legs=(replace(c.legs[0], bid=2.2, ask=2.1), c.legs[1]))
    assert m.check_data_quality(crossed, context(), POLICY).code == "QUOTE_INVALID"


@pytest.mark.parametrize(
    ("bid", "ask", "passed", "code"),
    [(1.00, 1.1621, True, "OK"),             # 14.99 %
     (1.00, 1.1622, True, "SPREAD_FLAGGED"),  # 15.002 %
     (1.00, 1.2222, True, "SPREAD_FLAGGED"),  # 19.998 %
     (1.00, 1.2223, False, "SPREAD_TOO_WIDE")],  # 20.006 %
)
def test_spread_quality_flags_above_15_and_excludes_above_20(bid: float, ask: float, passed: bool,
                                                             code: str) -> None:
    c = put_spread()
    c = replace(c, legs=(replace(c.legs[0], bid=bid, ask=ask), replace(c.legs[1], bid=0.90, ask=0.92)))
    d = m.check_spread_quality(c, context(), POLICY)
    assert (d.passed, d.code) == (passed, code)
    assert d.figure == pytest.approx((ask - bid) / ((ask + bid) / 2) * 100)


def test_spread_quality_decision_text() -> None:
    c = put_spread()
    c = replace(c, legs=(replace(c.legs[0], bid=1.0, ask=1.25), c.legs[1]))
    assert m.check_spread_quality(c, context(), POLICY).reason == \
        "bid-ask spread is 22.2 % of mid (excluded above 20 %)"


def test_duplicate_within_window_is_refused_and_outside_is_not() -> None:
    c = put_spread()
    inside = RecentOrder(fingerprint(c), NOW - timedelta(seconds=299))
    outside = RecentOrder(fingerprint(c), NOW - timedelta(seconds=300))
    d = m.check_duplicate(c, context(recent_orders=(inside,)), POLICY)
    assert (d.passed, d.reason) == (False, "the same order was sent 299 s ago (window 300 s)")
    assert m.check_duplicate(c, context(recent_orders=(outside,)), POLICY).passed
    other = RecentOrder(fingerprint(put_spread(short=445.0)), NOW)
    assert m.check_duplicate(c, context(recent_orders=(other,)), POLICY).passed


def test_price_collar_boundary() -> None:
    c = put_spread()  # combo mid = -(2.05) + 0.90 = -1.15 credit; collar 10 % = 0.115
    mid = m.combo_mid(c)
    assert mid == pytest.approx(-1.15)
    assert m.check_price_collar(c, context(limit_price=mid - 0.115), POLICY).passed
    d = m.check_price_collar(c, context(limit_price=mid - 0.12), POLICY)
    assert (d.passed, d.code) == (False, "PRICE_OUTSIDE_COLLAR")
    assert d.reason == "limit -1.27 is 0.12 from mid -1.15 (collar ±0.115)"
    assert m.check_price_collar(c, context(limit_price=None), POLICY).passed


def test_price_collar_has_an_absolute_floor_for_cheap_combos() -> None:
    c = put_spread()
    c = replace(c, legs=(replace(c.legs[0], bid=0.10, ask=0.11), replace(c.legs[1], bid=0.08, ask=0.09)))
    mid = m.combo_mid(c)  # -0.02: 10 % would be 0.002, the floor 0.05 applies
    assert m.check_price_collar(c, context(limit_price=mid + 0.05), POLICY).passed
    assert not m.check_price_collar(c, context(limit_price=mid + 0.051), POLICY).passed


def test_size_caps_per_order_and_per_day() -> None:
    assert m.check_size_per_order(put_spread(quantity=50), context(), POLICY).passed
    d = m.check_size_per_order(put_spread(quantity=51), context(), POLICY)
    assert (d.passed, d.reason) == (False, "51 contracts per leg exceeds the per-order cap 50")
    assert m.check_size_per_day(put_spread(quantity=10), context(contracts_today=190), POLICY).passed
    d = m.check_size_per_day(put_spread(quantity=11), context(contracts_today=190), POLICY)
    assert d.reason == "190 today + 11 = 201 contracts exceeds the daily cap 200"


def test_notional_cap_per_order() -> None:
    policy = _policy(trade={"max_notional_per_order": 2_950.0})
    c = put_spread(quantity=10)  # (2.05 + 0.90) × 100 × 10 = 2,950
    assert m.check_size_per_order(c, context(), policy).passed
    d = m.check_size_per_order(put_spread(quantity=11), context(), policy)
    assert (d.code, d.reason) == ("ORDER_NOTIONAL_CAP", "order value 3,245 exceeds the per-order cap 2,950")


def test_layer_must_exist_be_enabled_and_allow_the_template() -> None:
    assert s.check_layer(put_spread(), context(), POLICY).passed
    d = s.check_layer(put_spread(strategy_layer="L9"), context(), POLICY)
    assert (d.code, d.reason) == ("LAYER_UNKNOWN", "strategy layer 'L9' has no budget in the risk policy")
    d = s.check_layer(put_spread(strategy_layer="L1_wheel"), context(), POLICY)
    assert d.reason == ("template put_credit_spread is not allowed in layer L1_wheel "
                        "(allowed: short_put, wheel, covered_call)")


def test_dte_bounds_narrow_by_layer_and_template() -> None:
    assert s.check_dte(put_spread(dte=60), context(), POLICY).passed
    d = s.check_dte(put_spread(dte=61), context(), POLICY)
    assert (d.code, d.reason) == ("DTE_TOO_LONG", "61 DTE exceeds the maximum 60")
    d = s.check_dte(put_spread(dte=6), context(), POLICY)  # L2 layer: min 7
    assert (d.code, d.reason) == ("DTE_TOO_SHORT", "6 DTE is below the minimum 7")
    narrow = context(template=StrategyConstraints(max_dte=45))
    assert not s.check_dte(put_spread(dte=46), narrow, POLICY).passed


def test_short_leg_delta_bounds() -> None:
    c = put_spread()
    at_max = replace(c, legs=(replace(c.legs[0], delta=-0.50), c.legs[1]))
    assert s.check_delta(at_max, context(), POLICY).passed
    too_big = replace(c, legs=(replace(c.legs[0], delta=-0.51), c.legs[1]))
    d = s.check_delta(too_big, context(), POLICY)
    assert (d.code, d.reason) == ("DELTA_TOO_LARGE", "short short_put |delta| 0.510 exceeds 0.5")
    too_small = replace(c, legs=(replace(c.legs[0], delta=-0.04), c.legs[1]))
    assert s.check_delta(too_small, context(), POLICY).code == "DELTA_TOO_SMALL"


def test_width_bounds() -> None:
    assert s.check_width(put_spread(short=450, long=400), context(), POLICY).passed  # 50 wide
    d = s.check_width(put_spread(short=451, long=400), context(), POLICY)
    assert (d.code, d.reason) == ("WIDTH_TOO_WIDE", "width 51 exceeds 50")
    assert s.check_width(put_spread(short=440, long=439.5), context(), POLICY).code == "WIDTH_TOO_NARROW"


def test_stop_distance_bounds_for_linear_trades() -> None:
    assert s.check_stop_distance(fx_trade(1.0, 0.90), context(), POLICY).passed  # 10 %
    d = s.check_stop_distance(fx_trade(1.0, 0.899), context(), POLICY)
    assert (d.code, d.reason) == ("STOP_TOO_FAR", "stop is 10.10 % from entry (max 10 %)")
    assert s.check_stop_distance(fx_trade(1.0, 0.999), context(), POLICY).code == "STOP_TOO_CLOSE"
    assert s.check_stop_distance(put_spread(), context(), POLICY).reason == "no entry/stop (options trade)"


def test_max_loss_per_trade_boundary() -> None:
    at_cap = put_spread(short=440, long=419.2)  # 20.8 wide: max loss 2,080 − 120 = 1,960
    assert s.check_max_loss(replace(at_cap, max_loss=2_000.0), context(), POLICY).passed
    d = s.check_max_loss(replace(at_cap, max_loss=2_000.01), context(), POLICY)
    assert (d.code, d.reason) == ("MAX_LOSS_PER_TRADE", "max loss 2,000.01 exceeds the per-trade cap 2,000.00 "
                                                        "(trade.max_loss_per_trade)")
    small_nav = context(nav=40_000.0)  # 4 % of 40k = 1,600 is tighter than 2,000
    assert s.check_max_loss(replace(at_cap, max_loss=1_600.01), small_nav, POLICY).limit == 1_600.0


def test_naked_short_call_refused_unless_allowed_covered_call_needs_shares() -> None:
    d = s.check_naked_shorts(naked_call(), context(), POLICY)
    assert (d.passed, d.code) == (False, "NAKED_SHORT_OPTION")
    assert d.reason.endswith("naked shorts are not allowed")
    allowed = _policy(trade={"allow_naked_short_options": True})
    assert s.check_naked_shorts(naked_call(), context(), allowed).passed
    assert not s.check_naked_shorts(covered_call(), context(shares_available=99), POLICY).passed
    assert s.check_naked_shorts(covered_call(), context(shares_available=100), POLICY).passed


def test_cash_secured_put_is_covered_only_in_a_cash_secured_layer() -> None:
    assert s.check_naked_shorts(cash_secured_put(), context(), POLICY).passed
    moved = cash_secured_put(strategy_layer="L2_credit_spreads")
    assert not s.check_naked_shorts(moved, context(), POLICY).passed


def test_buying_power_boundary_and_text() -> None:
    c = put_spread(quantity=5)  # (5 × 100 − 120) × 5 = 1,900
    assert s.check_buying_power(c, context(buying_power=1_900.0), POLICY).passed
    d = s.check_buying_power(c, context(buying_power=1_899.99), POLICY)
    assert (d.code, d.reason) == ("INSUFFICIENT_BUYING_POWER", "needs 1,900.00 of buying power, 1,899.99 available")


def test_sizing_refuses_a_quantity_above_the_risk_budget() -> None:
    # adaptive, no facts: 2 % of 100k = 2,000 budget; 380 per unit → 5 units.
    assert s.check_sizing(put_spread(quantity=5), context(), POLICY).passed
    d = s.check_sizing(put_spread(quantity=6), context(), POLICY)
    assert (d.code, d.reason) == ("SIZE_ABOVE_POLICY",
                                  "quantity 6 exceeds the sized 5 (adaptive_rules, 2 % of NAV)")


def test_sizing_obeys_latched_multiplier_and_high_vol_regime() -> None:
    book = TradingStateBook().trip(Trip(GLOBAL, TradingState.ACTIVE, "DRAWDOWN_REDUCE", "dd 10.5 %", NOW, 0.5))
    d = s.check_sizing(put_spread(quantity=3), context(states=book), POLICY)  # 1,000 budget → 2 units
    assert (d.passed, d.limit) == (False, 2.0)
    high_vol = RegimeState(RegimeModel.MACRO, NOW.date(), "risk_off", 0.9, {}, NOW)
    d = s.check_sizing(put_spread(quantity=2), context(states=book, regime=high_vol), POLICY)
    assert (d.passed, d.limit) == (False, 1.0)  # 2 % × 0.5 × 0.5 = 0.5 % → 500 → 1 unit


def test_iron_condor_margin_is_the_wider_wing_less_credit() -> None:
    d = s.check_buying_power(iron_condor(quantity=2), context(), POLICY)
    assert d.figure == pytest.approx((10 * 100 - 140) * 2)
