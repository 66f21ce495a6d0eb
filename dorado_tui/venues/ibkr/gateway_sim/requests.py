"""Client-to-server request decoders: the field layouts `ib_async.client.Client` writes.

Each request becomes a small frozen dataclass. The order layout is read field by field with
the same version and content conditions the client uses when writing it, up to `whatIf`.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

from dorado_tui.venues.ibkr.gateway_sim.book import ComboLegSpec, ContractQuery
from dorado_tui.venues.ibkr.gateway_sim.wire import FieldReader, ProtocolError

UNSET_DOUBLE = sys.float_info.max


@dataclass(frozen=True, slots=True)
class StartApi:
    client_id: int
    capabilities: str


@dataclass(frozen=True, slots=True)
class MarketDataRequest:
    req_id: int
    contract: ContractQuery
    sec_type: str
    combo_legs: tuple[ComboLegSpec, ...]
    generic_ticks: str
    snapshot: bool
    regulatory: bool


@dataclass(frozen=True, slots=True)
class CancelMarketData:
    req_id: int


@dataclass(frozen=True, slots=True)
class PlaceOrderRequest:
    order_id: int
    contract: ContractQuery
    sec_type: str
    combo_legs: tuple[ComboLegSpec, ...]
    action: str
    total_quantity: float
    order_type: str
    lmt_price: float | None
    tif: str
    account: str
    order_ref: str
    transmit: bool
    outside_rth: bool
    what_if: bool


@dataclass(frozen=True, slots=True)
class CancelOrderRequest:
    order_id: int


@dataclass(frozen=True, slots=True)
class OpenOrdersRequest:
    all_clients: bool


@dataclass(frozen=True, slots=True)
class AutoOpenOrdersRequest:
    bind: bool


@dataclass(frozen=True, slots=True)
class AccountUpdatesRequest:
    subscribe: bool
    account: str


@dataclass(frozen=True, slots=True)
class ExecutionsRequest:
    req_id: int
    client_id: int
    account: str
    time: str
    symbol: str
    sec_type: str
    exchange: str
    side: str


@dataclass(frozen=True, slots=True)
class IdsRequest:
    count: int


@dataclass(frozen=True, slots=True)
class ContractDetailsRequest:
    req_id: int
    contract: ContractQuery
    sec_type: str


@dataclass(frozen=True, slots=True)
class HistoricalDataRequest:
    req_id: int
    contract: ContractQuery
    end: str
    bar_size: str
    duration: str
    use_rth: bool
    what_to_show: str
    format_date: int
    keep_up_to_date: bool


@dataclass(frozen=True, slots=True)
class CancelHistoricalData:
    req_id: int


@dataclass(frozen=True, slots=True)
class SimpleRequest:
    """A request without arguments: which one is in `name`."""

    name: str  # current_time | global_cancel | positions | cancel_positions | managed_accounts


@dataclass(frozen=True, slots=True)
class MarketDataTypeRequest:
    data_type: int


@dataclass(frozen=True, slots=True)
class AccountSummaryRequest:
    req_id: int
    group: str
    tags: str


@dataclass(frozen=True, slots=True)
class CancelAccountSummary:
    req_id: int


@dataclass(frozen=True, slots=True)
class AccountUpdatesMultiRequest:
    req_id: int
    account: str
    model_code: str


@dataclass(frozen=True, slots=True)
class CancelAccountUpdatesMulti:
    req_id: int


@dataclass(frozen=True, slots=True)
class SecDefOptParamsRequest:
    req_id: int
    symbol: str
    fut_fop_exchange: str
    sec_type: str
    con_id: int


@dataclass(frozen=True, slots=True)
class CompletedOrdersRequest:
    api_only: bool


@dataclass(frozen=True, slots=True)
class UnsupportedRequest:
    msg_id: int


Request = (
    StartApi | MarketDataRequest | CancelMarketData | PlaceOrderRequest | CancelOrderRequest
    | OpenOrdersRequest | AutoOpenOrdersRequest | AccountUpdatesRequest | ExecutionsRequest
    | IdsRequest | ContractDetailsRequest | HistoricalDataRequest | CancelHistoricalData
    | SimpleRequest | MarketDataTypeRequest | AccountSummaryRequest | CancelAccountSummary
    | AccountUpdatesMultiRequest | CancelAccountUpdatesMulti | SecDefOptParamsRequest
    | CompletedOrdersRequest | UnsupportedRequest
)


def read_contract(r: FieldReader) -> tuple[ContractQuery, str]:
    """The 12 contract fields every request carries; returns the query and its secType."""
    con_id = r.integer()
    symbol = r.text()
    sec_type = r.text()
    expiry = r.text()
    strike = r.number(0.0)
    right = r.text()
    r.text()  # multiplier: listed contracts are found without it
    exchange = r.text()
    r.text()  # primaryExchange
    currency = r.text()
    local_symbol = r.text()
    trading_class = r.text()
    query = ContractQuery(con_id=con_id, symbol=symbol, sec_type=sec_type, expiry=expiry,
                          strike=0.0 if math.isnan(strike) else strike, right=right,
                          exchange=exchange, currency=currency, local_symbol=local_symbol,
                          trading_class=trading_class)
    return query, sec_type


def _price(value: float) -> float | None:
    return None if math.isnan(value) or value >= UNSET_DOUBLE else value


def _market_data(r: FieldReader, version: int) -> MarketDataRequest:
    r.integer()  # message version
    req_id = r.integer()
    contract, sec_type = read_contract(r)
    legs: list[ComboLegSpec] = []
    if sec_type == "BAG":
        for _ in range(r.integer()):
            legs.append(ComboLegSpec(r.integer(), r.integer(), r.text(), r.text()))
    if r.flag():
        r.skip(3)  # delta-neutral contract
    generic = r.text()
    snapshot = r.flag()
    regulatory = r.flag()
    return MarketDataRequest(req_id, contract, sec_type, tuple(legs), generic, snapshot, regulatory)


def _skip_order_tail_to_what_if(r: FieldReader, version: int) -> bool:
    """Walk the order fields after `hidden` (non-combo part) exactly as the client writes them."""
    r.skip(7)  # "", discretionaryAmt, goodAfterTime, goodTillDate, faGroup, faMethod, faPercentage
    if version < 177:
        r.skip(1)  # faProfile
    r.skip(22)  # modelCode .. volatilityType
    dn_order_type = r.text()
    r.skip(1)  # deltaNeutralAuxPrice
    if dn_order_type:
        r.skip(8)
    r.skip(6)  # continuousUpdate .. scaleSubsLevelSize
    increment = r.number(0.0)
    if 0 < increment < UNSET_DOUBLE:
        r.skip(7)
    r.skip(3)  # scaleTable, activeStartTime, activeStopTime
    if r.text():  # hedgeType
        r.skip(1)
    r.skip(4)  # optOutSmartRouting, clearingAccount, clearingIntent, notHeld
    if r.flag():
        r.skip(3)  # delta-neutral contract
    if r.text():  # algoStrategy
        r.skip(2 * r.integer())
    r.skip(1)  # algoId
    return r.flag()


def _place_order(r: FieldReader, version: int) -> PlaceOrderRequest:
    order_id = r.integer()
    contract, sec_type = read_contract(r)
    r.skip(2)  # secIdType, secId
    action = r.text()
    quantity = r.number(0.0)
    order_type = r.text()
    lmt = _price(r.number())
    r.skip(1)  # auxPrice
    tif = r.text()
    r.skip(1)  # ocaGroup
    account = r.text()
    r.skip(2)  # openClose, origin
    order_ref = r.text()
    transmit = r.flag()
    r.skip(5)  # parentId, blockOrder, sweepToFill, displaySize, triggerMethod
    outside_rth = r.flag()
    r.skip(1)  # hidden
    legs: list[ComboLegSpec] = []
    if sec_type == "BAG":
        for _ in range(r.integer()):
            leg = ComboLegSpec(r.integer(), r.integer(), r.text(), r.text())
            r.skip(4)  # openClose, shortSaleSlot, designatedLocation, exemptCode
            legs.append(leg)
        r.skip(r.integer())  # order combo leg prices
        r.skip(2 * r.integer())  # smart combo routing params
    what_if = _skip_order_tail_to_what_if(r, version)
    return PlaceOrderRequest(order_id, contract, sec_type, tuple(legs), action, quantity,
                             order_type, lmt, tif, account, order_ref, transmit, outside_rth, what_if)


def _executions(r: FieldReader, version: int) -> ExecutionsRequest:
    r.integer()
    return ExecutionsRequest(r.integer(), r.integer(), r.text(), r.text(), r.text(), r.text(),
                             r.text(), r.text())


def _contract_details(r: FieldReader, version: int) -> ContractDetailsRequest:
    r.integer()
    req_id = r.integer()
    contract, sec_type = read_contract(r)
    return ContractDetailsRequest(req_id, contract, sec_type)


def _historical(r: FieldReader, version: int) -> HistoricalDataRequest:
    req_id = r.integer()
    contract, sec_type = read_contract(r)
    r.skip(1)  # includeExpired
    end, bar_size, duration = r.text(), r.text(), r.text()
    use_rth = r.flag()
    what, fmt = r.text(), r.integer(1)
    if sec_type == "BAG":
        r.skip(4 * r.integer())
    keep = r.flag()
    return HistoricalDataRequest(req_id, contract, end, bar_size, duration, use_rth, what, fmt, keep)


def _versioned(build: Callable[[FieldReader], Request]) -> Callable[[FieldReader, int], Request]:
    def parse(r: FieldReader, version: int) -> Request:
        r.integer()  # message version
        return build(r)

    return parse


_PARSERS: dict[int, Callable[[FieldReader, int], Request]] = {
    1: _market_data,
    2: _versioned(lambda r: CancelMarketData(r.integer())),
    3: _place_order,
    4: _versioned(lambda r: CancelOrderRequest(r.integer())),
    5: _versioned(lambda r: OpenOrdersRequest(False)),
    6: _versioned(lambda r: AccountUpdatesRequest(r.flag(), r.text())),
    7: _executions,
    8: _versioned(lambda r: IdsRequest(r.integer())),
    9: _contract_details,
    15: _versioned(lambda r: AutoOpenOrdersRequest(r.flag())),
    16: _versioned(lambda r: OpenOrdersRequest(True)),
    17: _versioned(lambda r: SimpleRequest("managed_accounts")),
    20: _historical,
    25: _versioned(lambda r: CancelHistoricalData(r.integer())),
    49: _versioned(lambda r: SimpleRequest("current_time")),
    58: _versioned(lambda r: SimpleRequest("global_cancel")),
    59: _versioned(lambda r: MarketDataTypeRequest(r.integer())),
    61: _versioned(lambda r: SimpleRequest("positions")),
    62: _versioned(lambda r: AccountSummaryRequest(r.integer(), r.text(), r.text())),
    63: _versioned(lambda r: CancelAccountSummary(r.integer())),
    64: _versioned(lambda r: SimpleRequest("cancel_positions")),
    71: _versioned(lambda r: StartApi(r.integer(), r.text() if r.remaining else "")),
    76: _versioned(lambda r: AccountUpdatesMultiRequest(r.integer(), r.text(), r.text())),
    77: _versioned(lambda r: CancelAccountUpdatesMulti(r.integer())),
    78: lambda r, v: SecDefOptParamsRequest(r.integer(), r.text(), r.text(), r.text(), r.integer()),
    99: lambda r, v: CompletedOrdersRequest(r.flag()),
}


def parse_request(fields: list[str], server_version: int) -> Request:
    """Decode one client message; unknown message ids become `UnsupportedRequest`."""
    if not fields:
        raise ProtocolError("empty message")
    reader = FieldReader(fields)
    msg_id = reader.integer()
    parser = _PARSERS.get(msg_id)
    if parser is None:
        return UnsupportedRequest(msg_id)
    return parser(reader, server_version)
