"""Run the gateway simulator as a process: the TWS port, the control channel, a market clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dorado_tui.domain.clock import Clock, RealClock
from dorado_tui.venues.ibkr.gateway_sim.book import Book
from dorado_tui.venues.ibkr.gateway_sim.control import ControlServer
from dorado_tui.venues.ibkr.gateway_sim.server import GatewayConfig, GatewaySimulator

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunOptions:
    port: int = 4002
    control_port: int = 14002
    server_version: int = 178
    step_seconds: float = 1.0  # how often resting orders trade and streams get fresh quotes
    book: str = "memory"  # memory | simulation
    home: Path | None = None  # the Dorado home whose simulated market backs "simulation"


async def make_book(options: RunOptions, clock: Clock) -> Book:
    """The in-memory book, or Dorado's simulation venue (its own state file in the home)."""
    if options.book == "memory":
        from dorado_tui.venues.ibkr.gateway_sim.memory_book import MemoryBook

        return MemoryBook(clock)
    if options.book != "simulation":
        raise ValueError(f"unknown book {options.book!r}: use memory or simulation")
    from dorado_tui.market.simulator import SimulatedMarket
    from dorado_tui.market.spec import MarketSpec, load_spec
    from dorado_tui.market.universe import FX_PAIRS, INDICES, STOCKS, instrument_for
    from dorado_tui.venues.ibkr.gateway_sim.venue_book import VenueBook
    from dorado_tui.venues.simulation.venue import SimulationVenue

    state = (options.home or Path.cwd()) / "state"
    market = SimulatedMarket(load_spec(state) or MarketSpec.default())
    venue = SimulationVenue(market, clock, state / "gateway_sim_venue.sqlite")
    await venue.connect()
    return VenueBook(venue, clock, [instrument_for(s) for s in (*STOCKS, *INDICES, *FX_PAIRS)])


async def _market_clock(gw: GatewaySimulator, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await gw.step()
            await gw.publish_quotes()
        except Exception:  # keep serving: one bad step must not stop the simulator
            log.exception("gateway simulator market step failed")


async def serve(options: RunOptions, on_ready: Callable[[dict[str, Any]], None],
                book: Book | None = None, clock: Clock | None = None) -> None:
    """Serve until SIGINT/SIGTERM; `on_ready` gets the ports once both are listening."""
    clock = clock or RealClock()
    gw = GatewaySimulator(book or await make_book(options, clock), clock,
                          GatewayConfig(port=options.port, server_version=options.server_version))
    control = ControlServer(gw, options.control_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await gw.start()
    await control.start()
    ticker = asyncio.create_task(_market_clock(gw, options.step_seconds))
    try:
        on_ready({"port": gw.port, "control_port": control.port, "account": gw.book.account_id,
                  "server_version": options.server_version})
        await stop.wait()
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        await control.stop()
        await gw.stop()
