"""IBKRAdapter against the gateway simulator through the unmodified ib_async client."""

from __future__ import annotations

import math

import pytest
from ibkr_helpers import EXPIRY, call, put, put_spread, single

from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import Right
from dorado_tui.domain.orders import Action, OrderStatus
from dorado_tui.venues.ibkr.gateway_sim.requests import MarketDataRequest, PlaceOrderRequest

SETTLE = 5.0


def filled(res) -> bool:
    return res.status is OrderStatus.FILLED and all(f.commission > 0 for f in res.fills)


async def test_status_reports_connection_version_account_heartbeat_and_budget(adapter, clock):
    status = adapter.status()
    assert status.connected and status.mode == "paper"
    assert status.server_version == 178
    assert status.account == "DU1234567"
    assert status.last_heartbeat == clock.now()
    assert 0 < status.pacing_budget <= 50
    assert status.extra["orders"] == "allowed"


async def test_paper_and_live_modes_pick_the_gateway_ports():
    from dorado_tui.venues.ibkr.config import IBKRConfig

    assert IBKRConfig().effective_port == 4002
    assert IBKRConfig(mode="live").effective_port == 4001
    assert IBKRConfig(mode="live", port=7496).effective_port == 7496


async def test_connect_to_a_closed_port_is_a_venue_error(make_adapter, gateway):
    port = gateway.port
    await gateway.go_down()
    ad = make_adapter(connect_timeout_s=1.0)
    with pytest.raises(VenueError, match=f"127.0.0.1:{port} not reachable"):
        await ad.connect()


async def test_chain_carries_raw_quotes_beside_ib_model_greeks(adapter, book):
    chain = await adapter.get_chain("SPY", EXPIRY)
    assert chain.underlying_price == pytest.approx(560.0)
    assert EXPIRY in chain.expirations and chain.source == "ibkr"
    assert len(chain.contracts) == 8  # 4 strikes nearest spot × call and put
    by_key = {(c.strike, c.right): c for c in chain.contracts}
    u = book.underlyings[0]
    for strike in chain.strikes(EXPIRY, Right.CALL):
        c, p = by_key[(strike, Right.CALL)], by_key[(strike, Right.PUT)]
        assert 0 < c.bid < c.ask and 0 < p.bid < p.ask
        assert c.open_interest > 0 and p.open_interest == c.open_interest
        # BSM identity on IB's model Greeks: Δcall − Δput = e^(−qT) (same T, q)
        assert c.delta - p.delta == pytest.approx(math.exp(-u.dividend_yield * _years(EXPIRY)), rel=1e-9)
        assert c.gamma == pytest.approx(p.gamma) and c.vega == pytest.approx(p.vega)
        assert c.greeks_time == c.quote_time and c.underlying_price == pytest.approx(560.0)


def _years(expiry) -> float:
    from datetime import UTC, datetime

    from dorado_tui.venues.ibkr.gateway_sim.memory_universe import expiry_instant

    return (expiry_instant(expiry) - datetime(2025, 3, 14, 15, 0, tzinfo=UTC)).total_seconds() / (365 * 86400)


async def test_chain_is_cached_for_two_minutes(adapter, gateway, clock):
    from datetime import timedelta

    await adapter.get_chain("SPY", EXPIRY)
    sent = len(gateway.requests)
    again = await adapter.get_chain("SPY", EXPIRY)
    assert len(gateway.requests) == sent and len(again.contracts) == 8
    clock.advance(timedelta(seconds=121))
    await adapter.get_chain("SPY", EXPIRY)
    assert any(isinstance(r, MarketDataRequest) for _, r in gateway.requests[sent:])


async def test_unlisted_expiry_gives_an_empty_chain_with_a_note(adapter):
    from datetime import date

    chain = await adapter.get_chain("SPY", date(2025, 3, 19))
    assert chain.contracts == () and "not a listed expiration" in chain.notes[0]


