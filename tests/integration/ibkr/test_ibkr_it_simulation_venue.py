"""The gateway simulator backed by Dorado's simulation venue: open, fill, monitor, close a
combo through ib_async, and check the venue and the adapter agree on every number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import Right
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderStatus, OrderType
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.market.universe import FX_PAIRS, INDICES, STOCKS, instrument_for
from dorado_tui.venues.ibkr.adapter import IBKRAdapter
from dorado_tui.venues.ibkr.config import IBKRConfig
from dorado_tui.venues.ibkr.gateway_sim.server import GatewaySimulator
from dorado_tui.venues.ibkr.gateway_sim.venue_book import VenueBook
from dorado_tui.venues.simulation.venue import SimulationVenue

SETTLE = 10.0
MONDAY_11_NY = datetime(2016, 3, 14, 15, 0, tzinfo=UTC)


def done(legs: int):
    return lambda r: r.status is OrderStatus.FILLED and len(r.fills) == legs


async def test_combo_round_trip_through_ib_async_against_the_simulation_venue(tmp_path):
    clock = FixedClock(MONDAY_11_NY)
    venue = SimulationVenue(SimulatedMarket(MarketSpec.default()), clock, tmp_path / "venue.sqlite")
    await venue.connect()
    book = VenueBook(venue, clock, [instrument_for(s) for s in (*STOCKS, *INDICES, *FX_PAIRS)])
    async with GatewaySimulator(book, clock) as gw:
        ad = IBKRAdapter(IBKRConfig(port=gw.port, client_id=21, chain_max_strikes=6, quote_wait_s=5.0,
                                    request_timeout_s=30.0, order_ack_timeout_s=10.0), clock)
        await ad.connect()
        try:
            expiries = await ad.get_expirations("SPY")
            assert expiries == await venue.get_expirations("SPY")
            expiry = expiries[4]
            chain = await ad.get_chain("SPY", expiry)
            ours = {c.symbol: c for c in (await venue.get_chain("SPY", expiry)).contracts}
            assert len(chain.contracts) == 12
            for c in chain.contracts:  # raw prices and Greeks cross the wire unchanged
                v = ours[c.symbol]
                assert (c.bid, c.ask, c.delta, c.gamma, c.implied_vol, c.open_interest) == (
                    v.bid, v.ask, v.delta, v.gamma, v.implied_vol, v.open_interest)

            puts = chain.strikes(expiry, Right.PUT)
            short, long_ = chain.find(expiry, Right.PUT, puts[2]), chain.find(expiry, Right.PUT, puts[0])
            opening = Order("sim-open", (OrderLeg(short.instrument, Action.SELL),
                                         OrderLeg(long_.instrument, Action.BUY)), 2, OrderType.LIMIT,
                            limit_price=0.0)
            await ad.place_order(opening)
            opened = await ad.wait_for_order("sim-open", done(2), SETTLE)
            venue_fills = await venue.get_executions()
            assert sorted((f.symbol, f.action, f.quantity, f.price) for f in opened.fills) == sorted(
                (f.symbol, f.action, f.quantity, f.price) for f in venue_fills)

            positions = {p.symbol: p for p in await ad.get_positions()}
            at_venue = {p.symbol: p for p in await venue.get_positions()}
            assert {s: p.quantity for s, p in positions.items()} == {s: p.quantity for s, p in at_venue.items()}
            assert positions[short.symbol].quantity == -2
            for sym, p in positions.items():
                assert p.avg_cost == pytest.approx(at_venue[sym].avg_cost)
            acct, venue_acct = await ad.get_account_state(), await venue.get_account_state()
            assert acct.cash == pytest.approx(venue_acct.cash, abs=0.01)

            closing = Order("sim-close", (OrderLeg(short.instrument, Action.BUY),
                                          OrderLeg(long_.instrument, Action.SELL)), 2, OrderType.LIMIT,
                            limit_price=short.ask + 1.0)
            await ad.place_order(closing)
            await ad.wait_for_order("sim-close", done(2), SETTLE)
            assert await ad.get_positions() == []
            assert await venue.get_positions() == []
            assert len(gw.placements()) == 2
        finally:
            await ad.disconnect()
            await venue.disconnect()
