"""The IB connection's life: connect with timeout, reconnect with jittered backoff, 326 retries,
1100/1101/1102/2110 handling, outage escalation, heartbeat, and the resync gate.

Trading is allowed only in READY. Every (re)connect passes through SYNCING: the adapter pulls
executions, open and completed orders and positions and awaits the reconciliation hook; only
when that returns True does the state become READY. A second disconnect event while a
reconnect is already running is ignored, so the event firing twice never starts two loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum

from ib_async import IB

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.states import TradingState
from dorado_tui.venues.ibkr.config import IBKRConfig
from dorado_tui.venues.ibkr.outage import (
    RestartWindow,
    VenueAlert,
    outage_seconds,
    recommendation,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
AlertSink = Callable[[VenueAlert], Awaitable[None] | None]


class LinkState(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    SYNCING = "syncing"  # connected, pulling state and reconciling: no orders yet
    READY = "ready"
    DEGRADED = "degraded"  # socket up but IB's upstream lost (1100/2110): no orders
    PAUSED = "paused"  # reconciliation refused to resume trading
    STOPPED = "stopped"


class ClientIdInUse(VenueError):
    """IB error 326: another session holds this clientId."""


class ConnectionManager:
    """Owns the `IB` instance's connection and decides when trading may proceed."""

    def __init__(self, ib: IB, config: IBKRConfig, clock: Clock, *, name: str = "ibkr",
                 sleep: Sleep = asyncio.sleep, rng: random.Random | None = None) -> None:
        self.ib = ib
        self.config = config
        self.clock = clock
        self.name = name
        self._state = LinkState.DISCONNECTED
        self._state_waiters: set[asyncio.Future[None]] = set()
        self.window = RestartWindow(config.nightly_restart_start, config.nightly_restart_minutes,
                                    config.nightly_restart_tz)
        self.on_connected: Callable[[], Awaitable[bool]] | None = None
        self.on_resubscribe: Callable[[], Awaitable[None]] | None = None
        self.on_alert: AlertSink | None = None
        self.outage_since: datetime | None = None
        self.sync_reason = ""  # connect | reconnect | data-lost | manual (read by on_connected)
        self.last_heartbeat: datetime | None = None
        self.reconnects = 0
        self.delays: list[float] = []  # every backoff delay taken (status and tests)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._reconnect_task: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._side_tasks: set[asyncio.Task[None]] = set()
        self._alerted = TradingState.ACTIVE
        self._in_use = False
        self._ready = asyncio.Event()
        ib.disconnectedEvent += self._on_disconnected
        ib.errorEvent += self._on_error
        ib.updateEvent += self._on_update

    # --- public ------------------------------------------------------------------------
    @property
    def state(self) -> LinkState:
        return self._state

    @state.setter
    def state(self, value: LinkState) -> None:
        self._state = value
        for waiter in list(self._state_waiters):
            if not waiter.done():
                waiter.set_result(None)

    async def wait_state(self, predicate: Callable[[LinkState], bool], within: float) -> LinkState:
        """Wait until the link state satisfies `predicate`; TimeoutError after `within` s."""
        async def watch() -> LinkState:
            while not predicate(self._state):
                waiter = asyncio.get_running_loop().create_future()
                self._state_waiters.add(waiter)
                try:
                    await waiter
                finally:
                    self._state_waiters.discard(waiter)
            return self._state

        return await asyncio.wait_for(watch(), within)

    @property
    def trading_allowed(self) -> bool:
        return self.state is LinkState.READY

    async def connect(self) -> None:
        """First connection: retries only on 326; raises VenueError when the gateway is absent."""
        self.state = LinkState.CONNECTING
        delay = self.config.client_id_in_use_backoff_s
        for attempt in range(self.config.connect_retries_326 + 1):
            try:
                await self._attempt()
                break
            except ClientIdInUse:
                if attempt == self.config.connect_retries_326:
                    self.state = LinkState.DISCONNECTED
                    raise
                await self._backoff(delay)
                delay = min(delay * 2, self.config.reconnect_max_s)
            except VenueError:
                self.state = LinkState.DISCONNECTED
                raise
        await self._after_connect("connect")
        self._start_watchdog()

    async def disconnect(self) -> None:
        self.state = LinkState.STOPPED
        for task in (self._reconnect_task, self._watchdog):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self.ib.disconnect()

    async def wait_ready(self, within: float) -> bool:
        """Wait until trading may proceed; False when `within` seconds pass first."""
        try:
            await asyncio.wait_for(self._ready.wait(), within)
        except TimeoutError:
            return False
        return True

    def in_restart_window(self, now: datetime | None = None) -> bool:
        return self.window.contains(now or self.clock.now())

    def outage_s(self, now: datetime | None = None) -> float:
        if self.outage_since is None:
            return 0.0
        return outage_seconds(self.outage_since, now or self.clock.now(), self.window)

    async def evaluate_outage(self, now: datetime | None = None) -> TradingState:
        """Recommend a trading state for the current outage; alerts once per escalation."""
        now = now or self.clock.now()
        level = recommendation(self.outage_s(now), self.config.outage_reducing_after_s,
                               self.config.outage_halt_after_s)
        if level.severity > self._alerted.severity:
            self._alerted = level
            await self._alert(level, f"IB connection down {self.outage_s(now):.0f}s "
                                     f"(state {self.state.value})", now)
        return level

    # --- connecting ----------------------------------------------------------------------
    async def _attempt(self) -> None:
        cfg = self.config
        self._in_use = False
        in_use = asyncio.get_running_loop().create_future()

        def watch(req_id: int, code: int, msg: str, contract: object) -> None:
            if code == 326 and not in_use.done():
                in_use.set_result(True)

        self.ib.errorEvent += watch
        task = asyncio.ensure_future(self.ib.connectAsync(
            cfg.host, cfg.effective_port, cfg.client_id, timeout=cfg.connect_timeout_s,
            account=cfg.account))
        try:
            done, _ = await asyncio.wait({task, in_use}, return_when=asyncio.FIRST_COMPLETED)
            if in_use in done:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                self._in_use = True
                raise ClientIdInUse(f"IB error 326: clientId {cfg.client_id} is already in use "
                                    f"at {cfg.host}:{cfg.effective_port}")
            task.result()
        except (TimeoutError, OSError, ConnectionError) as exc:
            raise VenueError(f"IB Gateway at {cfg.host}:{cfg.effective_port} not reachable: "
                             f"{type(exc).__name__}: {exc}") from exc
        finally:
            self.ib.errorEvent -= watch
            if not in_use.done():
                in_use.cancel()

    async def resync(self) -> bool:
        """Pull and reconcile again now (e.g. after the operator fixed what PAUSED trading);
        True when trading is allowed afterwards."""
        if self.state not in (LinkState.READY, LinkState.PAUSED, LinkState.DEGRADED):
            raise VenueError(f"IB not connected ({self.state.value}): cannot resync")
        await self._after_connect("manual")
        return self.trading_allowed

    async def _after_connect(self, reason: str) -> None:
        """SYNCING → (resync + reconciliation) → READY, or PAUSED when reconciliation refuses."""
        self.sync_reason = reason
        self.state = LinkState.SYNCING
        self._ready.clear()
        self.last_heartbeat = self.clock.now()
        ok = True
        if self.on_connected is not None:
            try:
                ok = await self.on_connected()
            except Exception as exc:  # reconciliation failing must not resume trading
                log.exception("IB resync after connect failed")
                await self._alert(TradingState.HALTED, f"resync after reconnect failed: {exc}", self.clock.now(),
                                  code="IB_RESYNC_FAILED")
                ok = False
        if self.state is not LinkState.SYNCING:
            return  # dropped again while syncing: the reconnect loop owns it now
        if ok:
            self._resume()
        else:
            self.state = LinkState.PAUSED
            await self._alert(TradingState.REDUCING, "reconciliation after reconnect did not "
                                                     "clear trading; orders stay paused", self.clock.now(),
                              code="IB_RESYNC_PAUSED")

    def _resume(self) -> None:
        self.state = LinkState.READY
        self._ready.set()
        if self.outage_since is not None:
            log.info("IB trading resumed after %.0fs", self.outage_s())
        self.outage_since = None
        self._alerted = TradingState.ACTIVE

    async def _backoff(self, base: float) -> None:
        jitter = self.config.reconnect_jitter
        delay = base * (1.0 + self._rng.uniform(-jitter, jitter))
        self.delays.append(delay)
        await self._sleep(delay)

    # --- events --------------------------------------------------------------------------
    def _on_disconnected(self) -> None:
        if self.state in (LinkState.STOPPED, LinkState.CONNECTING):
            return  # our own stop, or a failed attempt tearing itself down
        self._mark_outage()
        self._ready.clear()
        self.state = LinkState.DISCONNECTED
        if self._reconnect_task is not None and not self._reconnect_task.done():
            log.debug("IB disconnect event while already reconnecting: ignored")
            return
        quiet = self.in_restart_window()
        (log.info if quiet else log.warning)("IB connection lost%s; reconnecting",
                                             " (nightly restart window)" if quiet else "")
        self._reconnect_task = asyncio.ensure_future(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        delay = self.config.reconnect_initial_s
        while self.state is not LinkState.STOPPED:
            await self._backoff(delay)
            self.state = LinkState.CONNECTING
            try:
                await self._attempt()
            except ClientIdInUse:
                self.state = LinkState.DISCONNECTED
                delay = max(delay * 2, self.config.client_id_in_use_backoff_s)
            except VenueError as exc:
                self.state = LinkState.DISCONNECTED
                log.log(logging.INFO if self.in_restart_window() else logging.WARNING,
                        "IB reconnect failed: %s", exc.message)
                delay = delay * 2
            else:
                self.reconnects += 1
                await self._after_connect("reconnect")
                if self.state is not LinkState.DISCONNECTED:
                    return
                delay = self.config.reconnect_initial_s  # dropped again while syncing
            delay = min(delay, self.config.reconnect_max_s)
            await self.evaluate_outage()

    def _on_error(self, req_id: int, code: int, message: str, contract: object) -> None:
        if code in (1100, 2110):
            if self.state is LinkState.READY or self.state is LinkState.SYNCING:
                self.state = LinkState.DEGRADED
                self._ready.clear()
                self._mark_outage()
                log.warning("IB %d: %s — orders paused", code, message)
        elif code == 1102 and self.state is LinkState.DEGRADED:
            self._resume()
            log.info("IB 1102: connectivity restored, data maintained — trading resumed")
        elif code == 1101 and self.state in (LinkState.DEGRADED, LinkState.READY, LinkState.PAUSED):
            self.state = LinkState.SYNCING  # no order slips in before the resync below
            self._ready.clear()
            self._mark_outage()
            task = asyncio.ensure_future(self._data_lost())
            self._side_tasks.add(task)
            task.add_done_callback(self._side_tasks.discard)

    async def _data_lost(self) -> None:
        """1101: subscriptions were dropped upstream: resubscribe, then resync before trading."""
        log.warning("IB 1101: connectivity restored, data lost — resubscribing and resyncing")
        if self.on_resubscribe is not None:
            await self.on_resubscribe()
        await self._after_connect("data-lost")

    def _on_update(self) -> None:
        self.last_heartbeat = self.clock.now()

    def _mark_outage(self) -> None:
        if self.outage_since is None:
            self.outage_since = self.clock.now()

    async def _alert(self, level: TradingState, reason: str, now: datetime, *, code: str = "IB_OUTAGE") -> None:
        alert = VenueAlert(self.name, level, reason, self.outage_s(now), now, code, self.outage_since)
        log.warning("IB alert %s: %s", level.value, reason)
        if self.on_alert is None:
            return
        try:
            result = self.on_alert(alert)
            if inspect.isawaitable(result):
                await result
        except Exception:  # a failing sink must not stop the reconnect loop or the watchdog
            log.exception("IB alert sink failed for %s (%s)", alert.code, level.value)

    # --- watchdog ------------------------------------------------------------------------
    def _start_watchdog(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        interval = self.config.heartbeat_interval_s
        while self.state is not LinkState.STOPPED:
            await self._sleep(interval)
            await self.evaluate_outage()
            if self.state is LinkState.READY and self._idle_s() >= interval:
                await self._probe(interval)

    def _idle_s(self) -> float:
        if self.last_heartbeat is None:
            return float("inf")
        return (self.clock.now() - self.last_heartbeat).total_seconds()

    async def _probe(self, within: float) -> None:
        """A silent socket may be half-open: ask the time; no answer means reconnect."""
        try:
            await asyncio.wait_for(self.ib.reqCurrentTimeAsync(), within)
        except (TimeoutError, ConnectionError):
            log.warning("IB heartbeat probe unanswered for %.0fs: dropping the socket", within)
            self.ib.disconnect()
            self._on_disconnected()
