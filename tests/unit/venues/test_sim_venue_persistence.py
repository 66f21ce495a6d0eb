"""The simulation venue's state survives restarts and SIGKILL: acknowledged means durable."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderStatus, OrderType
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.venues.simulation.venue import SimulationVenue

SPY = Instrument("SPY", SecType.STOCK, "SPY")
ROOT = Path(__file__).resolve().parents[3]


async def test_a_new_process_sees_the_same_broker(make_venue, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sim_venue.sqlite"
    first = await make_venue(path=path)
    placed = await first.place_order(Order("p-1", (OrderLeg(SPY, Action.BUY),), 3, OrderType.MARKET))
    await first.place_order(Order("p-2", (OrderLeg(SPY, Action.BUY),), 1, OrderType.LIMIT, 1.0))
    cash = (await first.get_account_state()).cash
    await first.disconnect()

    second = await make_venue(path=path)
    again = await second.place_order(Order("p-1", (OrderLeg(SPY, Action.BUY),), 3, OrderType.MARKET))

    assert again.venue_order_id == placed.venue_order_id and again.fills == placed.fills
    assert {p.symbol: p.quantity for p in await second.get_positions()} == {"SPY": 3.0}
    assert [o.client_order_id for o in await second.get_open_orders()] == ["p-2"]
    assert (await second.get_account_state()).cash == cash


_CHILD = """
import asyncio, json, os, signal, sys
from datetime import UTC, date, datetime
from pathlib import Path
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.venues.simulation.venue import SimulationVenue

async def main():
    market = SimulatedMarket(MarketSpec(7, date(2015, 1, 2)), until=date(2024, 6, 1))
    venue = SimulationVenue(market, FixedClock(datetime(2024, 3, 11, 15, 0, tzinfo=UTC)), Path(sys.argv[1]))
    await venue.connect()
    spy = Instrument("SPY", SecType.STOCK, "SPY")
    result = await venue.place_order(Order("kill-1", (OrderLeg(spy, Action.BUY),), 4, OrderType.MARKET))
    print(json.dumps({"status": result.status.value, "venue_order_id": result.venue_order_id}), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no clean shutdown, no flush, nothing after the ack

asyncio.run(main())
"""


async def test_an_acknowledged_order_survives_sigkill(make_venue, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sim_venue.sqlite"

    child = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", _CHILD, str(path)],
                                    capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    ack = json.loads(child.stdout.strip().splitlines()[-1])
    venue = await make_venue(path=path)
    order = await venue.get_order("kill-1")

    assert child.returncode == -signal.SIGKILL
    assert ack["status"] == "filled"
    assert order is not None and order.status is OrderStatus.FILLED
    assert order.venue_order_id == ack["venue_order_id"]
    assert {p.symbol: p.quantity for p in await venue.get_positions()} == {"SPY": 4.0}


async def test_a_state_file_of_another_market_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sim_venue.sqlite"
    clock = FixedClock(datetime(2024, 3, 11, 15, 0, tzinfo=UTC))
    venue = SimulationVenue(SimulatedMarket(MarketSpec(7, date(2015, 1, 2)), until=date(2024, 6, 1)), clock, path)
    await venue.connect()
    await venue.disconnect()
    other = SimulationVenue(SimulatedMarket(MarketSpec(8, date(2015, 1, 2)), until=date(2024, 6, 1)), clock, path)

    with pytest.raises(VenueError, match="trades the market of seed 7 starting 2015-01-02, not seed 8"):
        await other.connect()


async def test_calls_before_connect_fail_clearly(market: SimulatedMarket) -> None:
    venue = SimulationVenue(market, FixedClock(datetime(2024, 3, 11, 15, 0, tzinfo=UTC)))

    with pytest.raises(VenueError, match="not connected"):
        await venue.get_positions()
    assert not venue.status().connected
