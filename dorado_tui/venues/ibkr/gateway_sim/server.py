"""The gateway simulator: an asyncio TWS-protocol server with a fault-injection API.

Listens on 127.0.0.1 (port 0 = any free port), speaks the IB API socket protocol to the
unmodified ib_async client and serves a `Book`. Tests drive faults through the methods below;
the `dorado gateway-sim` command exposes the same methods over a JSON control channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from dorado_tui.domain.clock import Clock
from dorado_tui.venues.ibkr.gateway_sim.book import Book
from dorado_tui.venues.ibkr.gateway_sim.desk_data import DataDesk
from dorado_tui.venues.ibkr.gateway_sim.desk_orders import OrderDesk
from dorado_tui.venues.ibkr.gateway_sim.faults import (
    FaultPlan,
    PacingTarget,
    QuoteFault,
    Rejection,
    ReplyKind,
)
from dorado_tui.venues.ibkr.gateway_sim.messages import MessageEncoder
from dorado_tui.venues.ibkr.gateway_sim.orders import OrderBook, SimOrder
from dorado_tui.venues.ibkr.gateway_sim.requests import (
    AccountSummaryRequest,
    AccountUpdatesMultiRequest,
    AccountUpdatesRequest,
    CancelMarketData,
    CancelOrderRequest,
    CompletedOrdersRequest,
    ContractDetailsRequest,
    ExecutionsRequest,
    HistoricalDataRequest,
    IdsRequest,
    MarketDataRequest,
    OpenOrdersRequest,
    PlaceOrderRequest,
    Request,
    SecDefOptParamsRequest,
    SimpleRequest,
    StartApi,
    UnsupportedRequest,
    parse_request,
)
from dorado_tui.venues.ibkr.gateway_sim.session import Session
from dorado_tui.venues.ibkr.gateway_sim.wire import ProtocolError, read_message, split_fields

log = logging.getLogger(__name__)

#: The connectivity notices a gateway broadcasts (reqId -1), by code.
SYSTEM_MESSAGES = {
    1100: "Connectivity between IB and Trader Workstation has been lost.",
    1101: "Connectivity between IB and Trader Workstation has been restored - data lost.",
    1102: "Connectivity between IB and Trader Workstation has been restored - data maintained. "
          "All data farms are connected: usfarm; ushmds; secdefnj.",
    2110: "Connectivity between Trader Workstation and server is broken. It will be restored automatically.",
}
CLIENT_ID_IN_USE = "Unable to connect as the client id is already in use. Retry with a unique client id."
FARMS_OK = ((2104, "Market data farm connection is OK:usfarm"),
            (2106, "HMDS data farm connection is OK:ushmds"),
            (2158, "Sec-def data farm connection is OK:secdefnj"))


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 0
    server_version: int = 178
    max_market_data_lines: int = 100
    max_messages_per_second: int = 50


class GatewaySimulator:
    """A simulated IB Gateway serving one account from a `Book`."""

    def __init__(self, book: Book, clock: Clock, config: GatewayConfig | None = None) -> None:
        self.book = book
        self.clock = clock
        self.config = config or GatewayConfig()
        self.faults = FaultPlan()
        self.orders = OrderBook()
        self.sessions: list[Session] = []
        self.data = DataDesk(book, clock, self.faults, self.config.max_market_data_lines)
        self.desk = OrderDesk(book, clock, self.faults, self.orders, self._sessions_of, self._after_fill)
        self.routing = True  # False between 1100/2110 and 1101/1102: nothing reaches the exchange
        self.pacing_violations = 0
        self.requests: list[tuple[int | None, Request]] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._changed = asyncio.Condition()

    # --- lifecycle -----------------------------------------------------------------------
    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, self.config.host,
                                                  self.port or self.config.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("gateway simulator listening on %s:%d", self.config.host, self.port)
        return self.port

    async def go_down(self) -> None:
        """The gateway process stops: sockets drop and connects are refused until `come_back`."""
        await self.stop()
        await self._notify()

    async def come_back(self) -> None:
        """Listen again on the same port (orders and executions survived)."""
        await self.start()

    async def stop(self) -> None:
        for s in list(self.sessions):
            s.abort()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- connections ---------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(reader, writer, lambda: self.faults.delay_seconds)
        try:
            await session.handshake(self.config.server_version,
                                    lambda v: MessageEncoder.handshake_reply(v, self.clock.now()))
            self.sessions.append(session)
            await self._read_loop(session)
        except (asyncio.IncompleteReadError, ConnectionError, ProtocolError) as exc:
            log.debug("gateway session %s ended: %s", session.peer, exc)
        except Exception:  # a simulator bug: drop this client loudly, keep serving others
            log.exception("gateway session %s failed", session.peer)
        finally:
            if session in self.sessions:
                self.sessions.remove(session)
            session.abort()
            await self._notify()

    async def _read_loop(self, session: Session) -> None:
        """Messages are stamped for the pacing check as they come off the socket, by a reader of
        their own: a handler that takes its time (a venue-backed book) must not make the messages
        behind it look bunched, since IB counts on arrival, not when it gets round to them."""
        inbox: asyncio.Queue[list[str] | BaseException] = asyncio.Queue()

        async def receive() -> None:
            try:
                while not session.closed.is_set():
                    fields = split_fields(await read_message(session.reader))
                    self._check_rate(session)
                    inbox.put_nowait(fields)
            except BaseException as exc:  # hand the end of the stream to the dispatcher
                inbox.put_nowait(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise

        reader = asyncio.create_task(receive(), name=f"gw-reader-{session.peer}")
        try:
            await self._dispatch_loop(session, inbox)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _dispatch_loop(self, session: Session, inbox: asyncio.Queue[list[str] | BaseException]) -> None:
        while not session.closed.is_set():
            fields = await inbox.get()
            if isinstance(fields, BaseException):
                raise fields
            request = parse_request(fields, session.version)
            self.requests.append((session.client_id, request))
            if isinstance(request, StartApi):
                if not await self._start_api(session, request):
                    return
            elif session.client_id is not None:
                await self._dispatch(session, request)
            await self._notify()

    async def _start_api(self, s: Session, req: StartApi) -> bool:
        in_use = any(o is not s and o.client_id == req.client_id for o in self.sessions)
        if in_use or self.faults.refuse_client_ids > 0:
            if not in_use:
                self.faults.refuse_client_ids -= 1
            s.send(s.encoder.error(-1, 326, CLIENT_ID_IN_USE))
            await s.flush_and_close()
            return False
        s.client_id = req.client_id
        s.send(s.encoder.managed_accounts([self.book.account_id]))
        s.send(s.encoder.next_valid_id(self.orders.next_valid_id(req.client_id)))
        for code, text in FARMS_OK:
            s.send(s.encoder.error(-1, code, text))
        return True

    def _check_rate(self, s: Session) -> None:
        now = asyncio.get_running_loop().time()
        s.received.append(now)
        while s.received and now - s.received[0] > 1.0:
            s.received.popleft()
        limit = self.config.max_messages_per_second
        if len(s.received) > limit and s.client_id is not None:
            self.pacing_violations += 1
            s.send(s.encoder.error(-1, 100, f"Max rate of messages per second has been exceeded:"
                                            f"max={limit} rec={len(s.received)} (1)"))

    def _sessions_of(self, client_id: int) -> list[Session]:
        return [s for s in self.sessions if s.client_id == client_id and not s.closed.is_set()]

    async def _after_fill(self, con_ids: set[int]) -> None:
        for s in list(self.sessions):
            if s.subs.positions:
                await self.data.push_positions(s, con_ids)
            if s.subs.account_updates:
                await self.data.push_account(s)

    # --- request dispatch ----------------------------------------------------------------
    async def _dispatch(self, s: Session, req: Request) -> None:
        handler = self._handlers().get(type(req))
        if handler is not None:
            await handler(s, req)
        elif isinstance(req, UnsupportedRequest):
            s.send(s.encoder.error(-1, 321, f"Error validating request: message {req.msg_id} "
                                            "is not supported by the simulator"))

    def _handlers(self) -> dict[type, Callable[[Session, Any], Any]]:
        d, o = self.data, self.desk

        async def simple(s: Session, r: SimpleRequest) -> None:
            if r.name == "current_time":
                s.send(s.encoder.current_time(self.clock.now()))
            elif r.name == "global_cancel":
                o.global_cancel()
            elif r.name == "positions":
                await d.positions(s)
            elif r.name == "cancel_positions":
                s.subs.positions = False
            elif r.name == "managed_accounts":
                s.send(s.encoder.managed_accounts([self.book.account_id]))

        async def place(s: Session, r: PlaceOrderRequest) -> None:
            await o.place(s, r)

        async def ids(s: Session, r: IdsRequest) -> None:
            s.send(s.encoder.next_valid_id(self.orders.next_valid_id(s.client_id or 0)))

        async def sync(fn: Callable[..., None], *args: Any) -> None:
            fn(*args)

        return {
            MarketDataRequest: d.market_data,
            CancelMarketData: lambda s, r: sync(d.cancel_market_data, s, r.req_id),
            PlaceOrderRequest: place,
            CancelOrderRequest: lambda s, r: o.cancel(s, r.order_id),
            OpenOrdersRequest: lambda s, r: sync(o.open_orders, s, r.all_clients),
            AccountUpdatesRequest: lambda s, r: d.account_updates(s, r.subscribe),
            ExecutionsRequest: lambda s, r: sync(o.executions, s, r),
            IdsRequest: ids,
            ContractDetailsRequest: d.contract_details,
            HistoricalDataRequest: d.historical,
            SimpleRequest: simple,
            AccountSummaryRequest: d.account_summary,
            AccountUpdatesMultiRequest: d.account_updates_multi,
            SecDefOptParamsRequest: d.option_params,
            CompletedOrdersRequest: lambda s, r: sync(o.completed_orders, s),
        }

    # --- waiting (tests await gateway-side conditions instead of sleeping) ---------------
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Return once `predicate()` holds after some request or disconnect; TimeoutError if not."""
        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(wait(), within)

    # --- fault injection and control -----------------------------------------------------
    def drop_connections(self, client_id: int | None = None) -> int:
        """Cut sockets (all, or one client's) without a goodbye; returns how many."""
        victims = [s for s in self.sessions if client_id is None or s.client_id == client_id]
        for s in victims:
            s.abort()
        return len(victims)

    def restart(self, rollback_order_ids_to: int | None = None) -> None:
        """A gateway restart: every socket drops; orders and executions survive; ids may roll back."""
        self.drop_connections()
        if rollback_order_ids_to is not None:
            self.orders.roll_back_ids(rollback_order_ids_to)

    def system_message(self, code: int) -> None:
        """Broadcast 1100/1101/1102/2110; 1100/2110 stop routing, 1101 also drops market data."""
        if code not in SYSTEM_MESSAGES:
            raise ValueError(f"unknown system message {code}; known: {sorted(SYSTEM_MESSAGES)}")
        self.routing = code not in (1100, 2110)
        self.desk.routing = self.routing
        for s in self.sessions:
            if code == 1101:
                s.subs.clear_market_data()
            s.send(s.encoder.error(-1, code, SYSTEM_MESSAGES[code]))

    def refuse_client_ids(self, count: int = 1) -> None:
        self.faults.refuse_client_ids += count

    def reject_next_order(self, reason: str = "Order rejected - reason:Simulated reject", code: int = 201) -> None:
        self.faults.rejections.append(Rejection(code, reason))

    def partial_fill_next(self, units: float) -> None:
        self.faults.partial_fills.append(units)

    def hold_orders(self, hold: bool = True) -> None:
        self.faults.hold_orders = hold

    def drop_next_reply(self, kind: ReplyKind | str, count: int = 1) -> None:
        self.faults.drops[ReplyKind(kind)] += count

    def delay_replies(self, seconds: float) -> None:
        self.faults.delay_seconds = seconds

    def pacing_violation(self, target: PacingTarget | str = PacingTarget.MARKET_DATA, count: int = 1) -> None:
        self.faults.pacing[PacingTarget(target)] += count

    def break_quotes(self, con_id: int, fault: QuoteFault | str) -> None:
        self.faults.quotes[con_id] = QuoteFault(fault)

    def heal(self) -> None:
        """Clear every fault and restore routing."""
        self.faults.clear()
        self.routing = self.desk.routing = True

    async def step(self) -> int:
        """Let resting orders trade against the current market; returns orders that filled."""
        return await self.desk.step()

    async def release_partials(self) -> int:
        return await self.desk.release_partials()

    async def publish_quotes(self, con_id: int | None = None) -> int:
        return await self.data.publish(list(self.sessions), con_id)

    def cancel_by_gateway(self, perm_id: int, note: str = "Cancelled by the gateway") -> None:
        order = self.orders.orders[perm_id]
        if order.working:
            self.desk.cancel_order(order, note)

    # --- introspection -------------------------------------------------------------------
    def orders_with_ref(self, order_ref: str) -> list[SimOrder]:
        return [o for o in self.orders.orders.values() if o.order_ref == order_ref]

    def placements(self, order_ref: str | None = None) -> list[PlaceOrderRequest]:
        """Every placeOrder received (what-ifs excluded), optionally for one orderRef."""
        return [r for r in self.desk.received if order_ref is None or r.order_ref == order_ref]

    def connected_client_ids(self) -> list[int]:
        return [s.client_id for s in self.sessions if s.client_id is not None and not s.closed.is_set()]
