"""Sizing methods (PRD rules, 0.5–4 % bounds) and capital requirements per structure."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorado_tui.domain.instruments import Right
from dorado_tui.domain.orders import Action
from dorado_tui.risk.margin import capital_requirement, coverage
from dorado_tui.risk.policy import RiskPolicy, SizingMethod
from dorado_tui.risk.sizing import SizingFacts, adaptive_risk_pct, method_risk_pct, size_candidate

from ._builders import (
    candidate,
    cash_secured_put,
    covered_call,
    iron_condor,
    leg,
    naked_call,
    put_spread,
)

POLICY = RiskPolicy()


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (SizingFacts(nav=1e5), 2.0),
        (SizingFacts(nav=1e5, regime_confidence=0.59), 1.0),
        (SizingFacts(nav=1e5, regime_confidence=0.60), 2.0),
        (SizingFacts(nav=1e5, iv_rank=61), 1.5),
        (SizingFacts(nav=1e5, iv_rank=24), 1.0),
        (SizingFacts(nav=1e5, win_rate_20=0.44), 1.0),
        (SizingFacts(nav=1e5, drawdown_pct=10.5), 1.0),
        (SizingFacts(nav=1e5, regime_confidence=0.5, iv_rank=70), 0.75),
        (SizingFacts(nav=1e5, regime_confidence=0.5, iv_rank=10, win_rate_20=0.3, drawdown_pct=12), 0.5),
        (SizingFacts(nav=1e5, portfolio_heat_pct=28.0), 1.0),   # (30 − 28) × 0.5
        (SizingFacts(nav=1e5, portfolio_heat_pct=30.0), 0.5),   # PRD floors at 0.5
    ],
)
def test_adaptive_rules_follow_the_prd(facts: SizingFacts, expected: float) -> None:
    pct, _ = adaptive_risk_pct(facts, POLICY)
    assert pct == pytest.approx(expected)


def test_vol_adjusted_scales_by_reference_vol_and_is_bounded() -> None:
    method = SizingMethod.VOL_ADJUSTED
    assert method_risk_pct(method, SizingFacts(nav=1e5, underlying_vol_pct=40), POLICY)[0] == pytest.approx(1.0)
    assert method_risk_pct(method, SizingFacts(nav=1e5, underlying_vol_pct=5), POLICY)[0] == 4.0
    assert method_risk_pct(method, SizingFacts(nav=1e5, underlying_vol_pct=500), POLICY)[0] == 0.5
    assert method_risk_pct(method, SizingFacts(nav=1e5), POLICY)[0] == 2.0


def test_size_candidate_takes_the_largest_whole_quantity_in_budget() -> None:
    sized = size_candidate(put_spread(), SizingFacts(nav=100_000), POLICY, method=SizingMethod.FIXED_RISK_PCT)
    assert (sized.quantity, sized.budget, sized.risk_amount) == (5.0, 2_000.0, 1_900.0)
    assert sized.decision.reason == ("fixed_risk_pct: 5 × max loss 380.00 = 1,900.00 within budget "
                                     "2,000.00 (2 % of NAV)")


def test_size_below_one_unit_is_refused_with_the_figures() -> None:
    outside_the_wheel = cash_secured_put(strategy_layer="L2_credit_spreads")  # risk-% sizing there
    sized = size_candidate(outside_the_wheel, SizingFacts(nav=100_000), POLICY)
    assert (sized.quantity, sized.decision.code) == (0.0, "SIZE_BELOW_ONE_UNIT")
    assert sized.decision.reason == ("risk budget 2,000.00 (2 % of NAV) is smaller than one unit's "
                                     "max loss 4,900.00")


def test_undefined_max_loss_cannot_be_sized() -> None:
    sized = size_candidate(naked_call(), SizingFacts(nav=100_000), POLICY)
    assert (sized.quantity, sized.decision.code) == (0.0, "MAX_LOSS_UNDEFINED")


@settings(max_examples=400, deadline=None)
@given(
    method=st.sampled_from(list(SizingMethod)),
    nav=st.floats(1_000, 1e8),
    heat=st.floats(0, 100),
    drawdown=st.floats(0, 60),
    conf=st.none() | st.floats(0, 1),
    ivr=st.none() | st.floats(0, 100),
    win=st.none() | st.floats(0, 1),
    vol=st.none() | st.floats(0.1, 400),
    mult=st.floats(0, 1),
    unit=st.floats(0.01, 1e6),
    step=st.sampled_from([1.0, 0.01, 1000.0]),
    base=st.floats(0.5, 4.0),
)
def test_property_sizing_stays_in_bounds_and_never_exceeds_the_budget(
        method: SizingMethod, nav: float, heat: float, drawdown: float, conf: float | None,
        ivr: float | None, win: float | None, vol: float | None, mult: float, unit: float,
        step: float, base: float) -> None:
    policy = RiskPolicy.model_validate({"sizing": {"base_risk_pct": base}})
    facts = SizingFacts(nav, heat, drawdown, conf, ivr, win, vol, mult)
    pct, _ = method_risk_pct(method, facts, policy)
    assert policy.sizing.min_risk_pct <= pct <= policy.sizing.max_risk_pct
    sized = size_candidate(replace(put_spread(), max_loss=unit), facts, policy, method=method,
                           quantity_step=step)
    allowed = min(pct * mult / 100 * nav, policy.trade.max_loss_per_trade,
                  policy.trade.max_loss_per_trade_pct / 100 * nav)
    assert sized.risk_amount <= allowed + 1e-9 * max(1.0, allowed)
    assert sized.risk_pct <= policy.sizing.max_risk_pct
    assert sized.quantity >= 0 and math.isclose(sized.quantity / step, round(sized.quantity / step),
                                                abs_tol=1e-6)
    # maximal: one more step would break the budget
    assert (sized.quantity + step) * unit > sized.budget * (1 - 1e-9)


def test_vertical_credit_spread_reserves_width_times_multiplier_less_credit() -> None:
    assert capital_requirement(put_spread(quantity=3)) == pytest.approx((5 * 100 - 120) * 3)


def test_debit_spread_reserves_only_the_debit() -> None:
    legs = (leg("SPY", Right.PUT, 440, Action.BUY, 2.0, 2.1), leg("SPY", Right.PUT, 435, Action.SELL, 0.9, 1.0))
    debit = candidate(legs, credit=-110.0, max_loss=110.0, width=5.0, template="put_debit_spread")
    assert capital_requirement(debit) == pytest.approx(110.0)
    assert coverage(debit).naked == ()


def test_iron_condor_reserves_only_the_wider_wing() -> None:
    assert capital_requirement(iron_condor()) == pytest.approx(10 * 100 - 140)


def test_cash_secured_put_reserves_strike_times_multiplier_less_credit() -> None:
    assert capital_requirement(cash_secured_put(strike=50), cash_secured_puts=True) == pytest.approx(4_900.0)


def test_covered_call_reserves_nothing_more_than_the_shares() -> None:
    assert capital_requirement(covered_call(), shares_available=100) == 0.0
    assert coverage(covered_call(quantity=2), shares_available=100).naked == (0,)


def test_naked_call_uses_the_reg_t_formula() -> None:
    # S = 450, K = 470: max(0.2 × 450 − 20, 0.1 × 450) = 70, plus premium 1.225, × 100, less credit 122.5
    assert capital_requirement(naked_call(), underlying_price=450.0) == pytest.approx(7_000.0)
    assert math.isinf(capital_requirement(naked_call()))


def test_a_long_that_expires_before_the_short_does_not_cover_it() -> None:
    from datetime import date
    legs = (leg("SPY", Right.PUT, 440, Action.SELL, 2.0, 2.1),
            leg("SPY", Right.PUT, 435, Action.BUY, 0.9, 1.0, expiry=date(2025, 3, 21)))
    c = candidate(legs, credit=110.0, max_loss=390.0, width=5.0)
    assert coverage(c).naked == (0,)
