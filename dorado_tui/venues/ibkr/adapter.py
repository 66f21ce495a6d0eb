"""`IBKRAdapter`: Dorado's options, FX and account ports over ib_async (async API only).

Runs inside the caller's event loop (the console's or the daemon's). Orders carry Dorado's
client order id in `orderRef`; an id already known here or at the gateway is never sent again.
Orders go out only while the connection is READY (connected, synced, reconciled), or from the
intent recovery that the post-connect reconciliation itself runs (SYNCING, after the pull).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from ib_async import IB, Contract, ExecutionFilter
from ib_async.util import formatIBDatetime

from dorado_tui.domain.account import AccountState, Position
from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    OptionChain,
    OptionContract,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.domain.market import Bar, Quote, SwapRates
from dorado_tui.domain.orders import CancelResult, Fill, Order, OrderResult, OrderStatus
from dorado_tui.venues.base import FXVenueAdapter, OptionsVenueAdapter, VenueStatus
from dorado_tui.venues.ibkr.config import IBKRConfig
from dorado_tui.venues.ibkr.connection import ConnectionManager, LinkState
from dorado_tui.venues.ibkr.contracts import ContractCache, bounded
from dorado_tui.venues.ibkr.mapping import (
    ContractRules,
    account_from_values,
    bag_for,
    clean_price,
    fx_carry,
    ib_order_for,
    option_from_ticker,
    position_from_ib,
    quote_from_ticker,
    quote_problem,
)
from dorado_tui.venues.ibkr.market_data import MarketData
from dorado_tui.venues.ibkr.order_tracker import OrderTracker
from dorado_tui.venues.ibkr.outage import VenueAlert
from dorado_tui.venues.ibkr.pacing import TokenBucket, WireMeter
from dorado_tui.venues.ibkr.resync import ReconcileHook, Resync

log = logging.getLogger(__name__)
_OCC = re.compile(r"^(?P<root>[A-Z0-9.]{1,6}) *(?P<ymd>\d{6})(?P<cp>[CP])(?P<strike>\d{8})$")
_CURRENCIES = frozenset(["USD", "EUR", "JPY", "GBP", "AUD", "CAD", "CHF", "NZD", "SEK", "NOK", "HKD", "SGD", "CNH", "MXN"])


class TradingPaused(VenueError):
    """The IB connection is not READY (disconnected, syncing, 1100/2110, or paused): not sent."""

    exit_code = 3


class IBKRAdapter(OptionsVenueAdapter, FXVenueAdapter):
    """Interactive Brokers through IB Gateway/TWS (or the gateway simulator)."""

    name = "ibkr"

    def __init__(self, config: IBKRConfig, clock: Clock, *, ib: IB | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self.config = config
        self.clock = clock
        self.ib = ib or IB()
        self.rules = ContractRules(config.index_underlyings, config.trading_classes)
        self.bucket = TokenBucket(config.messages_per_second, config.message_burst, sleep=sleep)
        # every message on the socket (not only those the adapter asks for) takes a token here
        self.wire = WireMeter.install(self.ib.client, TokenBucket(config.messages_per_second,
                                                                  config.message_burst))
        self.ib.disconnectedEvent += self.wire.clear
        self.contracts = ContractCache(self.ib, self.rules, self.bucket, config.request_timeout_s)
        self.market = MarketData(self.ib, self.contracts, self.bucket, config, clock, sleep)
        self.orders = OrderTracker(self.ib, self.contracts, clock, config.order_ack_timeout_s)
        self.resync = Resync(self.ib, self.orders, self.bucket, self.rules, clock, config.request_timeout_s)
        self.link = ConnectionManager(self.ib, config, clock, sleep=sleep, rng=rng)
        self.link.on_connected = self._after_connect
        self.link.on_resubscribe = self._resubscribe
        self.account = config.account
        self._placing: dict[str, asyncio.Future[OrderResult]] = {}

    # --- wiring for the engine -----------------------------------------------------------
    def set_reconciler(self, hook: ReconcileHook | None) -> None:
        """Install the lifecycle's reconciliation; it must answer before trading resumes."""
        self.resync.hook = hook

    def set_alert_sink(self, sink: Callable[[VenueAlert], Awaitable[None] | None] | None) -> None:
        """Where REDUCING/HALTED recommendations and alerts go (the risk radar / bus)."""
        self.link.on_alert = sink

    async def resync_now(self) -> bool:
        """Pull the gateway's state and run the reconciliation hook again; True = trading."""
        return await self.link.resync()

    def add_order_listener(self, fn: Callable[[OrderResult], None]) -> None:
        """Called with an order's full current state whenever it changes (status, fill, fee)."""
        self.orders.listeners.append(fn)

    # --- connection ----------------------------------------------------------------------
    async def connect(self) -> None:
        await self.link.connect()

    async def disconnect(self) -> None:
        await self.link.disconnect()

    async def _after_connect(self) -> bool:
        accounts = self.ib.managedAccounts()
        if not self.account:
            if len(accounts) != 1:
                raise VenueError(f"IB manages {len(accounts)} accounts ({', '.join(accounts)}): "
                                 "set ibkr.account")
            self.account = accounts[0]
        elif self.account not in accounts:
            raise VenueError(f"IB account {self.account} is not among {', '.join(accounts)}")
        return await self.resync.run(self.link.sync_reason or "connect", self.account)

    async def _resubscribe(self) -> None:
        count = await self.market.resubscribe()
        log.info("IB 1101: re-requested %d market-data streams", count)

    def status(self) -> VenueStatus:
        link = self.link
        connected = link.state in (LinkState.READY, LinkState.SYNCING, LinkState.DEGRADED, LinkState.PAUSED)
        detail = link.state.value + (" (nightly restart window)" if link.in_restart_window() else "")
        version = self.ib.client.serverVersion() if connected else None
        return VenueStatus(
            name=self.name, mode=self.config.mode, connected=connected, detail=detail,
            account=self.account, server_version=version or None,
            last_heartbeat=link.last_heartbeat, pacing_budget=self.wire.bucket.budget(),
            extra={"gateway": f"{self.config.host}:{self.config.effective_port}",
                   "client_id": str(self.config.client_id),
                   "orders": "allowed" if link.trading_allowed else "paused",
                   "outage_s": f"{link.outage_s():.0f}", "reconnects": str(link.reconnects),
                   "market_data_lines": f"{self.market.lines_in_use}/{self.config.max_market_data_lines}",
                   "pacing_errors": str(self.market.pacing_errors)})

    def _connected(self) -> bool:
        return self.link.state not in (LinkState.DISCONNECTED, LinkState.CONNECTING, LinkState.STOPPED)

    def _require_connected(self, what: str) -> None:
        if not self._connected():
            raise VenueError(f"IB not connected ({self.link.state.value}): cannot {what}")

    # --- account ---------------------------------------------------------------------------
    async def get_account_state(self) -> AccountState:
        self._require_connected("read the account")
        now = self.clock.now()
        try:
            return account_from_values(self.ib.accountValues(self.account), self.account, now)
        except ValueError:
            await self.bucket.acquire()
            values = await bounded(self.ib.accountSummaryAsync(self.account),
                                   self.config.request_timeout_s, "the account summary")
            try:
                return account_from_values(values, self.account, now)
            except ValueError as exc:
                raise VenueError(str(exc)) from exc

    async def get_positions(self) -> list[Position]:
        self._require_connected("read positions")
        await self.bucket.acquire()
        rows = await bounded(self.ib.reqPositionsAsync(), self.config.request_timeout_s, "positions")
        marks = {item.contract.conId: item.marketPrice for item in self.ib.portfolio(self.account)}
        return [position_from_ib(p, self.rules, marks.get(p.contract.conId)) for p in rows
                if p.account == self.account and p.position != 0]

    # --- orders ----------------------------------------------------------------------------
    async def place_order(self, order: Order) -> OrderResult:
        """Submit once per client order id, even when called again concurrently."""
        running = self._placing.get(order.client_order_id)
        if running is not None:
            return await asyncio.shield(running)
        task = asyncio.ensure_future(self._place(order))
        self._placing[order.client_order_id] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                self._placing.pop(order.client_order_id, None)
            else:  # our caller was cancelled: let the placement finish, then forget it
                task.add_done_callback(lambda _: self._placing.pop(order.client_order_id, None))

    async def _place(self, order: Order) -> OrderResult:
        known = self.orders.get(order.client_order_id) or self.orders.find_at_venue(order.client_order_id)
        if known is not None:
            log.info("order %s already known at IB: returning it, not re-sending", order.client_order_id)
            return known.result(self.clock.now())
        self._require_trading(order.client_order_id)
        instruments = [leg.instrument for leg in order.legs]
        contracts = await self.contracts.qualify(instruments)
        if self.config.quote_guard:
            problem = await self._quote_guard(instruments, contracts)
            if problem:
                return self.orders.deny(order, f"QUOTE_GUARD: {problem}")
        self._require_trading(order.client_order_id)
        con_ids = tuple(c.conId for c in contracts if c is not None)
        contract = contracts[0] if not order.is_combo else bag_for(
            order.legs[0].instrument.underlying, order.legs[0].instrument.currency,
            [(c, leg.ratio, leg.action) for c, leg in zip(con_ids, order.legs, strict=True)])
        tick = max(leg.instrument.tick for leg in order.legs)
        try:
            ib_order = ib_order_for(order, self.account, tick)
        except ValueError as exc:
            raise VenueError(str(exc)) from exc
        await self.bucket.acquire(priority=True)
        assert contract is not None
        return await self.orders.submit(order, con_ids, contract, ib_order)

    def _require_trading(self, client_order_id: str) -> None:
        recovering = self.link.state is LinkState.SYNCING and self.resync.in_hook()
        if not (self.link.trading_allowed or recovering):
            raise TradingPaused(f"IB orders paused ({self.link.state.value}): "
                                f"{client_order_id} was not sent")

    async def _quote_guard(self, instruments: list[Instrument], contracts: list[Contract | None]) -> str:
        """Fresh snapshots of every leg (in parallel); the first leg without a live two-sided
        quote denies the order."""
        tickers = await asyncio.gather(*(self.market.snapshot(c) for c in contracts if c is not None))
        for inst, ticker in zip(instruments, tickers, strict=True):
            problem = quote_problem(ticker)
            if problem:
                return f"{inst.symbol.strip()}: {problem}"
        return ""

    async def cancel_order(self, client_order_id: str) -> CancelResult:
        rec = self.orders.get(client_order_id) or self.orders.find_at_venue(client_order_id)
        if rec is None or rec.trade is None:
            return CancelResult(client_order_id, False, OrderStatus.REJECTED,
                                "unknown order" if rec is None else rec.denied or "never reached IB")
        current = rec.result(self.clock.now())
        if not current.status.is_working:
            return CancelResult(client_order_id, False, current.status, f"already {current.status.value}")
        self._require_connected(f"cancel {client_order_id}")
        await self.bucket.acquire(priority=True)
        self.ib.cancelOrder(rec.trade.order)
        try:
            final = await self.orders.wait_for(client_order_id, lambda r: r.status.is_final,
                                               self.config.order_ack_timeout_s)
        except TimeoutError:
            final = rec.result(self.clock.now())
            return CancelResult(client_order_id, False, final.status, "cancel sent, not yet confirmed")
        return CancelResult(client_order_id, final.status is OrderStatus.CANCELLED, final.status,
                            "" if final.status is OrderStatus.CANCELLED else f"order {final.status.value}")

    async def cancel_all(self) -> list[CancelResult]:
        """The kill switch's venue half: IB's global cancel, then each known order's outcome."""
        self._require_connected("cancel all orders")
        working = await self.get_open_orders()
        await self.bucket.acquire(priority=True)
        self.ib.reqGlobalCancel()  # type: ignore[no-untyped-call]
        results = []
        for res in working:
            try:
                final = await self.orders.wait_for(res.client_order_id, lambda r: r.status.is_final,
                                                   self.config.order_ack_timeout_s)
            except TimeoutError:
                final = self.orders.result(res.client_order_id) or res
            results.append(CancelResult(res.client_order_id, final.status is OrderStatus.CANCELLED,
                                        final.status))
        return results

    async def get_order(self, client_order_id: str) -> OrderResult | None:
        rec = self.orders.get(client_order_id)
        unsure = rec is None or rec.result(self.clock.now()).status is OrderStatus.PENDING_SUBMIT
        if unsure and not (rec is not None and rec.denied) and self._connected():
            await self.refresh()
        return self.orders.result(client_order_id)

    async def refresh(self) -> None:
        """Pull open/completed orders and executions now (a stuck PendingSubmit, a query)."""
        self._require_connected("query orders")
        snapshot = await self.resync.pull("query", self.account)
        log.debug("IB order refresh: %d open, %d completed", len(snapshot.open_orders),
                  len(snapshot.completed_orders))

    async def get_open_orders(self) -> list[OrderResult]:
        self._require_connected("list open orders")
        await self.bucket.acquire()
        trades = await bounded(self.ib.reqAllOpenOrdersAsync(), self.config.request_timeout_s, "open orders")
        self.orders.sync(trades, [], [])
        results = (self.orders.result(self.orders.attach(t).client_order_id) for t in trades
                   if not t.order.whatIf)
        return [r for r in results if r is not None and r.status.is_working]

    async def get_executions(self, since: datetime | None = None) -> list[Fill]:
        self._require_connected("list executions")
        await self.bucket.acquire()
        flt = ExecutionFilter(time=formatIBDatetime(since) if since else "")
        fills = await bounded(self.ib.reqExecutionsAsync(flt), self.config.request_timeout_s, "executions")
        self.orders.sync([], [], fills)
        out = {f.execution.execId: f for f in fills if f.contract.secType != "BAG"}
        records = self.orders.records.values()
        return sorted((fill for rec in records for eid, fill in rec.fills.items() if eid in out),
                      key=lambda f: (f.time, f.exec_id))

    async def wait_for_order(self, client_order_id: str, predicate: Callable[[OrderResult], bool],
                             within: float) -> OrderResult:
        """Await an order state (e.g. filled) without polling; TimeoutError otherwise."""
        return await self.orders.wait_for(client_order_id, predicate, within)

    # --- market data -----------------------------------------------------------------------
    async def get_quotes(self, symbols: list[str]) -> list[Quote]:
        self._require_connected("fetch quotes")
        instruments = [inst for inst in (self._instrument_for(s) for s in symbols) if inst]
        contracts = await self.contracts.qualify(instruments, strict=False)
        out = []
        for inst, contract in zip(instruments, contracts, strict=True):
            if contract is not None:
                out.append(quote_from_ticker(inst.symbol, await self.market.snapshot(contract),
                                             self.clock.now()))
        return out

    def _instrument_for(self, symbol: str) -> Instrument | None:
        m = _OCC.match(symbol)
        if m:
            ymd = m["ymd"]
            expiry = date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:]))
            style = (ExerciseStyle.EUROPEAN if m["root"] in self.config.index_underlyings
                     else ExerciseStyle.AMERICAN)
            right = Right.CALL if m["cp"] == "C" else Right.PUT
            return option_instrument(m["root"], expiry, right, int(m["strike"]) / 1000, style)
        pair = symbol.replace(".", "").replace("/", "")
        if len(pair) == 6 and pair[:3] in _CURRENCIES and pair[3:] in _CURRENCIES:
            return Instrument(pair, SecType.FX, pair, tick=0.00005, currency=pair[3:])
        if symbol in self.config.index_underlyings:
            return Instrument(symbol, SecType.INDEX, symbol)
        return Instrument(symbol, SecType.STOCK, symbol) if symbol.isascii() and symbol else None

    async def get_expirations(self, underlying: str) -> list[date]:
        self._require_connected("list expirations")
        return await self.market.expirations(underlying)

    async def get_chain(self, underlying: str, expiry: date) -> OptionChain:
        self._require_connected("fetch a chain")
        return await self.market.chain(underlying, expiry)

    async def get_option_quotes(self, contracts: list[Instrument]) -> list[OptionContract]:
        self._require_connected("fetch option quotes")
        qualified = await self.contracts.qualify(contracts, strict=False)
        pairs = [(i, c) for i, c in zip(contracts, qualified, strict=True) if c is not None]
        quoted = await self.market.option_quotes([i for i, _ in pairs], [c for _, c in pairs])
        now = self.clock.now()
        return [option_from_ticker(inst, ticker, now) for inst, ticker in quoted]

    async def get_swap_rates(self, pair: str) -> SwapRates:
        self._require_connected("price FX carry")
        quotes = await self.get_quotes([pair])
        if not quotes or not quotes[0].is_two_sided:
            raise VenueError(f"IB has no two-sided quote for {pair}")
        quote = quotes[0]
        try:
            return fx_carry(pair.replace(".", "").replace("/", ""), quote.mid,
                            self.config.fx_interest_rates, self.clock.now())
        except ValueError as exc:
            raise VenueError(str(exc)) from exc

    async def get_bars(self, symbol: str, days: int, bar_size: str = "1 day") -> list[Bar]:
        """Historical bars from IB (paced by IB's historical rules); empty when IB has none."""
        self._require_connected("fetch history")
        if days <= 0:
            raise VenueError(f"days must be positive, got {days}")
        inst = self._instrument_for(symbol)
        if inst is None:
            raise VenueError(f"{symbol!r} is not a symbol Dorado can map to IB")
        (contract,) = await self.contracts.qualify([inst])
        assert contract is not None  # strict qualification raises instead
        return await self.market.bars(contract, symbol, days, bar_size)

    async def underlying_price(self, symbol: str) -> float:
        self._require_connected("price an underlying")
        price = await self.market.underlying_price(symbol)
        return clean_price(price)

