"""The pure IB ↔ Dorado mapping: conventions that would silently cost money if wrong."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from ib_async import Contract, Option, Stock
from ib_async.contract import ComboLeg
from ib_async.objects import (
    AccountValue,
    CommissionReport,
    Execution,
    OptionComputation,
    TradeLogEntry,
)
from ib_async.objects import Fill as IBFill
from ib_async.objects import Position as IBPosition
from ib_async.order import Order as IBOrder
from ib_async.order import OrderStatus as IBStatus
from ib_async.order import Trade
from ib_async.ticker import Ticker

from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderStatus, OrderType
from dorado_tui.venues.ibkr import mapping as m

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
RULES = m.ContractRules({"SPX": "CBOE"}, {"SPX": "SPXW"})
PUT = option_instrument("SPY", date(2025, 3, 28), Right.PUT, 550.0, ExerciseStyle.AMERICAN)
SPX_CALL = option_instrument("SPX", date(2025, 3, 21), Right.CALL, 5600.0, ExerciseStyle.EUROPEAN)


def trade(status: str, total: float = 3, filled: float = 0.0, log_codes: tuple[int, ...] = (),
          sec_type: str = "OPT") -> Trade:
    order = IBOrder(orderId=5, permId=77, action="BUY", totalQuantity=total, orderType="LMT",
                    lmtPrice=1.0, orderRef="x")
    st = IBStatus(orderId=5, status=status, filled=filled, remaining=total - filled, avgFillPrice=1.1)
    log = [TradeLogEntry(NOW, status, "boom", code) for code in log_codes]
    return Trade(Contract(secType=sec_type, conId=1), order, st, [], log)


@pytest.mark.parametrize(("status", "filled", "codes", "expected"), [
    ("PendingSubmit", 0, (), OrderStatus.PENDING_SUBMIT),
    ("PreSubmitted", 0, (), OrderStatus.SUBMITTED),
    ("Submitted", 1, (), OrderStatus.PARTIALLY_FILLED),
    ("Filled", 3, (), OrderStatus.FILLED),
    ("Cancelled", 0, (), OrderStatus.CANCELLED),
    ("Cancelled", 0, (201,), OrderStatus.REJECTED),
    ("Cancelled", 0, (202,), OrderStatus.CANCELLED),
    ("Inactive", 0, (), OrderStatus.REJECTED),
    ("Cancelled", 2, (), OrderStatus.CANCELLED),
    ("ValidationError", 0, (), OrderStatus.SUBMITTED),
])
def test_ib_status_maps_to_dorado_status(status, filled, codes, expected):
    assert m.status_of(trade(status, filled=filled, log_codes=codes))[0] is expected


def test_reject_reason_names_the_ib_code():
    assert m.status_of(trade("Cancelled", log_codes=(201,)))[1] == "201: boom"


def test_completed_order_fill_count_comes_from_filled_quantity():
    t = trade("Filled", total=3)
    t.orderStatus.filled = 0.0
    t.order.filledQuantity = 3.0
    assert m.filled_units(t) == 3.0
    t.order.filledQuantity = 1.7976931348623157e308  # IB's unset double
    assert m.filled_units(t) == 0.0


def test_option_position_avg_cost_is_per_unit_not_times_multiplier():
    c = Option("SPY", "20250328", 550.0, "P", "SMART", multiplier="100", conId=9)
    pos = m.position_from_ib(IBPosition("DU1", c, -2.0, 297.0), RULES, mark=3.1)
    assert pos.avg_cost == pytest.approx(2.97) and pos.quantity == -2 and pos.mark == 3.1
    assert pos.instrument == PUT
    stock = m.position_from_ib(IBPosition("DU1", Stock("SPY", "SMART", "USD", conId=1), 10, 560.5), RULES)
    assert stock.avg_cost == 560.5 and stock.instrument.sec_type is SecType.STOCK


def test_index_options_are_european_and_use_the_trading_class():
    contract = m.contract_for(SPX_CALL, RULES)
    assert (contract.secType, contract.tradingClass, contract.lastTradeDateOrContractMonth) == (
        "OPT", "SPXW", "20250321")
    back = m.instrument_from_contract(Option("SPX", "20250321", 5600.0, "C", "SMART", multiplier="100",
                                             tradingClass="SPXW"), RULES)
    assert back == SPX_CALL and back.exercise is ExerciseStyle.EUROPEAN


def test_fx_and_bag_contracts():
    fx = m.contract_for(Instrument("USDJPY", SecType.FX, "USDJPY", currency="JPY"), RULES)
    assert (fx.secType, fx.symbol, fx.currency, fx.exchange) == ("CASH", "USD", "JPY", "IDEALPRO")
    bag = m.bag_for("SPY", "USD", [(11, 1, Action.SELL), (12, 2, Action.BUY)])
    assert bag.secType == "BAG"
    assert [(leg.conId, leg.ratio, leg.action) for leg in bag.comboLegs] == [(11, 1, "SELL"), (12, 2, "BUY")]
    with pytest.raises(ValueError, match="has no Dorado instrument"):
        m.instrument_from_contract(bag, RULES)


def test_combo_orders_are_bought_at_the_net_price_credit_negative():
    order = Order("ic-1", (OrderLeg(PUT, Action.SELL), OrderLeg(PUT, Action.BUY)), 2, OrderType.LIMIT,
                  limit_price=-1.234)
    ib = m.ib_order_for(order, "DU1", 0.01)
    assert (ib.action, ib.totalQuantity, ib.orderType, ib.orderRef, ib.account) == ("BUY", 2, "LMT", "ic-1", "DU1")
    assert ib.lmtPrice == pytest.approx(-1.24)  # rounded down: never pay more / receive less


def test_single_leg_order_uses_the_leg_side_and_ratio():
    order = Order("s-1", (OrderLeg(PUT, Action.SELL, ratio=2),), 3, OrderType.LIMIT, limit_price=1.231)
    ib = m.ib_order_for(order, "DU1", 0.05)
    assert (ib.action, ib.totalQuantity) == ("SELL", 6)
    assert ib.lmtPrice == pytest.approx(1.25)  # sells round up to the tick
    mkt = m.ib_order_for(Order("m-1", (OrderLeg(PUT, Action.BUY),), 1, OrderType.MARKET), "DU1", 0.01)
    assert mkt.orderType == "MKT"


def test_nan_limit_price_is_refused():
    order = Order("n-1", (OrderLeg(PUT, Action.BUY),), 1, OrderType.LIMIT, limit_price=math.nan)
    with pytest.raises(ValueError, match="limit price nan is not a number"):
        m.ib_order_for(order, "DU1", 0.01)


@pytest.mark.parametrize(("price", "tick", "action", "expected"), [
    (1.2345, 0.05, Action.BUY, 1.20), (1.2345, 0.05, Action.SELL, 1.25), (1.25, 0.05, Action.BUY, 1.25),
    (-0.851, 0.01, Action.BUY, -0.86), (0.3, 0.1, Action.SELL, 0.3)])
def test_round_to_tick_never_against_us(price, tick, action, expected):
    assert m.round_to_tick(price, tick, action) == pytest.approx(expected)


def test_option_from_ticker_keeps_raw_prices_and_drops_ib_sentinels():
    t = Ticker(contract=Option(conId=1))
    t.bid, t.ask, t.volume, t.putOpenInterest = 2.1, 2.2, 340.0, 5120.0
    t.modelGreeks = OptionComputation(0, 0.18, -0.31, 2.15, 0.0, 0.012, -2.0, -2.0, 561.2)
    oc = m.option_from_ticker(PUT, t, NOW)
    assert (oc.bid, oc.ask, oc.delta, oc.gamma, oc.implied_vol) == (2.1, 2.2, -0.31, 0.012, 0.18)
    assert oc.vega is None and oc.theta is None  # -2: not computed
    assert (oc.open_interest, oc.volume, oc.underlying_price) == (5120, 340, 561.2)
    assert oc.quote_time == NOW == oc.greeks_time


def test_missing_quote_sides_read_as_no_market():
    t = Ticker(contract=Option(conId=1))
    t.bid, t.ask = -1.0, math.nan
    oc = m.option_from_ticker(PUT, t, NOW)
    assert (oc.bid, oc.ask, oc.delta, oc.greeks_time) == (0.0, 0.0, None, None)
    assert oc.spread_quality == math.inf
    q = m.quote_from_ticker("SPY", t, NOW)
    assert math.isnan(q.bid) and math.isnan(q.ask) and not q.is_two_sided


@pytest.mark.parametrize(("bid", "ask", "kind", "halted", "problem"), [
    (1.0, 1.1, 1, math.nan, ""),
    (-1.0, 1.1, 1, math.nan, "no two-sided quote"),
    (1.2, 1.1, 1, math.nan, "crossed quote (bid 1.2 > ask 1.1)"),
    (1.0, 1.1, 2, math.nan, "frozen market data (type 2)"),
    (1.0, 1.1, 3, math.nan, "delayed market data (type 3)"),
    (1.0, 1.1, 1, 1.0, "trading halted")])
def test_quote_problem(bid, ask, kind, halted, problem):
    t = Ticker(contract=Option(conId=1))
    t.bid, t.ask, t.marketDataType, t.halted = bid, ask, kind, halted
    assert m.quote_problem(t) == problem


def test_leg_fill_maps_side_multiplier_permid_and_commission():
    ex = Execution(execId="e1", time=NOW, side="SLD", shares=2.0, price=2.97, permId=77, orderRef="x")
    f = m.fill_from_ib(IBFill(Option(conId=1), ex, CommissionReport("e1", 1.3, "USD"), NOW), "x", PUT, 1)
    assert (f.action, f.quantity, f.price, f.multiplier, f.commission, f.leg_index) == (
        Action.SELL, 2.0, 2.97, 100, 1.3, 1)
    assert f.venue_order_id == "77" and f.cash_flow == pytest.approx(2 * 297 - 1.3)


def test_account_state_from_values_and_missing_tags():
    values = [AccountValue("DU1", tag, val, "USD", "") for tag, val in [
        ("NetLiquidation", "101000"), ("TotalCashValue", "99000"), ("BuyingPower", "400000"),
        ("InitMarginReq", "2000"), ("MaintMarginReq", "1500"), ("AccountType", "INDIVIDUAL")]]
    state = m.account_from_values(values, "DU1", NOW)
    assert (state.net_liquidation, state.cash, state.buying_power) == (101000, 99000, 400000)
    assert state.excess_liquidity == 99500
    with pytest.raises(ValueError, match="account DU1: IB did not report BuyingPower, MaintMarginReq"):
        m.account_from_values([v for v in values if v.tag not in ("BuyingPower", "MaintMarginReq")], "DU1", NOW)


def test_fx_carry_in_pips_from_interest_rates():
    rates = {"AUD": (0.035, 0.055), "USD": (0.043, 0.058)}
    swap = m.fx_carry("AUDUSD", 0.66, rates, NOW)
    assert swap.long_pips_per_day == pytest.approx(0.66 * (0.035 - 0.058) / 360 / 0.0001)
    assert swap.short_pips_per_day == pytest.approx(0.66 * (0.043 - 0.055) / 360 / 0.0001)
    with pytest.raises(ValueError, match="no IB interest rates configured for JPY"):
        m.fx_carry("USDJPY", 150.0, rates, NOW)


def test_bag_legs_keep_their_order_in_the_combo():
    bag = Contract(secType="BAG", comboLegs=[ComboLeg(conId=5, ratio=1, action="SELL"),
                                             ComboLeg(conId=3, ratio=1, action="BUY")])
    from dorado_tui.venues.ibkr.order_tracker import _leg_con_ids

    assert _leg_con_ids(bag) == (5, 3)
