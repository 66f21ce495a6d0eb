"""The services one console process runs on: the runtime (store, bus, cache, leases, venues), the
risk service, the lifecycle, the scanner handing its candidates to the lifecycle, and the kill
switch, registered in `runtime.services` so the built-in scheduler's jobs use the same ones.

Opened on the engine's own loop (`thread.EngineLoop`), so validating the configuration and
building the simulated market (a few seconds) never hold up the console's loop; the store's
schema is checked before the market is built, so a home that was never initialised fails fast.
Venues that cannot be reached do not stop the console: it opens on the store, shows the venue
disconnected with the error, and keeps trying (`VenueLink`).
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import VenueError
from dorado_tui.engine.kill_switch import KillSwitch
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.engine.lifecycle.settings import LifecycleSettings
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.engine.runtime import Runtime, open_runtime
from dorado_tui.engine.scan.model import ScanResult
from dorado_tui.engine.scan.service import Scanner
from dorado_tui.home import Home
from dorado_tui.settings.config import Config, load_config
from dorado_tui.venues.base import VenueAdapter

#: Seconds between attempts to reach a venue that refused the first connection.
RECONNECT_SECONDS = 15.0


def operator_name() -> str:
    """Who is at the console (the audit log's actor for operator actions)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


class LifecycleSink:
    """The scanner's candidate sink: the lifecycle's intake (approval gate, auto-execute, twins)."""

    name = "lifecycle"

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle

    async def intake(self, result: ScanResult) -> None:
        await self.lifecycle.intake(result)


@dataclass
class VenueLink:
    """Connects the runtime's venues, retrying in the background while one cannot be reached."""

    venues: tuple[VenueAdapter, ...]
    every: float = RECONNECT_SECONDS
    error: str = ""
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    async def connect(self) -> bool:
        """Try every venue once; True when all are connected (`error` says why not)."""
        for venue in self.venues:
            if venue.status().connected:
                continue
            try:
                await venue.connect()
            except (VenueError, OSError, TimeoutError) as exc:
                self.error = f"{venue.name}: {getattr(exc, 'message', None) or exc or type(exc).__name__}"
                return False
        self.error = ""
        return True

    async def start(self) -> None:
        if not await self.connect():
            self._task = asyncio.create_task(self._retry(), name="console-venue-reconnect")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _retry(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            if await self.connect():
                return


@dataclass
class ConsoleEngine:
    """Everything the console backend calls."""

    rt: Runtime
    risk: RiskService
    lifecycle: Lifecycle
    scanner: Scanner
    kill_switch: KillSwitch
    link: VenueLink
    operator: str

    @property
    def config(self) -> Config:
        return self.rt.config


@asynccontextmanager
async def open_engine(home: Home, clock: Clock, *, config: Config | None = None, venue: VenueAdapter | None = None,
                      twin_venue: VenueAdapter | None = None, settings: LifecycleSettings | None = None,
                      operator: str | None = None) -> AsyncIterator[ConsoleEngine]:
    """Open the console's services on the running loop; close them (never cancelling an order)."""
    config = config or load_config(home)
    who = operator or operator_name()
    async with open_runtime(config=config, clock=clock, venue=venue, twin_venue=twin_venue, connect=False) as rt:
        link = VenueLink((rt.twin_venue, rt.venue))
        await link.start()
        risk = RiskService(rt.db, config.risk_policy, clock, rt.bus)
        lifecycle = Lifecycle.from_runtime(rt, risk=risk, settings=settings or LifecycleSettings(), operator=who)
        # Registering the bots is safe from any process; intent recovery is the scheduler owner's job.
        await lifecycle.start(recover=False)
        sink = LifecycleSink(lifecycle)
        scanner = Scanner.from_runtime(rt, sink=sink)
        switch = KillSwitch(risk, rt.venue, clock)
        rt.services.update(risk=risk, lifecycle=lifecycle, candidate_sink=sink, kill_switch=switch)
        try:
            yield ConsoleEngine(rt, risk, lifecycle, scanner, switch, link, who)
        finally:
            await link.stop()
