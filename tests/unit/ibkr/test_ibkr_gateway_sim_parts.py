"""Gateway simulator internals: framing, handshake, order ids, the in-memory book's fills."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.venues.ibkr.gateway_sim.book import (
    BookQuote,
    ContractQuery,
    ExecutionOutcome,
    ExecutionRequest,
    LegExecution,
    LegRequest,
)
from dorado_tui.venues.ibkr.gateway_sim.desk_data import duration_days, quote_messages
from dorado_tui.venues.ibkr.gateway_sim.desk_orders import parse_filter_time
from dorado_tui.venues.ibkr.gateway_sim.memory_book import MemoryBook
from dorado_tui.venues.ibkr.gateway_sim.memory_universe import expirations
from dorado_tui.venues.ibkr.gateway_sim.messages import MessageEncoder
from dorado_tui.venues.ibkr.gateway_sim.orders import OrderBook, SimOrder
from dorado_tui.venues.ibkr.gateway_sim.wire import (
    ClientHello,
    ProtocolError,
    choose_version,
    encode_field,
    frame,
    parse_hello,
    split_fields,
)

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)


def test_frame_is_length_prefixed_nul_terminated_text():
    data = frame([3, "SELL", 1.5, True, None, math.nan])
    assert data[:4] == (len(data) - 4).to_bytes(4, "big")
    assert data[4:] == b"3\0SELL\x001.5\x001\0\0\0"
    assert split_fields(data[4:]) == ["3", "SELL", "1.5", "1", "", ""]
    assert encode_field(math.inf) == "Infinite"
    import numpy as np

    assert encode_field(np.float64(562.33)) == "562.33"  # not "np.float64(562.33)"


def test_handshake_version_range_is_negotiated_inside_both_bands():
    assert parse_hello(b"v157..178") == ClientHello(157, 178, "")
    assert parse_hello(b"v100..200 +PACEAPI") == ClientHello(100, 200, "+PACEAPI")
    assert choose_version(ClientHello(157, 178, ""), 190) == 178
    assert choose_version(ClientHello(157, 170, ""), 178) == 170
    with pytest.raises(ProtocolError, match=r"no common API version: client offers 100\.\.150"):
        choose_version(ClientHello(100, 150, ""), 178)
    with pytest.raises(ProtocolError, match="must start with 'v'"):
        parse_hello(b"157..178")


def _order(book: OrderBook, client: int, oid: int, ref: str) -> SimOrder:
    from dorado_tui.venues.ibkr.gateway_sim.book import ContractSpec

    spec = ContractSpec(1, "SPY", "STK")
    return book.add(SimOrder(book.new_perm_id(), oid, client, spec, (LegRequest(spec, "BUY"),), "BUY",
                             1, "MKT", None, "DAY", "DU1", ref))


def test_next_valid_id_follows_use_per_client_and_rolls_back_on_restart():
    ob = OrderBook()
    assert ob.next_valid_id(5) == 1
    _order(ob, 5, 1, "a")
    _order(ob, 5, 7, "b")
    _order(ob, 6, 3, "c")
    assert (ob.next_valid_id(5), ob.next_valid_id(6)) == (8, 4)
    ob.roll_back_ids(1)
    assert (ob.next_valid_id(5), ob.next_valid_id(6), ob.next_valid_id(9)) == (1, 1, 1)
    assert ob.find(5, 7).order_ref == "b"  # the orders themselves survive


def test_execution_filter_time_formats():
    assert parse_filter_time("") is None
    assert parse_filter_time("20250314 10:00:00 US/Eastern") == datetime(2025, 3, 14, 14, 0, tzinfo=UTC)
    assert parse_filter_time("20250314-15:00:00") == NOW
    assert parse_filter_time("20250314 15:00:00 UTC") == NOW


def test_duration_strings():
    assert [duration_days(d) for d in ("30 D", "2 W", "1 M", "1 Y", "x D", "3 S")] == [30, 14, 31, 366, 0, 0]


def test_expirations_are_weekly_fridays_plus_third_fridays():
    exps = expirations(datetime(2025, 3, 14).date())
    assert exps[:3] == [datetime(2025, 3, d).date() for d in (14, 21, 28)]
    assert datetime(2025, 5, 16).date() in exps and datetime(2025, 6, 20).date() in exps


@pytest.fixture
def mbook() -> MemoryBook:
    return MemoryBook(FixedClock(NOW))


async def test_contract_lookup_by_fields_and_by_con_id(mbook):
    (spec,) = await mbook.find_contracts(ContractQuery(symbol="SPY", sec_type="OPT", expiry="20250328",
                                                       strike=550.0, right="P"))
    assert spec.local_symbol == "SPY   250328P00550000"
    assert await mbook.contract(spec.con_id) == spec
    assert await mbook.find_contracts(ContractQuery(symbol="SPY", sec_type="OPT", strike=550.5)) == []
    (fx,) = await mbook.find_contracts(ContractQuery(symbol="USD", sec_type="CASH", currency="JPY"))
    assert fx.local_symbol == "USD.JPY"


async def test_combo_fills_at_the_natural_price_of_each_leg(mbook):
    short = mbook.spec_by_local_symbol("SPY   250328P00550000")
    long_ = mbook.spec_by_local_symbol("SPY   250328P00545000")
    qs, ql = await mbook.quote(short.con_id, NOW), await mbook.quote(long_.con_id, NOW)
    legs = (LegRequest(short, "SELL"), LegRequest(long_, "BUY"))
    natural = ql.ask - qs.bid
    too_greedy = await mbook.execute(ExecutionRequest("1", "BUY", legs, 2, natural - 0.01, NOW))
    # field by field: the no-fill price is NaN, and NaN != NaN (dataclass __eq__ compares fields
    # one by one from Python 3.13 on, so comparing whole outcomes would depend on the version)
    assert too_greedy.quantity == 0.0 and math.isnan(too_greedy.net_price)
    assert too_greedy.legs == ExecutionOutcome(0.0).legs
    out = await mbook.execute(ExecutionRequest("1", "BUY", legs, 2, natural, NOW))
    assert out.quantity == 2 and out.net_price == pytest.approx(natural)
    assert out.legs == (LegExecution(short, "SELL", 2, qs.bid, 1.3), LegExecution(long_, "BUY", 2, ql.ask, 1.3))
    positions = {p.spec.con_id: p for p in await mbook.positions()}
    assert positions[short.con_id].quantity == -2
    assert positions[short.con_id].avg_cost == pytest.approx(qs.bid * 100)  # IB's × multiplier
    assert mbook.cash == pytest.approx(100_000 - 2 * natural * 100 - 2.6)


async def test_selling_a_combo_flips_every_leg(mbook):
    short = mbook.spec_by_local_symbol("SPY   250328P00550000")
    long_ = mbook.spec_by_local_symbol("SPY   250328P00545000")
    legs = (LegRequest(short, "SELL"), LegRequest(long_, "BUY"))
    out = await mbook.execute(ExecutionRequest("2", "SELL", legs, 1, None, NOW))
    assert [(leg.spec.con_id, leg.action) for leg in out.legs] == [(short.con_id, "BUY"), (long_.con_id, "SELL")]


async def test_naked_short_beyond_equity_is_rejected_with_ibs_wording(mbook):
    put = mbook.spec_by_local_symbol("SPY   250328P00560000")
    out = await mbook.execute(ExecutionRequest("3", "SELL", (LegRequest(put, "BUY"),), 50, None, NOW))
    assert out.rejected and out.quantity == 0
    assert out.reject_reason.startswith("YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION")
    assert await mbook.positions() == []


async def test_defined_risk_margin_is_the_spread_width_less_credit(mbook):
    short = mbook.spec_by_local_symbol("SPY   250328P00550000")
    long_ = mbook.spec_by_local_symbol("SPY   250328P00545000")
    legs = (LegRequest(short, "SELL"), LegRequest(long_, "BUY"))
    init, maint, fees = await mbook.margin_impact(ExecutionRequest("4", "BUY", legs, 1, None, NOW))
    model_short, model_long = mbook._mark(short.con_id, NOW), mbook._mark(long_.con_id, NOW)
    assert init == pytest.approx((5.0 - (model_short - model_long)) * 100)  # max loss at the marks
    assert maint == init and fees == 2.0


def test_open_interest_ticks_only_when_generic_tick_101_is_asked(mbook):
    spec = mbook.spec_by_local_symbol("SPY   250328P00550000")
    quote = BookQuote(bid=1.0, ask=1.1, last=1.05, open_interest=1234)
    enc = MessageEncoder(178)
    plain = quote_messages(enc, 1, spec, quote, "")
    with_oi = quote_messages(enc, 1, spec, quote, "100,101")
    assert [m for m in with_oi if m not in plain] == [[2, 6, 1, 28, 1234.0]]


def test_delayed_quotes_use_the_delayed_tick_types(mbook):
    spec = mbook.spec_by_local_symbol("SPY   250328P00550000")
    msgs = quote_messages(MessageEncoder(178), 4, spec, BookQuote(1.0, 1.1, 1.05, market_data_type=3), "")
    assert msgs[0] == [58, 1, 4, 3]
    assert [m[3] for m in msgs if m[0] == 1] == [66, 67, 68]
