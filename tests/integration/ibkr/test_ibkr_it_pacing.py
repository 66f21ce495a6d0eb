"""Every API message on the wire is paced: a burst of quote requests, their cancels, snapshots and
messages ib_async sends on its own never draws IB's error 100 (the simulator counts each one)."""

from __future__ import annotations

import asyncio

from ib_async import IB
from ibkr_helpers import EXPIRY

from dorado_tui.venues.ibkr.gateway_sim.requests import MarketDataRequest, SimpleRequest


def _count(gateway, kind, pred=lambda r: True) -> int:
    return sum(1 for _, r in gateway.requests if isinstance(r, kind) and pred(r))


async def test_quote_burst_with_cancels_snapshots_and_raw_sends_stays_under_ibs_50_per_second(
        adapter, gateway):
    listed = await adapter.contracts.expiry_options("SPY", EXPIRY)
    options = sorted(listed, key=lambda ic: abs((ic[0].strike or 0.0) - 560.0))[:24]
    under = await adapter.contracts.underlying("SPY")
    before = len(gateway.requests)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for _ in range(60):  # heartbeats ib_async writes straight to the socket, outside the adapter
        adapter.ib.client.reqCurrentTime()
    quotes, snaps = await asyncio.gather(
        adapter.market.option_quotes([i for i, _ in options], [c for _, c in options]),
        asyncio.gather(*(adapter.market.snapshot(under) for _ in range(12))))
    await adapter.refresh()  # one token, several messages (open, completed, executions, ...)
    elapsed = loop.time() - t0

    assert len(quotes) == 24 and all(t.bid > 0 for _, t in quotes)
    assert len(snaps) == 12 and all(t.bid > 0 for t in snaps)
    assert _count(gateway, SimpleRequest, lambda r: r.name == "current_time") >= 60
    sent = len(gateway.requests) - before
    assert sent >= 60 + 24 * 2 + 12 + 3
    assert gateway.pacing_violations == 0
    assert adapter.wire.held > 0  # the meter, not luck, kept the pace
    # 40/s after a burst of 5: the last of `sent` messages cannot leave before (sent - 5) / 40 s
    assert elapsed >= (sent - 5) / 40 - 0.05
    assert adapter.status().pacing_budget < 50


async def test_the_simulator_answers_error_100_to_an_unpaced_client(gateway):
    ib = IB()
    ib.client.MaxRequests = 0  # no throttle at all: what a bypass of the bucket looks like
    errors: list[int] = []
    ib.errorEvent += lambda req_id, code, *_: errors.append(code)
    await ib.connectAsync("127.0.0.1", gateway.port, clientId=31, timeout=3)
    try:
        for _ in range(60):
            ib.client.reqCurrentTime()
        for _ in range(100):
            if 100 in errors:
                break
            await asyncio.sleep(0.01)
    finally:
        ib.disconnect()
    assert gateway.pacing_violations >= 1 and 100 in errors
    assert _count(gateway, MarketDataRequest) == 0
