"""Expiry, exercise, assignment (incl. early, ex-dividend) and dividends at the simulation venue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderStatus, OrderType
from dorado_tui.market.listings import expiry_close
from dorado_tui.market.quotes import dividend, ex_dividend_dates
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.venues.simulation.venue import SimulationVenue

WEEKLY = date(2024, 3, 15)  # Friday of the week of 2024-03-11


def _strike_step(underlying: str) -> float:
    return 5.0 if underlying == "SPX" else 1.0


def _option(market: SimulatedMarket, underlying: str, right: Right, moneyness: float, expiry: date) -> Instrument:
    spot = market.session_close(underlying, expiry)
    assert spot is not None
    step = _strike_step(underlying)
    strike = round(spot * moneyness / step) * step
    style = ExerciseStyle.EUROPEAN if underlying == "SPX" else ExerciseStyle.AMERICAN
    return option_instrument(underlying, expiry, right, strike, style)


def _after_close(day: date) -> datetime:
    return expiry_close(day) + timedelta(hours=2)


async def test_itm_short_put_at_expiry_becomes_100_shares_per_contract_with_cash_debited(
        make_venue, market: SimulatedMarket, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    put = _option(market, "SPY", Right.PUT, 1.04, WEEKLY)  # 4 % in the money at expiry
    sold = await venue.place_order(Order("sp-1", (OrderLeg(put, Action.SELL),), 2, OrderType.MARKET))
    cash_before = (await venue.get_account_state()).cash

    clock.set(_after_close(WEEKLY))
    positions = {p.symbol: p for p in await venue.get_positions()}
    cash_after = (await venue.get_account_state()).cash

    assert sold.status is OrderStatus.FILLED
    assert put.symbol not in positions
    assert positions["SPY"].quantity == 200 and positions["SPY"].avg_cost == put.strike
    assert cash_after - cash_before == pytest.approx(-(put.strike or 0) * 200)
    [event] = [e for e in await venue.get_events() if e.kind == "assignment"]
    assert event.symbol == put.symbol and event.details["shares"] == 200


async def test_long_itm_call_is_exercised_and_otm_options_expire(
        make_venue, market: SimulatedMarket, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    itm = _option(market, "QQQ", Right.CALL, 0.97, WEEKLY)
    otm = _option(market, "QQQ", Right.PUT, 0.90, WEEKLY)
    await venue.place_order(Order("lc-1", (OrderLeg(itm, Action.BUY),), 1, OrderType.MARKET))
    await venue.place_order(Order("lp-1", (OrderLeg(otm, Action.BUY),), 1, OrderType.MARKET))

    clock.set(_after_close(WEEKLY))
    positions = {p.symbol: p.quantity for p in await venue.get_positions()}
    kinds = sorted(e.kind for e in await venue.get_events())

    assert positions == {"QQQ": 100.0}
    assert kinds == ["exercise", "expiry"]


async def test_spx_settles_in_cash_at_intrinsic_value(make_venue, market: SimulatedMarket,
                                                      clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    call = _option(market, "SPX", Right.CALL, 0.98, WEEKLY)
    await venue.place_order(Order("spx-1", (OrderLeg(call, Action.BUY),), 1, OrderType.MARKET))
    cash_before = (await venue.get_account_state()).cash

    clock.set(_after_close(WEEKLY))
    settle = market.session_close("SPX", WEEKLY)
    cash_after = (await venue.get_account_state()).cash

    assert await venue.get_positions() == []
    assert settle is not None
    assert cash_after - cash_before == pytest.approx((settle - (call.strike or 0)) * 100, abs=0.01)


async def test_working_order_on_an_expiring_contract_is_cancelled_at_the_close(
        make_venue, market: SimulatedMarket, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    put = _option(market, "SPY", Right.PUT, 0.9, WEEKLY)
    await venue.place_order(Order("w-1", (OrderLeg(put, Action.BUY),), 1, OrderType.LIMIT, 0.01))

    clock.set(_after_close(WEEKLY))
    order = await venue.get_order("w-1")

    assert order is not None and order.status is OrderStatus.CANCELLED and order.reason == "contract expired"


async def test_long_etf_shares_receive_the_dividend_on_the_ex_date(
        make_venue, market: SimulatedMarket, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    [ex] = ex_dividend_dates(market, "SPY", date(2024, 3, 12), date(2024, 4, 30))
    venue = await make_venue()
    spy = Instrument("SPY", SecType.STOCK, "SPY")
    await venue.place_order(Order("div-1", (OrderLeg(spy, Action.BUY),), 100, OrderType.MARKET))
    cash_before = (await venue.get_account_state()).cash

    clock.set(datetime(ex.year, ex.month, ex.day, 15, 0, tzinfo=UTC))
    cash_after = (await venue.get_account_state()).cash

    per_share = dividend(market, "SPY", ex)
    assert per_share > 0
    assert cash_after - cash_before == pytest.approx(100 * per_share)


async def test_deep_itm_short_call_is_assigned_early_before_the_ex_dividend_date(
        make_venue, market: SimulatedMarket, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    [ex] = ex_dividend_dates(market, "SPY", date(2024, 3, 12), date(2024, 4, 30))
    day_before = ex - timedelta(days=1)
    expiry = date(2024, 4, 19)
    spot = market.session_close("SPY", day_before)
    assert spot is not None
    call = option_instrument("SPY", expiry, Right.CALL, round(spot * 0.8), ExerciseStyle.AMERICAN)
    venue = await make_venue()
    spy = Instrument("SPY", SecType.STOCK, "SPY")
    clock.set(datetime(day_before.year, day_before.month, day_before.day, 15, 0, tzinfo=UTC))
    await venue.place_order(Order("cc-stock", (OrderLeg(spy, Action.BUY),), 100, OrderType.MARKET))
    sold = await venue.place_order(Order("cc-call", (OrderLeg(call, Action.SELL),), 1, OrderType.MARKET))

    clock.set(_after_close(day_before))
    positions = {p.symbol: p.quantity for p in await venue.get_positions()}
    events = [e.kind for e in await venue.get_events()]

    assert sold.status is OrderStatus.FILLED
    assert positions == {}  # the shares were called away at the strike
    assert "early_assignment" in events


async def test_early_assignment_can_be_switched_off(make_venue, market: SimulatedMarket,
                                                    clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    from dorado_tui.venues.simulation.config import EarlyAssignment

    [ex] = ex_dividend_dates(market, "SPY", date(2024, 3, 12), date(2024, 4, 30))
    day_before = ex - timedelta(days=1)
    spot = market.session_close("SPY", day_before)
    assert spot is not None
    call = option_instrument("SPY", date(2024, 4, 19), Right.CALL, round(spot * 0.8), ExerciseStyle.AMERICAN)
    venue: SimulationVenue = await make_venue(early_assignment=EarlyAssignment(ex_dividend=False))
    clock.set(datetime(day_before.year, day_before.month, day_before.day, 15, 0, tzinfo=UTC))
    await venue.place_order(Order("cc-call", (OrderLeg(call, Action.SELL),), 1, OrderType.MARKET))

    clock.set(_after_close(day_before))

    assert {p.symbol: p.quantity for p in await venue.get_positions()} == {call.symbol: -1.0}
