"""IBKR adapter speed against the gateway simulator (localhost, unmodified ib_async client).

Figures: combo order round trip (place → filled with both legs' commissions), a cold option
chain under IB pacing (40 msg/s + burst 10), a cached chain, and the pure ticker → OptionContract
mapping. The chain figure is dominated by pacing by design: IB's limit, not CPU, sets it.
"""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, date, datetime

from ib_async import Option
from ib_async.objects import OptionComputation
from ib_async.ticker import Ticker

from benchmarks.harness import Result, best_ms, percentile
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import ExerciseStyle, Right, option_instrument
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderStatus, OrderType
from dorado_tui.venues.ibkr.adapter import IBKRAdapter
from dorado_tui.venues.ibkr.config import IBKRConfig
from dorado_tui.venues.ibkr.gateway_sim.memory_book import MemoryBook
from dorado_tui.venues.ibkr.gateway_sim.server import GatewaySimulator
from dorado_tui.venues.ibkr.mapping import option_from_ticker

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
EXPIRY = date(2025, 3, 28)
ORDERS = 40
CHAIN_STRIKES = 12


def _put(strike: float):  # type: ignore[no-untyped-def]
    return option_instrument("SPY", EXPIRY, Right.PUT, strike, ExerciseStyle.AMERICAN)


async def _session() -> tuple[list[float], float, float]:
    clock = FixedClock(NOW)
    async with GatewaySimulator(MemoryBook(clock, cash=10_000_000.0), clock) as gw:
        ad = IBKRAdapter(IBKRConfig(port=gw.port, client_id=1, chain_max_strikes=CHAIN_STRIKES), clock)
        await ad.connect()
        try:
            await ad.place_order(Order("warm", (OrderLeg(_put(550), Action.SELL),
                                                OrderLeg(_put(545), Action.BUY)), 1, OrderType.LIMIT,
                                       limit_price=0.0))
            latencies = []
            for i in range(ORDERS):
                order = Order(f"b-{i}", (OrderLeg(_put(550), Action.SELL), OrderLeg(_put(545), Action.BUY)),
                              1, OrderType.LIMIT, limit_price=0.0)
                t0 = time.perf_counter()
                await ad.place_order(order)
                await ad.wait_for_order(order.client_order_id, lambda r: r.status is OrderStatus.FILLED
                                        and len(r.fills) == 2 and all(f.commission for f in r.fills), 5.0)
                latencies.append(time.perf_counter() - t0)
                await asyncio.sleep(0.1)  # an operator's pace: measure latency, not the 40 msg/s cap
            t0 = time.perf_counter()
            await ad.get_chain("QQQ", EXPIRY)
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            await ad.get_chain("QQQ", EXPIRY)
            cached = time.perf_counter() - t0
        finally:
            await ad.disconnect()
    return latencies, cold, cached


def _tickers(n: int) -> list[Ticker]:
    out = []
    for i in range(n):
        t = Ticker(contract=Option(conId=i + 1))
        t.bid, t.ask, t.volume, t.putOpenInterest = 2.0 + i * 1e-4, 2.1 + i * 1e-4, 10.0, 500.0
        t.modelGreeks = OptionComputation(0, 0.2, -0.3, 2.05, 0.0, 0.01, 0.4, -0.2, 560.0)
        out.append(t)
    return out


def main() -> list[Result]:
    latencies, cold, cached = asyncio.run(_session())
    inst = _put(550)
    tickers = _tickers(10_000)
    mapping_ms = best_ms(lambda: [option_from_ticker(inst, t, NOW) for t in tickers], repeat=7)
    assert not math.isnan(mapping_ms)
    return [
        Result("combo order round trip p50", percentile(latencies, 50) * 1e3, "ms", 30.0,
               f"{ORDERS} two-leg combos, sim on localhost"),
        Result("combo order round trip p99", percentile(latencies, 99) * 1e3, "ms", 60.0,
               f"{ORDERS} two-leg combos, sim on localhost"),
        Result("cold option chain (paced)", cold, "s", 2.5,
               f"{CHAIN_STRIKES} strikes × 2 rights, 40 msg/s + burst 9"),
        Result("cached option chain", cached * 1e3, "ms", 1.0, "same chain within 120 s"),
        Result("ticker → OptionContract mapping", mapping_ms, "ms", 200.0, "10,000 tickers (≤ 20 µs each)"),
    ]


if __name__ == "__main__":
    from benchmarks.harness import print_results

    print_results(main())
