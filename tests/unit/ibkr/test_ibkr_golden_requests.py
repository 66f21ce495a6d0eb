"""Golden round-trips for requests: what ib_async's Client writes, read by the simulator."""

from __future__ import annotations

import pytest
from ib_async.contract import Bag, ComboLeg, Option, Stock
from ib_async.objects import ExecutionFilter
from ib_async.order import LimitOrder, MarketOrder, Order

from dorado_tui.venues.ibkr.gateway_sim.book import ComboLegSpec
from dorado_tui.venues.ibkr.gateway_sim.requests import (
    AccountSummaryRequest,
    AccountUpdatesMultiRequest,
    AccountUpdatesRequest,
    AutoOpenOrdersRequest,
    CancelAccountSummary,
    CancelAccountUpdatesMulti,
    CancelHistoricalData,
    CancelMarketData,
    CancelOrderRequest,
    CompletedOrdersRequest,
    ContractDetailsRequest,
    ExecutionsRequest,
    HistoricalDataRequest,
    IdsRequest,
    MarketDataRequest,
    MarketDataTypeRequest,
    OpenOrdersRequest,
    PlaceOrderRequest,
    SecDefOptParamsRequest,
    SimpleRequest,
    StartApi,
    UnsupportedRequest,
    parse_request,
)
from dorado_tui.venues.ibkr.gateway_sim.wire import split_fields

VERSIONS = [157, 166, 176, 177, 178]


@pytest.fixture
def sent(client_capture):
    """Parse the one message ib_async's Client writes for `call`."""
    def run(version: int, call) -> object:
        client, conn = client_capture(version)
        call(client)
        (msg,) = conn.sent
        return parse_request(split_fields(msg[4:]), version)

    return run


PUT = Option("SPY", "20250321", 550.0, "P", "SMART", multiplier="100", currency="USD", conId=500000123)


@pytest.mark.parametrize("version", VERSIONS)
async def test_limit_order_fields_and_order_ref_are_read(sent, version):
    order = LimitOrder("SELL", 3, 1.25, orderRef="dorado-abc-1", tif="DAY", account="DU1234567")
    req = sent(version, lambda c: c.placeOrder(42, PUT, order))
    assert isinstance(req, PlaceOrderRequest)
    assert (req.order_id, req.action, req.total_quantity, req.order_type, req.lmt_price) == (
        42, "SELL", 3.0, "LMT", 1.25)
    assert (req.tif, req.account, req.order_ref, req.transmit, req.what_if) == (
        "DAY", "DU1234567", "dorado-abc-1", True, False)
    assert req.contract.con_id == 500000123 and req.sec_type == "OPT"
    assert (req.contract.symbol, req.contract.expiry, req.contract.strike, req.contract.right) == (
        "SPY", "20250321", 550.0, "P")


@pytest.mark.parametrize("version", VERSIONS)
async def test_market_order_has_no_limit_price(sent, version):
    req = sent(version, lambda c: c.placeOrder(7, Stock("SPY", "SMART", "USD"), MarketOrder("BUY", 100)))
    assert isinstance(req, PlaceOrderRequest)
    assert req.order_type == "MKT" and req.lmt_price is None and req.total_quantity == 100.0


@pytest.mark.parametrize("version", VERSIONS)
async def test_combo_order_legs_are_read_and_what_if_is_found_after_them(sent, version):
    bag = Bag(symbol="SPY", exchange="SMART", currency="USD", comboLegs=[
        ComboLeg(conId=500000123, ratio=1, action="SELL", exchange="SMART"),
        ComboLeg(conId=500000120, ratio=2, action="BUY", exchange="SMART")])
    order = LimitOrder("BUY", 2, -0.85, orderRef="ic-7", whatIf=True)
    req = sent(version, lambda c: c.placeOrder(43, bag, order))
    assert isinstance(req, PlaceOrderRequest)
    assert req.sec_type == "BAG" and req.lmt_price == -0.85 and req.order_ref == "ic-7"
    assert req.combo_legs == (ComboLegSpec(500000123, 1, "SELL"), ComboLegSpec(500000120, 2, "BUY"))
    assert req.what_if is True


async def test_order_with_algo_hedge_and_scale_fields_still_finds_what_if(sent):
    order = Order(action="BUY", totalQuantity=1, orderType="LMT", lmtPrice=1.0, hedgeType="D",
                  hedgeParam="0.5", algoStrategy="Adaptive", scalePriceIncrement=0.05,
                  deltaNeutralOrderType="MKT", whatIf=True, orderRef="x")
    req = sent(178, lambda c: c.placeOrder(44, PUT, order))
    assert isinstance(req, PlaceOrderRequest) and req.what_if is True and req.order_ref == "x"