async def test_single_leg_limit_and_market_orders_fill_with_commissions(adapter, gateway):
    sell = await adapter.place_order(single("s-1", put(550), Action.SELL, 1, limit=0.05))
    buy = await adapter.place_order(single("b-1", call(570), Action.BUY, 2))
    sell = await adapter.wait_for_order("s-1", filled, SETTLE)
    buy = await adapter.wait_for_order("b-1", filled, SETTLE)
    assert sell.filled_quantity == 1 and sell.fills[0].action is Action.SELL
    assert buy.filled_quantity == 2 and buy.fills[0].quantity == 2
    assert buy.fills[0].commission == pytest.approx(1.30)  # 0.65 × 2 contracts
    (req,) = gateway.placements("b-1")
    assert (req.order_type, req.lmt_price, req.order_ref) == ("MKT", None, "b-1")


async def test_combo_fills_atomically_with_one_fill_per_leg(adapter, gateway):
    res = await adapter.place_order(put_spread("ic-1", quantity=2))
    res = await adapter.wait_for_order("ic-1", lambda r: filled(r) and len(r.fills) == 2, SETTLE)
    short, long_ = sorted(res.fills, key=lambda f: f.leg_index)
    assert (short.action, long_.action) == (Action.SELL, Action.BUY)
    assert short.symbol == put(550).symbol and long_.symbol == put(545).symbol
    assert short.quantity == long_.quantity == 2
    assert res.avg_fill_price == pytest.approx(long_.price - short.price)  # net debit < 0: credit
    assert res.avg_fill_price < 0
    (req,) = gateway.placements("ic-1")
    assert req.sec_type == "BAG" and [leg.action for leg in req.combo_legs] == ["SELL", "BUY"]


async def test_positions_report_per_unit_cost_and_account_moves_with_fills(adapter):
    before = await adapter.get_account_state()
    await adapter.place_order(put_spread("ic-2"))
    res = await adapter.wait_for_order("ic-2", lambda r: filled(r) and len(r.fills) == 2, SETTLE)
    positions = {p.symbol: p for p in await adapter.get_positions()}
    short = next(f for f in res.fills if f.action is Action.SELL)
    assert positions[put(550).symbol].quantity == -1
    assert positions[put(550).symbol].avg_cost == pytest.approx(short.price)  # not × 100
    after = await adapter.get_account_state()
    fees = sum(f.commission for f in res.fills)
    credit = -res.avg_fill_price * 100
    assert after.cash == pytest.approx(before.cash + credit - fees, abs=0.01)
    assert after.maintenance_margin > before.maintenance_margin


async def test_same_client_order_id_twice_sends_once(adapter, gateway):
    first = await adapter.place_order(put_spread("dup-1"))
    second = await adapter.place_order(put_spread("dup-1"))
    assert second.venue_order_id == first.venue_order_id
    assert len(gateway.placements("dup-1")) == 1
    assert len(gateway.orders_with_ref("dup-1")) == 1


async def test_concurrent_submissions_of_one_client_order_id_send_once(adapter, gateway):
    import asyncio

    results = await asyncio.gather(*(adapter.place_order(put_spread("race-1")) for _ in range(5)))
    assert len({r.venue_order_id for r in results}) == 1
    assert len(gateway.placements("race-1")) == 1


async def test_cancel_a_resting_order(adapter, gateway):
    gateway.hold_orders()
    res = await adapter.place_order(put_spread("c-1"))
    assert res.status is OrderStatus.SUBMITTED
    cancel = await adapter.cancel_order("c-1")
    assert cancel.cancelled and cancel.status is OrderStatus.CANCELLED
    (order,) = gateway.orders_with_ref("c-1")
    assert order.status == "Cancelled"
    again = await adapter.cancel_order("c-1")
    assert not again.cancelled and again.reason == "already cancelled"


async def test_cancel_all_uses_global_cancel_and_reports_each_order(adapter, gateway):
    gateway.hold_orders()
    await adapter.place_order(put_spread("k-1"))
    await adapter.place_order(single("k-2", call(570), Action.BUY, 1, limit=0.5))
    results = {r.client_order_id: r for r in await adapter.cancel_all()}
    assert set(results) == {"k-1", "k-2"} and all(r.cancelled for r in results.values())
    assert not gateway.orders.working()


