"""The position fold: legs = sum of fills, average cost, realized P&L, and the NAV identity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.domain.orders import Action, Fill
from dorado_tui.engine.lifecycle.ledger import LegBook, combo_units, fold

T0 = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
PUT = option_instrument("SPY", date(2025, 4, 17), Right.PUT, 550.0, ExerciseStyle.AMERICAN)
WING = option_instrument("SPY", date(2025, 4, 17), Right.PUT, 545.0, ExerciseStyle.AMERICAN)
SPY = Instrument("SPY", SecType.STOCK, "SPY")
USDJPY = Instrument("USDJPY", SecType.FX, "USDJPY", currency="JPY")
INSTRUMENTS = {i.symbol: i for i in (PUT, WING, SPY, USDJPY)}


def fill(n: int, inst: Instrument, action: Action, qty: float, price: float, fee: float = 0.0) -> Fill:
    return Fill(f"x{n}", "p1.o1-1", "v1", inst.symbol, action, qty, price, inst.multiplier,
                T0 + timedelta(minutes=n), fee)


def books(fills: list[Fill], income: tuple[float, ...] = ()):
    return fold(fills, lambda f: INSTRUMENTS[f.symbol], income)


def test_a_credit_spread_opened_and_closed_realizes_the_premium_difference_less_fees() -> None:
    ledger = books([fill(1, PUT, Action.SELL, 2, 3.10, 1.30), fill(2, WING, Action.BUY, 2, 1.90, 1.30),
                    fill(3, PUT, Action.BUY, 2, 1.50, 1.30), fill(4, WING, Action.SELL, 2, 0.80, 1.30)])
    # put: (3.10 − 1.50) × 2 × 100 = 320; wing: (0.80 − 1.90) × 2 × 100 = −220; fees 5.20
    assert ledger.trading_realized == pytest.approx(100.0)
    assert ledger.realized == pytest.approx(94.8)
    assert ledger.is_flat and ledger.cash_flow == pytest.approx(94.8)


def test_average_cost_grows_on_additions_stays_on_reductions_and_resets_on_a_flip() -> None:
    ledger = books([fill(1, SPY, Action.BUY, 100, 500.0), fill(2, SPY, Action.BUY, 100, 510.0),
                    fill(3, SPY, Action.SELL, 50, 520.0)])
    leg = ledger.leg("SPY")
    assert (leg.quantity, leg.avg_cost) == (150.0, 505.0)
    assert ledger.trading_realized == pytest.approx(50 * 15.0)
    flipped = books([fill(1, SPY, Action.BUY, 100, 500.0), fill(2, SPY, Action.SELL, 150, 490.0)])
    assert (flipped.leg("SPY").quantity, flipped.leg("SPY").avg_cost) == (-50.0, 490.0)
    assert flipped.trading_realized == pytest.approx(-1000.0)


def test_fx_is_margined_and_its_pnl_converts_to_usd_at_the_rate() -> None:
    ledger = books([fill(1, USDJPY, Action.BUY, 10_000, 150.0, 2.0), fill(2, USDJPY, Action.SELL, 10_000, 151.5, 2.0)])
    assert ledger.trading_realized == pytest.approx(10_000 * 1.5 / 151.5)
    assert ledger.cash_flow == pytest.approx(10_000 * 1.5 / 151.5 - 4.0)
    open_ = books([fill(1, USDJPY, Action.BUY, 10_000, 150.0)])
    assert open_.market_value({"USDJPY": 151.0}) == pytest.approx(open_.unrealized({"USDJPY": 151.0}))


def test_dividends_are_income_in_realized_pnl() -> None:
    assert books([fill(1, SPY, Action.BUY, 100, 500.0)], income=(132.0,)).realized == pytest.approx(132.0)


def test_per_side_pnl_splits_puts_calls_and_the_underlying() -> None:
    ledger = books([fill(1, PUT, Action.SELL, 1, 3.0), fill(2, SPY, Action.BUY, 100, 500.0)])
    assert ledger.side_pnl({PUT.symbol: 2.5, "SPY": 501.0}) == {"put": pytest.approx(50.0),
                                                                "underlying": pytest.approx(100.0)}


def test_combo_units_share_the_gcd_of_whole_unit_legs() -> None:
    legs = [LegBook(PUT, -3), LegBook(WING, 3)]
    units, ratios = combo_units(legs)
    assert units == 3 and [r for _, r in ratios] == [1, 1]
    units, ratios = combo_units([LegBook(SPY, 200), LegBook(PUT, -2)])
    assert units == 2 and [r for _, r in ratios] == [100, 1]
    with pytest.raises(ValueError, match="whole-unit"):
        combo_units([LegBook(USDJPY, 1.5), LegBook(SPY, 1)])


trades = st.lists(st.tuples(st.sampled_from([PUT, WING, SPY]), st.sampled_from([Action.BUY, Action.SELL]),
                            st.integers(1, 5), st.floats(0.05, 600.0), st.floats(0.0, 3.0)), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(trades, st.floats(0.05, 600.0))
def test_legs_are_the_sum_of_fills_and_pnl_explains_every_dollar(rows, mark_price) -> None:
    fills = [fill(i, inst, action, qty, round(price, 2), round(fee, 2)) for i, (inst, action, qty, price, fee)
             in enumerate(rows)]
    ledger = books(fills)
    for inst in (PUT, WING, SPY):
        expected = sum(f.signed_quantity for f in fills if f.symbol == inst.symbol)
        leg = ledger.leg(inst.symbol)
        assert (leg.quantity if leg else 0.0) == pytest.approx(expected, abs=1e-9)
    marks = {s: mark_price for s in INSTRUMENTS}
    # cash moved + value held = realized + unrealized (the NAV identity of one account)
    assert ledger.cash_flow + ledger.market_value(marks) == pytest.approx(
        ledger.realized + ledger.unrealized(marks), rel=1e-9, abs=1e-6)
