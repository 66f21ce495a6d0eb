"""Golden round-trips: every message the gateway simulator sends, through ib_async's own Decoder.

A field-layout mistake (a missing or extra field) shifts every later field; each test asserts
fields on both sides of the variable parts so such a shift cannot pass silently.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ib_async.contract import Contract
from ib_async.order import Order, OrderStatus, Trade

from dorado_tui.venues.ibkr.gateway_sim.book import BAG_CON_ID, ComboLegSpec, ContractSpec, Greeks
from dorado_tui.venues.ibkr.gateway_sim.messages import (
    ExecView,
    MessageEncoder,
    OrderView,
    WhatIfMargin,
)

VERSIONS = [157, 163, 166, 176, 178]
NOW = datetime(2025, 3, 14, 15, 30, 5, tzinfo=UTC)

SPY = ContractSpec(con_id=756733, symbol="SPY", sec_type="STK", exchange="SMART",
                   primary_exchange="ARCA", local_symbol="SPY", trading_class="SPY",
                   long_name="SPDR S&P 500 ETF TRUST")
PUT = ContractSpec(con_id=500000123, symbol="SPY", sec_type="OPT", exchange="SMART",
                   local_symbol="SPY   250321P00550000", trading_class="SPY", multiplier="100",
                   expiry="20250321", strike=550.0, right="P", under_con_id=756733,
                   under_symbol="SPY", under_sec_type="STK")
BAG = ContractSpec(con_id=BAG_CON_ID, symbol="SPY", sec_type="BAG",
                   combo_legs=(ComboLegSpec(500000123, 1, "SELL"), ComboLegSpec(500000120, 1, "BUY")))


def order_view(contract: ContractSpec = PUT, **kw: object) -> OrderView:
    base: dict[str, object] = dict(order_id=42, client_id=7, perm_id=900042, contract=contract,
                                   action="SELL", total_quantity=3.0, order_type="LMT",
                                   lmt_price=1.25, tif="DAY", account="DU1234567",
                                   order_ref="dorado-abc-1", status="Submitted")
    base.update(kw)
    return OrderView(**base)  # type: ignore[arg-type]


async def test_next_valid_id_and_managed_accounts_reach_the_wrapper(decode):
    h = decode(178)
    h.feed(MessageEncoder.managed_accounts(["DU1234567", "DU7654321"]))
    h.feed(MessageEncoder.next_valid_id(17))
    assert h.wrapper.accounts == ["DU1234567", "DU7654321"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_error_decodes_code_message_and_advanced_json(decode, version):
    h = decode(version)
    seen = []
    h.ib.errorEvent += lambda *args: seen.append(args)
    wire = h.feed(MessageEncoder(version).error(-1, 2104, "Market data farm connection is OK:usfarm", "{}"))
    assert seen == [(-1, 2104, "Market data farm connection is OK:usfarm", None)]
    assert len(wire) == (6 if version >= 166 else 5)


@pytest.mark.parametrize("version", VERSIONS)
async def test_contract_details_decode_every_field(decode, version):
    h = decode(version)
    fut = h.wrapper.startReq(5)
    h.feed(MessageEncoder(version).contract_details(5, PUT))
    h.feed(MessageEncoder.contract_details_end(5))
    (cd,) = fut.result()
    c = cd.contract
    assert (c.conId, c.symbol, c.secType, c.lastTradeDateOrContractMonth, c.strike, c.right) == (
        500000123, "SPY", "OPT", "20250321", 550.0, "P")
    assert (c.exchange, c.currency, c.localSymbol, c.tradingClass, c.multiplier) == (
        "SMART", "USD", "SPY   250321P00550000", "SPY", "100")
    assert cd.minTick == 0.01
    assert cd.underConId == 756733
    assert (cd.underSymbol, cd.underSecType, cd.realExpirationDate) == ("SPY", "STK", "20250321")
    assert cd.timeZoneId == "US/Eastern"
    if version >= 164:
        assert (cd.minSize, cd.sizeIncrement, cd.suggestedSizeIncrement) == (1.0, 1.0, 1.0)


async def test_sec_def_option_parameters_decode_expirations_and_strikes(decode):
    h = decode(178)
    fut = h.wrapper.startReq(9)
    h.feed(MessageEncoder.sec_def_opt_params(9, "SMART", 756733, "SPY", "100",
                                             ["20250321", "20250328"], [540.0, 545.0, 550.5]))
    h.feed(MessageEncoder.sec_def_opt_params_end(9))
    (chain,) = fut.result()
    assert chain.exchange == "SMART"
    assert chain.underlyingConId == "756733"  # ib_async keeps it as text
    assert chain.tradingClass == "SPY" and chain.multiplier == "100"
    assert chain.expirations == ["20250321", "20250328"]
    assert chain.strikes == [540.0, 545.0, 550.5]


async def test_market_data_ticks_fill_a_ticker_with_quotes_sizes_and_greeks(decode):
    h = decode(178)
    fut = h.wrapper.startReq(11, Contract(conId=PUT.con_id))
    ticker = h.wrapper.startTicker(11, Contract(conId=PUT.con_id), "snapshot")
    enc = MessageEncoder
    h.feed(enc.market_data_type(11, 1))
    h.feed(enc.tick_price(11, 1, 2.10, 15.0))
    h.feed(enc.tick_price(11, 2, 2.20, 12.0))
    h.feed(enc.tick_price(11, 4, 2.15, 1.0))
    h.feed(enc.tick_size(11, 8, 340.0))
    h.feed(enc.tick_size(11, 28, 5120.0))
    greeks = Greeks(implied_vol=0.181, delta=-0.312, gamma=0.0123, vega=0.55, theta=-0.21,
                    option_price=2.15, underlying_price=561.2, pv_dividend=0.0)
    h.feed(enc.tick_option_computation(11, 13, greeks))
    h.feed(enc.tick_generic(11, 49, 0.0))
    h.feed(enc.tick_snapshot_end(11))
    assert fut.done()
    assert (ticker.bid, ticker.ask, ticker.last) == (2.10, 2.20, 2.15)
    assert (ticker.bidSize, ticker.askSize, ticker.volume) == (15.0, 12.0, 340.0)
    assert ticker.putOpenInterest == 5120.0
    assert ticker.marketDataType == 1
    assert ticker.halted == 0.0
    mg = ticker.modelGreeks
    assert (mg.impliedVol, mg.delta, mg.gamma, mg.vega, mg.theta) == (0.181, -0.312, 0.0123, 0.55, -0.21)
    assert (mg.optPrice, mg.undPrice, mg.pvDividend) == (2.15, 561.2, 0.0)


async def test_missing_greeks_decode_as_none_and_empty_bid_as_minus_one(decode):
    h = decode(178)
    ticker = h.wrapper.startTicker(12, Contract(conId=PUT.con_id), "mktData")
    h.feed(MessageEncoder.tick_price(12, 1, -1.0, 0.0))
    h.feed(MessageEncoder.tick_option_computation(12, 13, Greeks(None, None, None, None, None, None, None, None)))
    mg = ticker.modelGreeks
    assert (mg.impliedVol, mg.delta, mg.gamma, mg.optPrice, mg.undPrice, mg.pvDividend) == (None,) * 6
    # ib_async passes vega/theta sentinels through unchanged: the mapping must treat -2 as missing
    assert (mg.vega, mg.theta) == (-2.0, -2.0)
    assert ticker.bid == -1 and ticker.bidSize == 0


async def test_historical_bars_decode_in_order(decode):
    h = decode(178)
    fut = h.wrapper.startReq(13)
    bars = [("20250313", 560.0, 565.5, 558.25, 563.0, 1.2e6, 561.9, 4100),
            ("20250314", 563.0, 566.0, 559.0, 560.5, 9.0e5, 562.1, 3800)]
    h.feed(MessageEncoder.historical_data(13, "20250313", "20250314", bars))
    got = fut.result()
    assert [b.date.isoformat() for b in got] == ["2025-03-13", "2025-03-14"]
    assert [(b.open, b.high, b.low, b.close, b.volume, b.average, b.barCount) for b in got] == [
        bar[1:] for bar in bars]


async def test_account_values_portfolio_and_download_end(decode):
    h = decode(178)
    fut = h.wrapper.startReq("accountValues")
    h.feed(MessageEncoder.account_value("NetLiquidation", "101234.5", "USD", "DU1234567"))
    h.feed(MessageEncoder.portfolio_value(PUT, -3.0, 2.15, -645.0, 190.0, -75.0, 0.0, "DU1234567"))
    h.feed(MessageEncoder.account_time(NOW))
    h.feed(MessageEncoder.account_download_end("DU1234567"))
    assert fut.done()
    value = h.wrapper.accountValues[("DU1234567", "NetLiquidation", "USD", "")]
    assert value.value == "101234.5"
    item = h.wrapper.portfolio["DU1234567"][PUT.con_id]
    assert (item.position, item.marketPrice, item.marketValue, item.averageCost) == (-3.0, 2.15, -645.0, 190.0)
    assert (item.unrealizedPNL, item.realizedPNL, item.account) == (-75.0, 0.0, "DU1234567")
    assert item.contract.localSymbol == PUT.local_symbol


async def test_account_update_multi_and_summary(decode):
    h = decode(178)
    fut_multi = h.wrapper.startReq(21)
    h.feed(MessageEncoder.account_update_multi(21, "DU1234567", "BuyingPower", "400000", "USD"))
    h.feed(MessageEncoder.account_update_multi_end(21))
    fut_sum = h.wrapper.startReq(22)
    h.feed(MessageEncoder.account_summary(22, "DU1234567", "MaintMarginReq", "1500.25", "USD"))
    h.feed(MessageEncoder.account_summary_end(22))
    assert fut_multi.done() and fut_sum.done()
    assert h.wrapper.accountValues[("DU1234567", "BuyingPower", "USD", "")].value == "400000"
    assert h.wrapper.acctSummary[("DU1234567", "MaintMarginReq", "USD")].value == "1500.25"


async def test_positions_decode_signed_quantity_and_ib_avg_cost(decode):
    h = decode(178)
    fut = h.wrapper.startReq("positions")
    h.feed(MessageEncoder.position("DU1234567", PUT, -3.0, 190.0))
    h.feed(MessageEncoder.position_end())
    (pos,) = fut.result()
    assert (pos.account, pos.position, pos.avgCost) == ("DU1234567", -3.0, 190.0)
    c = pos.contract
    assert (c.conId, c.secType, c.strike, c.right, c.multiplier, c.tradingClass) == (
        PUT.con_id, "OPT", 550.0, "P", "100", "SPY")


def _live_trade(h, contract: Contract, order_id: int = 42) -> Trade:
    order = Order(orderId=order_id, clientId=7, action="SELL", totalQuantity=3, orderType="LMT",
                  lmtPrice=1.25, orderRef="dorado-abc-1")
    trade = Trade(contract, order, OrderStatus(orderId=order_id, status="PendingSubmit"), [], [])
    h.wrapper.trades[(7, order_id)] = trade
    return trade


@pytest.mark.parametrize("version", VERSIONS)
async def test_open_order_then_status_update_a_live_trade(decode, version):
    h = decode(version)
    trade = _live_trade(h, Contract(conId=PUT.con_id))
    enc = MessageEncoder(version)
    h.feed(enc.open_order(order_view(status="PreSubmitted")))
    h.feed(MessageEncoder.order_status(42, "Submitted", 1.0, 2.0, 1.26, 900042, 1.26, 7))
    assert trade.order.permId == 900042
    assert trade.order.orderRef == "dorado-abc-1"
    assert trade.order.lmtPrice == 1.25 and trade.order.totalQuantity == 3.0
    s = trade.orderStatus
    assert (s.status, s.filled, s.remaining, s.avgFillPrice, s.permId, s.lastFillPrice, s.clientId) == (
        "Submitted", 1.0, 2.0, 1.26, 900042, 1.26, 7)
    assert h.wrapper.permId2Trade[900042] is trade


@pytest.mark.parametrize("version", VERSIONS)
async def test_open_order_response_lists_a_combo_with_its_legs(decode, version):
    h = decode(version)
    fut = h.wrapper.startReq("openOrders")
    h.feed(MessageEncoder(version).open_order(order_view(contract=BAG, action="BUY", lmt_price=-0.85)))
    h.feed(MessageEncoder.open_order_end())
    (trade,) = fut.result()
    o, c = trade.order, trade.contract
    assert (o.orderId, o.clientId, o.permId, o.action, o.totalQuantity) == (42, 7, 900042, "BUY", 3.0)
    assert (o.orderType, o.lmtPrice, o.tif, o.account, o.orderRef) == ("LMT", -0.85, "DAY", "DU1234567", "dorado-abc-1")
    assert c.secType == "BAG" and c.conId == BAG_CON_ID
    assert [(leg.conId, leg.ratio, leg.action) for leg in c.comboLegs] == [
        (500000123, 1, "SELL"), (500000120, 1, "BUY")]
    assert trade.orderStatus.status == "Submitted"
    assert o.whatIf is False


@pytest.mark.parametrize("version", VERSIONS)
async def test_what_if_open_order_resolves_with_margin_state(decode, version):
    h = decode(version)
    fut = h.wrapper.startReq(55)
    margin = WhatIfMargin(init_change=4200.5, maint_change=4100.0, equity_with_loan_change=-1.2,
                          commission=2.6)
    h.feed(MessageEncoder(version).open_order(order_view(order_id=55, what_if=True, margin=margin,
                                                         status="PreSubmitted")))
    state = fut.result()
    assert float(state.initMarginChange) == 4200.5
    assert float(state.maintMarginChange) == 4100.0
    assert float(state.equityWithLoanChange) == -1.2
    assert state.commission == 2.6 and state.commissionCurrency == "USD"


@pytest.mark.parametrize("version", VERSIONS)
async def test_completed_order_decodes_status_ref_and_fill(decode, version):
    h = decode(version)
    fut = h.wrapper.startReq("completedOrders")
    view = order_view(status="Filled", filled=3.0, completed_time="20250314 15:31:00 UTC",
                      completed_status="Filled Size: 3")
    h.feed(MessageEncoder(version).completed_order(view))
    h.feed(MessageEncoder.completed_orders_end())
    (trade,) = fut.result()
    o = trade.order
    assert (o.permId, o.orderRef, o.action, o.totalQuantity, o.lmtPrice) == (900042, "dorado-abc-1", "SELL", 3.0, 1.25)
    assert o.filledQuantity == 3.0
    assert trade.orderStatus.status == "Filled"
    assert h.wrapper.permId2Trade[900042] is trade
    assert trade.contract.localSymbol == PUT.local_symbol


@pytest.mark.parametrize("version", VERSIONS)
async def test_exec_details_and_commission_report_attach_to_the_trade(decode, version):
    h = decode(version)
    trade = _live_trade(h, Contract(conId=PUT.con_id))
    h.wrapper.permId2Trade[900042] = trade
    ex = ExecView(exec_id="0001f4e8.65f1.01.01", order_id=42, client_id=7, perm_id=900042,
                  contract=PUT, time=NOW, account="DU1234567", side="SLD", shares=2.0, price=1.27,
                  cum_qty=2.0, avg_price=1.27, order_ref="dorado-abc-1")
    h.feed(MessageEncoder(version).exec_details(-1, ex))
    h.feed(MessageEncoder.commission_report("0001f4e8.65f1.01.01", 1.3, "USD"))
    (fill,) = trade.fills
    e = fill.execution
    assert (e.execId, e.orderId, e.permId, e.clientId, e.side, e.shares, e.price) == (
        "0001f4e8.65f1.01.01", 42, 900042, 7, "SLD", 2.0, 1.27)
    assert (e.cumQty, e.avgPrice, e.orderRef, e.acctNumber) == (2.0, 1.27, "dorado-abc-1", "DU1234567")
    assert e.time == NOW
    assert fill.contract.conId == PUT.con_id
    assert fill.commissionReport.commission == 1.3
    assert fill.commissionReport.realizedPNL == 0.0  # unset double mapped by ib_async


async def test_exec_details_answer_a_request_with_bag_and_leg_rows(decode):
    h = decode(178)
    fut = h.wrapper.startReq(31)
    enc = MessageEncoder(178)
    common = dict(order_id=42, client_id=7, perm_id=900042, time=NOW, account="DU1234567",
                  cum_qty=1.0, order_ref="ic-1")
    h.feed(enc.exec_details(31, ExecView(exec_id="e.bag", contract=BAG, side="BOT", shares=1.0,
                                         price=-0.85, avg_price=-0.85, **common)))
    h.feed(enc.exec_details(31, ExecView(exec_id="e.leg1", contract=PUT, side="SLD", shares=1.0,
                                         price=2.10, avg_price=2.10, **common)))
    h.feed(MessageEncoder.exec_details_end(31))
    fills = fut.result()
    assert [(f.contract.secType, f.execution.execId, f.execution.price) for f in fills] == [
        ("BAG", "e.bag", -0.85), ("OPT", "e.leg1", 2.10)]


async def test_current_time_resolves_to_the_same_instant(decode):
    h = decode(178)
    fut = h.wrapper.startReq("currentTime")
    h.feed(MessageEncoder.current_time(NOW))
    assert fut.result() == NOW
