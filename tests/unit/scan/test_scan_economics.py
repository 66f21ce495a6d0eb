"""Expiry economics of every structure shape, against hand-computed figures."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dorado_tui.domain.candidates import CandidateLeg
from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.domain.orders import Action
from dorado_tui.engine.scan.economics import UndefinedRisk, economics, net_credit
from dorado_tui.engine.scan.probability import prob_above, probability_of_profit

EXP = date(2026, 4, 17)


def opt(role: str, right: Right, strike: float, action: Action, bid: float, ask: float, ratio: int = 1) -> CandidateLeg:
    inst = option_instrument("XYZ", EXP, right, strike, ExerciseStyle.AMERICAN)
    return CandidateLeg(role, inst, action, ratio, bid, ask, None, None)


def stock(bid: float, ask: float) -> CandidateLeg:
    return CandidateLeg("stock", Instrument("XYZ", SecType.STOCK, "XYZ"), Action.BUY, 100, bid, ask, 1.0, None)


def test_put_credit_spread_credit_is_sum_of_leg_mids_and_max_loss_width_less_credit() -> None:
    legs = (opt("short_put", Right.PUT, 95, Action.SELL, 1.50, 1.60),
            opt("long_put", Right.PUT, 90, Action.BUY, 0.50, 0.56))

    e = economics(legs)

    assert e.credit == pytest.approx((1.55 - 0.53) * 100)  # 102.00
    assert e.max_loss == pytest.approx(5 * 100 - 102.0)
    assert e.max_profit == pytest.approx(102.0)
    assert e.width == 5
    assert e.breakevens == (pytest.approx(95 - 1.02),)


def test_iron_condor_has_two_breakevens_and_one_sided_max_loss() -> None:
    legs = (opt("short_put", Right.PUT, 95, Action.SELL, 1.00, 1.10),
            opt("long_put", Right.PUT, 90, Action.BUY, 0.40, 0.44),
            opt("short_call", Right.CALL, 105, Action.SELL, 0.90, 1.00),
            opt("long_call", Right.CALL, 110, Action.BUY, 0.30, 0.34))

    e = economics(legs)

    credit = (1.05 - 0.42 + 0.95 - 0.32) * 100
    assert e.credit == pytest.approx(credit)
    assert e.max_loss == pytest.approx(500 - credit)
    assert e.breakevens == (pytest.approx(95 - credit / 100), pytest.approx(105 + credit / 100))


def test_long_call_butterfly_loses_only_its_debit() -> None:
    legs = (opt("lower_call", Right.CALL, 95, Action.BUY, 6.00, 6.10),
            opt("body_call", Right.CALL, 100, Action.SELL, 2.95, 3.05, ratio=2),
            opt("upper_call", Right.CALL, 105, Action.BUY, 1.00, 1.10))

    e = economics(legs)

    debit = (6.05 - 2 * 3.00 + 1.05) * 100  # 110
    assert e.credit == pytest.approx(-debit)
    assert e.max_loss == pytest.approx(debit)
    assert e.max_profit == pytest.approx(500 - debit)
    assert e.breakevens == (pytest.approx(95 + 1.10), pytest.approx(105 - 1.10))


def test_broken_wing_butterfly_risk_sits_below_the_body() -> None:
    legs = (opt("upper_put", Right.PUT, 100, Action.BUY, 3.00, 3.10),
            opt("body_put", Right.PUT, 95, Action.SELL, 1.50, 1.60, ratio=2),
            opt("lower_put", Right.PUT, 85, Action.BUY, 0.20, 0.30))

    e = economics(legs)

    credit = (-3.05 + 2 * 1.55 - 0.25) * 100  # -20 (a small debit)
    assert e.credit == pytest.approx(credit)
    # at S = 85: upper +15, body -2*10 → -5 per share; below 85 flat
    assert e.max_loss == pytest.approx(500 - credit)


def test_covered_call_max_loss_is_the_stock_to_zero_less_premium() -> None:
    legs = (stock(99.95, 100.05), opt("short_call", Right.CALL, 105, Action.SELL, 1.20, 1.30))

    e = economics(legs)

    assert e.credit == pytest.approx(-100.0 * 100 + 125.0)
    assert e.max_loss == pytest.approx(100.0 * 100 - 125.0)
    assert e.max_profit == pytest.approx(5 * 100 + 125.0)
    assert e.breakevens == (pytest.approx(100.0 - 1.25),)
    assert e.width is None


def test_long_straddle_profit_is_unbounded_and_loss_is_the_debit() -> None:
    legs = (opt("long_put", Right.PUT, 100, Action.BUY, 2.00, 2.10), opt("long_call", Right.CALL, 100, Action.BUY, 2.40, 2.50))

    e = economics(legs)

    assert math.isinf(e.max_profit)
    assert e.max_loss == pytest.approx(450.0)
    assert e.breakevens == (pytest.approx(95.5), pytest.approx(104.5))


def test_naked_short_call_is_refused_as_undefined_risk() -> None:
    with pytest.raises(UndefinedRisk, match="loses without bound"):
        economics((opt("short_call", Right.CALL, 105, Action.SELL, 1.0, 1.1),))


def test_cash_secured_short_put_max_loss_is_strike_less_credit() -> None:
    e = economics((opt("short_put", Right.PUT, 90, Action.SELL, 0.85, 0.95),))

    assert e.max_loss == pytest.approx(9000 - 90)
    assert e.breakevens == (pytest.approx(89.10),)


def test_probability_of_profit_of_a_put_spread_is_the_lognormal_tail_above_breakeven() -> None:
    f, t, vol = 100.0, 0.1, 0.2
    be = 93.98
    sd = vol * math.sqrt(t)
    expected = 0.5 * math.erfc(-(math.log(f / be) - 0.5 * sd * sd) / sd / math.sqrt(2))

    got = probability_of_profit((be,), lambda s: 1.0 if s > be else -1.0, f, t, lambda k: vol)

    assert got == pytest.approx(expected, abs=1e-12)
    assert prob_above(be, f, t, vol) == pytest.approx(expected, abs=1e-12)


@given(short=st.floats(50, 150), width=st.sampled_from([1.0, 2.5, 5.0, 10.0]),
       short_mid=st.floats(0.5, 5.0), long_frac=st.floats(0.05, 0.95))
def test_vertical_max_loss_plus_max_profit_is_the_width(short: float, width: float, short_mid: float,
                                                        long_frac: float) -> None:
    long_mid = short_mid * long_frac
    assume(short_mid - long_mid < 0.95 * width)  # a credit of the whole width is an arbitrage, not a spread
    legs = (opt("short_put", Right.PUT, short, Action.SELL, short_mid - 0.01, short_mid + 0.01),
            opt("long_put", Right.PUT, short - width, Action.BUY, long_mid - 0.005, long_mid + 0.005))

    e = economics(legs)

    assert e.max_loss + e.max_profit == pytest.approx(width * 100, rel=1e-9)
    assert net_credit(legs) == pytest.approx(e.credit)
    pnl_at_be = e.credit - 100 * max(short - e.breakevens[0], 0.0) + 100 * max(short - width - e.breakevens[0], 0.0)
    assert pnl_at_be == pytest.approx(0.0, abs=1e-4)  # breakevens are rounded to 1e-6 of a point