async def test_market_data_request_reads_snapshot_and_generic_ticks(sent):
    req = sent(178, lambda c: c.reqMktData(11, PUT, "101,106", False, False, []))
    assert isinstance(req, MarketDataRequest)
    assert (req.req_id, req.generic_ticks, req.snapshot, req.regulatory) == (11, "101,106", False, False)
    assert req.contract.con_id == 500000123
    snap = sent(178, lambda c: c.reqMktData(12, PUT, "", True, False, []))
    assert isinstance(snap, MarketDataRequest) and snap.snapshot is True


async def test_simple_requests_round_trip(sent):
    assert sent(178, lambda c: c.cancelMktData(11)) == CancelMarketData(11)
    assert sent(178, lambda c: c.cancelOrder(42)) == CancelOrderRequest(42)
    assert sent(157, lambda c: c.cancelOrder(42)) == CancelOrderRequest(42)
    assert sent(178, lambda c: c.reqOpenOrders()) == OpenOrdersRequest(False)
    assert sent(178, lambda c: c.reqAllOpenOrders()) == OpenOrdersRequest(True)
    assert sent(178, lambda c: c.reqPositions()) == SimpleRequest("positions")
    assert sent(178, lambda c: c.reqCurrentTime()) == SimpleRequest("current_time")
    assert sent(178, lambda c: c.reqGlobalCancel()) == SimpleRequest("global_cancel")
    assert sent(178, lambda c: c.reqCompletedOrders(False)) == CompletedOrdersRequest(False)
    assert sent(178, lambda c: c.reqAccountUpdates(True, "DU1")) == AccountUpdatesRequest(True, "DU1")
    assert sent(178, lambda c: c.reqAccountUpdatesMulti(5, "DU1", "", False)) == AccountUpdatesMultiRequest(5, "DU1", "")
    assert sent(178, lambda c: c.reqAccountSummary(6, "All", "NetLiquidation")) == AccountSummaryRequest(6, "All", "NetLiquidation")
    assert sent(178, lambda c: c.reqSecDefOptParams(8, "SPY", "", "STK", 756733)) == SecDefOptParamsRequest(8, "SPY", "", "STK", 756733)
    assert sent(178, lambda c: c.reqUserInfo(3)) == UnsupportedRequest(104)
    assert sent(178, lambda c: c.reqIds(-1)) == IdsRequest(-1)
    assert sent(178, lambda c: c.reqAutoOpenOrders(True)) == AutoOpenOrdersRequest(True)
    assert sent(178, lambda c: c.reqMarketDataType(3)) == MarketDataTypeRequest(3)
    assert sent(178, lambda c: c.reqManagedAccts()) == SimpleRequest("managed_accounts")
    assert sent(178, lambda c: c.cancelPositions()) == SimpleRequest("cancel_positions")
    assert sent(178, lambda c: c.cancelAccountSummary(6)) == CancelAccountSummary(6)
    assert sent(178, lambda c: c.cancelHistoricalData(13)) == CancelHistoricalData(13)
    assert sent(178, lambda c: c.cancelAccountUpdatesMulti(5)) == CancelAccountUpdatesMulti(5)


async def test_start_api_carries_the_client_id(client_capture):
    client, conn = client_capture(178)
    client.clientId = 17
    client.startApi()
    assert parse_request(split_fields(conn.sent[0][4:]), 178) == StartApi(17, "")


async def test_executions_filter_fields_are_read(sent):
    flt = ExecutionFilter(clientId=3, acctCode="DU1", time="20250314 00:00:00 UTC", symbol="SPY")
    req = sent(178, lambda c: c.reqExecutions(31, flt))
    assert req == ExecutionsRequest(31, 3, "DU1", "20250314 00:00:00 UTC", "SPY", "", "", "")


@pytest.mark.parametrize("version", [157, 176])
async def test_contract_details_request_reads_the_contract(sent, version):
    req = sent(version, lambda c: c.reqContractDetails(9, Option("SPY", "20250321", 550, "P", "SMART")))
    assert isinstance(req, ContractDetailsRequest)
    assert req.req_id == 9 and req.sec_type == "OPT"
    assert (req.contract.symbol, req.contract.expiry, req.contract.strike, req.contract.right) == (
        "SPY", "20250321", 550.0, "P")


async def test_historical_request_reads_duration_bar_size_and_what_to_show(sent):
    req = sent(178, lambda c: c.reqHistoricalData(13, Stock("SPY", "SMART", "USD", conId=756733),
                                                  "", "30 D", "1 day", "TRADES", True, 1, False, []))
    assert req == HistoricalDataRequest(13, req.contract, "", "1 day", "30 D", True, "TRADES", 1, False)
    assert req.contract.con_id == 756733
