"""Margin, FX/crypto accounting, market data, pacing and rates at the simulation venue."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.errors import PacingViolation
from dorado_tui.domain.instruments import Instrument, Right, SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderStatus, OrderType
from dorado_tui.market.config import DefectRates

SPY = Instrument("SPY", SecType.STOCK, "SPY")


async def _expiry(venue, min_days: int) -> date:  # type: ignore[no-untyped-def]
    now = venue.clock.now().date()
    return next(e for e in await venue.get_expirations("SPY") if (e - now).days >= min_days)


async def test_put_credit_spread_uses_width_times_100_minus_credit_of_buying_power(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    expiry = await _expiry(venue, 25)
    chain = await venue.get_chain("SPY", expiry)
    short = chain.nearest_delta(-0.2, Right.PUT, expiry)
    assert short is not None
    long = chain.find(expiry, Right.PUT, short.strike - 3)
    assert long is not None
    before = await venue.get_account_state()

    result = await venue.place_order(Order("pcs", (OrderLeg(short.instrument, Action.SELL),
                                                   OrderLeg(long.instrument, Action.BUY)), 1, OrderType.MARKET))
    after = await venue.get_account_state()

    credit = -result.avg_fill_price * 100  # type: ignore[operator]
    commission = sum(f.commission for f in result.fills)
    assert credit > 0
    assert before.buying_power - after.buying_power == pytest.approx(3 * 100 - credit + commission)
    assert after.initial_margin == pytest.approx(300)


async def test_covered_call_needs_no_margin_beyond_the_shares(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    expiry = await _expiry(venue, 25)
    chain = await venue.get_chain("SPY", expiry)
    call = chain.nearest_delta(0.3, Right.CALL, expiry)
    assert call is not None
    await venue.place_order(Order("stock", (OrderLeg(SPY, Action.BUY),), 100, OrderType.MARKET))
    with_stock = await venue.get_account_state()

    await venue.place_order(Order("cc", (OrderLeg(call.instrument, Action.SELL),), 1, OrderType.MARKET))
    covered = await venue.get_account_state()

    assert covered.initial_margin == pytest.approx(with_stock.initial_margin)
    assert with_stock.initial_margin == pytest.approx(0.5 * 100 * (await venue.get_positions())[0].mark)


async def test_naked_short_call_pays_the_reg_t_formula(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    expiry = await _expiry(venue, 25)
    chain = await venue.get_chain("SPY", expiry)
    call = chain.nearest_delta(0.2, Right.CALL, expiry)
    assert call is not None

    await venue.place_order(Order("naked", (OrderLeg(call.instrument, Action.SELL),), 1, OrderType.MARKET))
    account = await venue.get_account_state()

    spot = chain.underlying_price
    expected = max(0.2 * spot - (call.strike - spot), 0.1 * spot) * 100
    assert account.initial_margin == pytest.approx(expected, rel=1e-3)


async def test_fx_position_realises_pnl_in_usd_when_closed(make_venue, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    pair = Instrument("USDJPY", SecType.FX, "USDJPY", tick=0.001, currency="JPY")
    start_cash = (await venue.get_account_state()).cash

    bought = await venue.place_order(Order("fx-1", (OrderLeg(pair, Action.BUY),), 100_000, OrderType.MARKET))
    clock.advance(timedelta(days=1))
    sold = await venue.place_order(Order("fx-2", (OrderLeg(pair, Action.SELL),), 100_000, OrderType.MARKET))
    end_cash = (await venue.get_account_state()).cash

    entry, exit_ = bought.fills[0].price, sold.fills[0].price
    fees = bought.fills[0].commission + sold.fills[0].commission
    assert end_cash - start_cash == pytest.approx(100_000 * (exit_ - entry) / exit_ - fees)
    assert await venue.get_positions() == []


async def test_quotes_cover_stocks_indices_fx_crypto_and_option_symbols(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    expiry = await _expiry(venue, 25)
    chain = await venue.get_chain("SPY", expiry)
    option = chain.contracts[len(chain.contracts) // 2]

    quotes = {q.symbol: q for q in await venue.get_quotes(["SPY", "SPX", "USDJPY", "BTC", option.symbol, "NOPE"])}

    assert set(quotes) == {"SPY", "SPX", "USDJPY", "BTC", option.symbol}
    assert quotes["SPY"].is_two_sided and quotes["SPY"].bid < quotes["SPY"].last < quotes["SPY"].ask
    assert math.isnan(quotes["SPX"].bid) and quotes["SPX"].last > 0
    assert (quotes[option.symbol].bid, quotes[option.symbol].ask) == (option.bid, option.ask)


async def test_pacing_limit_raises_and_recovers_a_second_later(make_venue, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue(enforce_pacing=True, defects=DefectRates(pacing_limit_per_s=5))
    for _ in range(5):
        await venue.get_quotes(["SPY"])

    with pytest.raises(PacingViolation, match="more than 5 market-data requests per second") as caught:
        await venue.get_expirations("SPY")
    clock.advance(timedelta(seconds=1))

    assert caught.value.retry_after == 1.0
    assert await venue.get_expirations("SPY")


async def test_injected_pacing_errors_follow_their_rate(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue(defects=DefectRates(pacing=0.3, pacing_limit_per_s=10_000))
    failures = 0
    for _ in range(200):
        try:
            await venue.get_quotes(["SPY"])
        except PacingViolation:
            failures += 1

    assert 35 <= failures <= 85


async def test_venue_chains_carry_the_configured_defects(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue(defects=DefectRates(partial_chain=1.0))
    expiry = await _expiry(venue, 25)

    chain = await venue.get_chain("SPY", expiry)
    fresh = await venue.get_option_quotes([c.instrument for c in chain.contracts[:5]])

    assert sum(c.delta is None for c in chain.contracts) / len(chain.contracts) > 0.1
    assert all(c.delta is not None for c in fresh)


async def test_swap_and_funding_rates(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()

    swap = await venue.get_swap_rates("USDJPY")
    funding = await venue.get_funding_rate("BTC")

    assert swap.long_pips_per_day > swap.short_pips_per_day  # long USD earns the US-JP differential
    assert abs(funding.rate_8h) < 0.003 and funding.time.hour in (0, 8, 16)


async def test_market_orders_cannot_sell_into_an_empty_bid(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    expiry = await _expiry(venue, 0)  # today's 0DTE: its far wings have no bid
    chain = await venue.get_chain("SPY", expiry)
    worthless = next(c for c in chain.contracts if c.bid == 0)

    result = await venue.place_order(Order("nobid", (OrderLeg(worthless.instrument, Action.SELL),), 1,
                                           OrderType.MARKET))

    assert result.status is OrderStatus.REJECTED
    assert result.reason == "no market: a market order would sell into an empty bid"