async def test_quotes_for_stock_index_and_fx(adapter):
    quotes = {q.symbol: q for q in await adapter.get_quotes(["SPY", "SPX", "USDJPY", "NOPE"])}
    assert set(quotes) == {"SPY", "SPX", "USDJPY"}
    assert quotes["USDJPY"].is_two_sided and quotes["USDJPY"].mid == pytest.approx(150.25)


async def test_fx_carry_from_configured_interest_rates(make_adapter):
    ad = make_adapter(fx_interest_rates={"USD": (0.043, 0.058), "JPY": (0.0, 0.015)})
    await ad.connect()
    try:
        swap = await ad.get_swap_rates("USDJPY")
    finally:
        await ad.disconnect()
    spot = 150.25
    assert swap.long_pips_per_day == pytest.approx(spot * (0.043 - 0.015) / 360 / 0.01)
    assert swap.short_pips_per_day == pytest.approx(spot * (0.0 - 0.058) / 360 / 0.01)


async def test_option_quotes_recheck_for_chosen_contracts(adapter):
    quotes = await adapter.get_option_quotes([put(550), call(575)])
    assert [q.symbol for q in quotes] == [put(550).symbol, call(575).symbol]
    assert all(q.has_greeks and q.bid > 0 for q in quotes)


async def test_placements_carry_the_client_order_id_in_order_ref(adapter, gateway):
    await adapter.place_order(single("ref-xyz", call(570), Action.BUY, 1, limit=20.0))
    reqs = [r for _, r in gateway.requests if isinstance(r, PlaceOrderRequest)]
    assert [r.order_ref for r in reqs] == ["ref-xyz"]


async def test_daily_history_arrives_as_bars_ending_at_the_current_price(adapter, clock):
    bars = await adapter.get_bars("SPY", 30)
    assert len(bars) == 22  # weekdays in 30 calendar days back from Friday 2025-03-14
    assert bars[-1].close == pytest.approx(560.0, abs=0.01)
    assert all(b.low <= min(b.open, b.close) and b.high >= max(b.open, b.close) for b in bars)
    starts = [b.start for b in bars]
    assert starts == sorted(starts) and starts[-1].hour == 13 and starts[-1].minute == 30  # 09:30 EDT
    assert await adapter.get_bars("USDJPY", 5, "1 min") == []  # IB: no data (162)


async def test_historical_pacing_error_is_retried_after_the_identical_request_gap(adapter, gateway):
    from dorado_tui.venues.ibkr.gateway_sim.faults import PacingTarget
    from dorado_tui.venues.ibkr.pacing import HistoricalPacer

    waited: list[float] = []

    async def no_wait(seconds: float) -> None:  # record IB's 15 s rule instead of sitting it out
        waited.append(seconds)
        fake[0] += seconds

    fake = [0.0]
    adapter.market.historical = HistoricalPacer(now=lambda: fake[0], sleep=no_wait)
    gateway.pacing_violation(PacingTarget.HISTORICAL, 1)
    bars = await adapter.get_bars("QQQ", 10)
    assert len(bars) >= 6 and adapter.market.pacing_errors == 1
    assert sum(waited) == pytest.approx(15.0)  # the retry is the identical request


async def test_fx_order_fills_in_base_currency_units(adapter):
    from dorado_tui.domain.instruments import Instrument, SecType

    usdjpy = Instrument("USDJPY", SecType.FX, "USDJPY", tick=0.005, currency="JPY")
    await adapter.place_order(single("fx-1", usdjpy, Action.BUY, 25_000))
    res = await adapter.wait_for_order("fx-1", filled, SETTLE)
    (fill,) = res.fills
    assert (fill.symbol, fill.quantity, fill.multiplier) == ("USDJPY", 25_000, 1)
    assert fill.price == pytest.approx(150.25, abs=0.01)
