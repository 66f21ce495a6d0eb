"""Orders at the simulation venue: combos, buying power, partial fills, idempotency, rejects."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    OptionChain,
    OptionContract,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderStatus, OrderType
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.venues.simulation.venue import SimulationVenue

SPY = Instrument("SPY", SecType.STOCK, "SPY")
MONDAY_11AM = datetime(2024, 3, 11, 15, 0, tzinfo=UTC)
CONTRACT_FEE = 0.65


async def _chain(venue: SimulationVenue, underlying: str, min_days: int) -> tuple[date, OptionChain]:
    now = venue.clock.now().date()
    expiry = next(e for e in await venue.get_expirations(underlying) if (e - now).days >= min_days)
    return expiry, await venue.get_chain(underlying, expiry)


def _near(chain: OptionChain, expiry: date, delta: float, right: Right) -> OptionContract:
    c = chain.nearest_delta(delta, right, expiry)
    assert c is not None
    return c


def _at(chain: OptionChain, expiry: date, right: Right, strike: float) -> OptionContract:
    c = chain.find(expiry, right, strike)
    assert c is not None, (right, strike)
    return c


def _iron_condor(chain: OptionChain, expiry: date, width: float) -> tuple[OrderLeg, ...]:
    sp = _near(chain, expiry, -0.16, Right.PUT)
    sc = _near(chain, expiry, 0.16, Right.CALL)
    lp = _at(chain, expiry, Right.PUT, sp.strike - width)
    lc = _at(chain, expiry, Right.CALL, sc.strike + width)
    return (OrderLeg(sp.instrument, Action.SELL), OrderLeg(lp.instrument, Action.BUY),
            OrderLeg(sc.instrument, Action.SELL), OrderLeg(lc.instrument, Action.BUY))


async def test_iron_condor_fills_atomically_at_a_net_credit(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    expiry, chain = await _chain(venue, "SPY", 25)
    legs = _iron_condor(chain, expiry, 5.0)
    natural = sum(leg.action.sign * (_q(chain, leg).ask if leg.action is Action.BUY else _q(chain, leg).bid)
                  for leg in legs)
    before = await venue.get_account_state()

    result = await venue.place_order(Order("ic-1", legs, 2, OrderType.LIMIT, round(natural, 2)))

    assert result.status is OrderStatus.FILLED and result.filled_quantity == 2
    assert result.avg_fill_price is not None and result.avg_fill_price < 0  # a credit
    assert len(result.fills) == 4 and {f.quantity for f in result.fills} == {2.0}
    assert len({f.time for f in result.fills}) == 1
    net = sum(f.action.sign * f.price for f in result.fills)
    assert net == pytest.approx(result.avg_fill_price, abs=1e-9)
    after = await venue.get_account_state()
    commissions = 4 * 2 * CONTRACT_FEE
    assert after.cash - before.cash == pytest.approx(-result.avg_fill_price * 100 * 2 - commissions, abs=1e-6)
    assert after.initial_margin == pytest.approx(5.0 * 100 * 2)  # the wider side's width only
    positions = {p.symbol: p.quantity for p in await venue.get_positions()}
    assert positions == {leg.instrument.symbol: leg.action.sign * 2.0 for leg in legs}


def _q(chain: OptionChain, leg: OrderLeg) -> OptionContract:
    return next(c for c in chain.contracts if c.symbol == leg.instrument.symbol)


async def test_combo_limit_not_marketable_fills_nothing(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    expiry, chain = await _chain(venue, "SPY", 25)
    legs = _iron_condor(chain, expiry, 5.0)
    mid = sum(leg.action.sign * _q(chain, leg).mid for leg in legs)

    result = await venue.place_order(Order("ic-greedy", legs, 1, OrderType.LIMIT, round(mid - 0.5, 2)))

    assert result.status is OrderStatus.SUBMITTED and result.fills == ()
    assert await venue.get_positions() == []


async def test_cash_secured_put_without_buying_power_is_rejected_with_reason(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue(initial_cash=20_000.0)
    expiry, chain = await _chain(venue, "SPY", 25)
    put = _near(chain, expiry, -0.30, Right.PUT)  # strike × 100 is far above $20,000

    result = await venue.place_order(Order("csp-1", (OrderLeg(put.instrument, Action.SELL),), 1,
                                           OrderType.LIMIT, put.bid))

    assert result.status is OrderStatus.REJECTED
    assert result.reason.startswith("insufficient buying power: the order needs $")
    assert "available $20,000.00" in result.reason
    assert await venue.get_positions() == []
    assert (await venue.get_account_state()).cash == 20_000.0


async def test_cash_secured_put_within_buying_power_reserves_strike_times_100(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    expiry, chain = await _chain(venue, "SPY", 25)
    put = _near(chain, expiry, -0.30, Right.PUT)

    result = await venue.place_order(Order("csp-ok", (OrderLeg(put.instrument, Action.SELL),), 1,
                                           OrderType.LIMIT, put.bid))
    account = await venue.get_account_state()

    assert result.status is OrderStatus.FILLED
    assert account.initial_margin == pytest.approx(put.strike * 100)
    assert result.fills[0].commission == 1.0  # $0.65 lifted to the $1 order minimum
    credit = result.avg_fill_price * 100 - 1.0  # type: ignore[operator]
    assert account.buying_power == pytest.approx(100_000 + credit - put.strike * 100)


async def test_partially_filled_limit_order_reports_both_fills(make_venue, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue(partial_fill_fraction=0.6)
    quote = (await venue.get_quotes(["SPY"]))[0]

    first = await venue.place_order(Order("part-1", (OrderLeg(SPY, Action.BUY),), 10, OrderType.LIMIT,
                                          round(quote.ask + 1.0, 2)))
    clock.advance(timedelta(minutes=1))
    await venue.step()
    final = await venue.get_order("part-1")

    assert first.status is OrderStatus.PARTIALLY_FILLED and first.filled_quantity == 6
    assert final is not None and final.status is OrderStatus.FILLED and final.filled_quantity == 10
    assert [f.quantity for f in final.fills] == [6.0, 4.0]
    assert final.avg_fill_price == pytest.approx(sum(f.price * f.quantity for f in final.fills) / 10)
    assert {p.symbol: p.quantity for p in await venue.get_positions()} == {"SPY": 10.0}


async def test_same_client_order_id_twice_returns_the_existing_order(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    order = Order("dup-1", (OrderLeg(SPY, Action.BUY),), 5, OrderType.MARKET)

    first = await venue.place_order(order)
    second = await venue.place_order(order)
    third = await venue.place_order(Order("dup-1", (OrderLeg(SPY, Action.BUY),), 50, OrderType.MARKET))

    assert first.venue_order_id == second.venue_order_id == third.venue_order_id
    assert second.fills == first.fills and third.filled_quantity == 5
    assert {p.symbol: p.quantity for p in await venue.get_positions()} == {"SPY": 5.0}
    assert len(await venue.get_executions()) == 1


async def test_limit_order_rests_until_the_market_reaches_it(make_venue, market: SimulatedMarket,
                                                             clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    bars = market.intraday("SPY", date(2024, 3, 11))
    now_k = int((clock.now().timestamp() - bars.start[0]) // 60)
    later = min(range(now_k + 5, len(bars)), key=lambda k: bars.close[k])
    assert bars.close[later] < bars.close[now_k - 1] - 0.05, "needs a dip later in the session"
    limit = round(float(bars.close[later]) + 0.02, 2)

    placed = await venue.place_order(Order("rest-1", (OrderLeg(SPY, Action.BUY),), 3, OrderType.LIMIT, limit))
    open_orders = [o.client_order_id for o in await venue.get_open_orders()]
    clock.set(datetime.fromtimestamp(int(bars.start[later]) + 61, UTC))
    await venue.step()
    filled = await venue.get_order("rest-1")

    assert placed.status is OrderStatus.SUBMITTED and open_orders == ["rest-1"]
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert filled.avg_fill_price is not None and filled.avg_fill_price <= limit


@pytest.mark.parametrize("inst,reason", [
    (option_instrument("SPY", date(2024, 3, 28), Right.PUT, 220.3, ExerciseStyle.AMERICAN),
     "invalid contract: SPY has no strike 220.3"),
    (option_instrument("TLT", date(2024, 3, 26), Right.PUT, 90.0, ExerciseStyle.AMERICAN),
     "invalid contract: TLT lists no expiry on 2024-03-26"),
    (option_instrument("SPY", date(2024, 3, 8), Right.PUT, 220.0, ExerciseStyle.AMERICAN),
     "invalid contract: SPY240308P00220000 expired on 2024-03-08"),
    (option_instrument("SPX", date(2024, 3, 28), Right.PUT, 2200.0, ExerciseStyle.AMERICAN),
     "invalid contract: SPX options are european, not american"),
    (Instrument("SPX", SecType.INDEX, "SPX"), "invalid contract: SPX is an index and cannot be traded (trade its options)"),
    (Instrument("ACME", SecType.STOCK, "ACME"), "invalid contract: ACME (stock) is not traded at the simulation venue"),
])
async def test_invalid_contracts_are_rejected_with_reason(make_venue, inst: Instrument, reason: str) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()

    result = await venue.place_order(Order("bad-1", (OrderLeg(inst, Action.BUY),), 1, OrderType.MARKET))

    assert result.status is OrderStatus.REJECTED and result.reason == reason


async def test_market_closed_rejects_stock_but_crypto_trades_on_saturday(make_venue, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    clock.set(datetime(2024, 3, 9, 16, 0, tzinfo=UTC))
    btc = Instrument("BTC", SecType.CRYPTO, "BTC")

    stock = await venue.place_order(Order("sat-spy", (OrderLeg(SPY, Action.BUY),), 1, OrderType.MARKET))
    coin = await venue.place_order(Order("sat-btc", (OrderLeg(btc, Action.BUY),), 0.1, OrderType.MARKET))

    assert stock.status is OrderStatus.REJECTED and stock.reason.startswith("market closed: SPY")
    assert coin.status is OrderStatus.FILLED


async def test_cancel_working_order_then_cancel_again_is_refused(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    await venue.place_order(Order("c-1", (OrderLeg(SPY, Action.BUY),), 1, OrderType.LIMIT, 1.00))

    first = await venue.cancel_order("c-1")
    second = await venue.cancel_order("c-1")
    unknown = await venue.cancel_order("never")

    assert first.cancelled and first.status is OrderStatus.CANCELLED
    assert not second.cancelled and second.reason == "order is already cancelled"
    assert not unknown.cancelled and unknown.reason == "no such order at the venue"
    assert await venue.get_open_orders() == []


async def test_market_order_pays_the_ask_plus_slippage_and_the_commission_minimum(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    quote = (await venue.get_quotes(["SPY"]))[0]

    result = await venue.place_order(Order("mkt-1", (OrderLeg(SPY, Action.BUY),), 10, OrderType.MARKET))

    [fill] = result.fills
    assert fill.price == pytest.approx(quote.ask * (1 + 1e-4))  # 1 bp default slippage
    assert fill.commission == pytest.approx(1.0)  # 10 × $0.005 lifted to the $1 minimum


async def test_spot_crypto_cannot_be_sold_short(make_venue) -> None:  # type: ignore[no-untyped-def]
    venue = await make_venue()
    eth = Instrument("ETH", SecType.CRYPTO, "ETH")

    result = await venue.place_order(Order("eth-short", (OrderLeg(eth, Action.SELL),), 1, OrderType.MARKET))

    assert result.status is OrderStatus.REJECTED
    assert result.reason == "insufficient ETH to sell: holding 0, selling 1 (spot crypto cannot be shorted)"


async def _fills_digest(venue: SimulationVenue, clock: FixedClock) -> str:
    expiry, chain = await _chain(venue, "SPY", 25)
    await venue.place_order(Order("h-ic", _iron_condor(chain, expiry, 5.0), 1, OrderType.MARKET))
    await venue.place_order(Order("h-spy", (OrderLeg(SPY, Action.BUY),), 7, OrderType.MARKET))
    clock.advance(timedelta(days=7))
    fills = await venue.get_executions()
    return hashlib.sha256(repr([(f.exec_id, f.symbol, f.quantity, f.price, f.commission) for f in fills])
                          .encode()).hexdigest()


async def test_same_seed_and_orders_give_identical_fills(market: SimulatedMarket) -> None:
    digests = []
    for _ in range(2):
        clock = FixedClock(MONDAY_11AM)
        venue = SimulationVenue(SimulatedMarket(market.spec, until=date(2024, 6, 1)), clock)
        await venue.connect()
        digests.append(await _fills_digest(venue, clock))
        await venue.disconnect()
    assert digests[0] == digests[1]
