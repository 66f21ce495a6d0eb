"""`SimulationVenue`: the options, FX and crypto venue ports against the seeded simulated market.

A paper broker that behaves like a real one: orders are validated, checked against buying power,
filled against the simulated quotes (market, limit, atomic multi-leg combos at a net price,
partial fills when configured), limit orders rest until marketable, and time passing brings
dividends, expirations, exercise and assignment. Time comes only from the injected clock: every
call first catches the venue up to `clock.now()` (resting orders are re-checked whenever the clock
moved; `step()` forces a matching pass). State lives in `state/sim_venue.sqlite` and is committed
before any call returns, so a SIGKILLed process restarts against the same broker.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from dorado_tui.domain.account import AccountState, Position
from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import PacingViolation, VenueError
from dorado_tui.domain.instruments import Instrument, OptionChain, OptionContract
from dorado_tui.domain.market import FundingRate, Quote, SwapRates
from dorado_tui.domain.orders import CancelResult, Fill, Order, OrderResult, OrderStatus, OrderType
from dorado_tui.market.chains import build_chain, option_quotes
from dorado_tui.market.listings import listed_expirations
from dorado_tui.market.quotes import quote
from dorado_tui.market.seeds import Tag, hash_uniform
from dorado_tui.market.simulator import OPTIONABLE, SYMBOLS, SimulatedMarket
from dorado_tui.market.spec import MarketSpec, load_spec
from dorado_tui.market.universe import option_from_symbol
from dorado_tui.venues.base import (
    CryptoVenueAdapter,
    FXVenueAdapter,
    OptionsVenueAdapter,
    VenueStatus,
)
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.desk import Desk
from dorado_tui.venues.simulation.lifecycle import Lifecycle
from dorado_tui.venues.simulation.matching import allocate, limit_net
from dorado_tui.venues.simulation.rates import funding_rate, swap_rates
from dorado_tui.venues.simulation.state import STATE_FILE, Book, OrderRec, VenueEvent, VenueStore

T = TypeVar("T")


class SimulationVenue(OptionsVenueAdapter, FXVenueAdapter, CryptoVenueAdapter):
    """Paper broker over a `SimulatedMarket` (see the module docstring)."""

    name = "simulation"

    def __init__(self, market: SimulatedMarket, clock: Clock, state_path: Path | None = None,
                 config: SimVenueConfig | None = None) -> None:
        self.market = market
        self.clock = clock
        self.config = config or SimVenueConfig()
        self.state_path = state_path
        self._desk = Desk(market, self.config)
        self._life = Lifecycle(market, self.config)
        self._store: VenueStore | None = None
        self._recent: deque[float] = deque()
        self._requests = 0

    @classmethod
    def for_home(cls, home: Path, clock: Clock, config: SimVenueConfig | None = None) -> SimulationVenue:
        """The venue of a Dorado home: the market of `state/market_sim.json` (or the default
        spec), state in `state/sim_venue.sqlite`."""
        state = home / "state"
        market = SimulatedMarket(load_spec(state) or MarketSpec.default())
        return cls(market, clock, state / STATE_FILE, config)

    # ----------------------------------------------------------------- session

    async def connect(self) -> None:
        await asyncio.to_thread(self._open)

    def _open(self) -> None:
        if self._store is not None:
            return
        store = VenueStore(self.state_path)
        store.init_meta({"cash": self.config.initial_cash, "deposits": self.config.initial_cash,
                         "order_seq": 0, "exec_seq": 0, "last_advanced": None,
                         "account_id": self.config.account_id, "seed": self.market.seed,
                         "start": self.market.start.isoformat()})
        seed, start = store.meta("seed"), store.meta("start")
        if seed != self.market.seed or start != self.market.start.isoformat():
            store.close()
            raise VenueError(f"{self.state_path}: this simulated account trades the market of seed {seed} "
                             f"starting {start}, not seed {self.market.seed} starting {self.market.start}")
        self._store = store

    async def disconnect(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def status(self) -> VenueStatus:
        limit = self.config.defects.pacing_limit_per_s
        return VenueStatus(
            name=self.name, mode="simulation", connected=self._store is not None,
            detail=f"simulated market seed {self.market.seed} from {self.market.start}",
            account=self.config.account_id,
            pacing_budget=float(max(limit - len(self._recent), 0)) if self._pacing_on else None,
            extra={"state": str(self.state_path or ":memory:")})

    def _require(self) -> VenueStore:
        if self._store is None:
            raise VenueError("simulation venue is not connected (call connect() first)")
        return self._store

    async def _run(self, fn: Callable[[Book, datetime], T], now: datetime | None = None,
                   force_match: bool = False) -> T:
        moment = now or self.clock.now()
        return await asyncio.to_thread(self._transact, fn, moment, force_match)

    def _transact(self, fn: Callable[[Book, datetime], T], now: datetime, force_match: bool) -> T:
        with self._require().transaction() as book:
            last = book.last_advanced
            self._life.advance(book, last, now)
            if force_match or (last is not None and now > last):
                self._match_working(book, now)
            if last is None or now > last:
                book.last_advanced = now
            return fn(book, now)

    # ----------------------------------------------------------------- orders

    def _match_working(self, book: Book, now: datetime) -> None:
        for rec in list(book.working.values()):
            if self._desk.validate(book, rec.order, now) is not None:
                continue  # closed market (or otherwise not tradable now): keep resting
            m = self._desk.try_match(rec, now)
            if m is None:
                continue
            qty = self._desk.fill_quantity(rec)
            reason = self._desk.buying_power_shortfall(book, rec.order, qty, m.leg_prices, now)
            if reason:
                rec.status, rec.reason, rec.updated = OrderStatus.CANCELLED, reason, now
                book.touch(rec)
                continue
            self._desk.execute(book, rec, m, qty, now)

    def _result(self, rec: OrderRec, book: Book | None = None) -> OrderResult:
        cid = rec.order.client_order_id
        fills = self._require().fills_of(cid)
        if book is not None:
            fills += [f for f in book.new_fills if f.client_order_id == cid]
        return OrderResult(cid, rec.venue_order_id, rec.status, rec.filled, rec.avg_price, tuple(fills),
                           rec.reason, rec.updated)

    def _place(self, book: Book, now: datetime, order: Order) -> OrderResult:
        existing = self._require().order(order.client_order_id)
        if existing is not None:  # idempotency: the same client order id never makes a second order
            return self._result(existing)
        rec = OrderRec(order, book.next_order_id(), OrderStatus.SUBMITTED, 0.0, None, "", now, now)
        reason = self._desk.validate(book, order, now)
        m = None
        if reason is None:
            m = self._desk.try_match(rec, now)
            if m is None and order.order_type is OrderType.MARKET:
                reason = "no market: a market order would sell into an empty bid"
        if reason is None:
            quotes = self._desk.leg_quotes([leg.instrument for leg in order.legs], now)
            prices = m.leg_prices if m else allocate(order, quotes, limit_net(order))
            reason = self._desk.buying_power_shortfall(book, order, order.quantity, prices, now)
        if reason is not None:
            rec.status, rec.reason = OrderStatus.REJECTED, reason
            book.touch(rec)
            return self._result(rec, book)
        book.touch(rec)
        if m is not None:
            self._desk.execute(book, rec, m, self._desk.fill_quantity(rec), now)
        return self._result(rec, book)

    async def place_order(self, order: Order) -> OrderResult:
        return await self._run(lambda book, now: self._place(book, now, order))

    def _cancel(self, book: Book, now: datetime, client_order_id: str) -> CancelResult:
        rec = book.working.get(client_order_id)
        if rec is not None:
            rec.status, rec.reason, rec.updated = OrderStatus.CANCELLED, "cancelled by request", now
            book.touch(rec)
            return CancelResult(client_order_id, True, OrderStatus.CANCELLED)
        stored = self._require().order(client_order_id)
        if stored is None:
            return CancelResult(client_order_id, False, OrderStatus.REJECTED, "no such order at the venue")
        return CancelResult(client_order_id, False, stored.status, f"order is already {stored.status}")

    async def cancel_order(self, client_order_id: str) -> CancelResult:
        return await self._run(lambda book, now: self._cancel(book, now, client_order_id))

    async def get_order(self, client_order_id: str) -> OrderResult | None:
        await self._run(lambda book, now: None)
        rec = self._require().order(client_order_id)
        return None if rec is None else self._result(rec)

    async def get_open_orders(self) -> list[OrderResult]:
        recs = await self._run(lambda book, now: list(book.working.values()))
        return [self._result(r) for r in recs]

    async def get_executions(self, since: datetime | None = None) -> list[Fill]:
        await self._run(lambda book, now: None)
        return self._require().fills_since(since)

    async def get_events(self, since: datetime | None = None) -> list[VenueEvent]:
        """Dividends, exercises, assignments, expiries the venue processed (oldest first)."""
        await self._run(lambda book, now: None)
        return self._require().events_since(since)

    async def step(self, now: datetime | None = None) -> list[Fill]:
        """Advance to `now` (default: the clock) and run a matching pass; returns the new fills."""
        return await self._run(lambda book, _now: list(book.new_fills), now, force_match=True)

    async def deposit(self, amount: float) -> AccountState:
        """Add (or, negative, withdraw) cash: a deposit the NAV accounting must net out."""
        def apply(book: Book, now: datetime) -> None:
            book.cash += amount
            book.new_events.append(VenueEvent(now, "deposit", "USD", {"amount": amount}))
        await self._run(apply)
        return await self.get_account_state()

    # ----------------------------------------------------------------- account

    def _account(self, book: Book, now: datetime) -> AccountState:
        m = self._desk.margin(book, now)
        return AccountState(self.config.account_id, self.config.currency, book.cash, m.nav,
                            m.buying_power, m.requirement, m.requirement, now)

    async def get_account_state(self) -> AccountState:
        return await self._run(self._account)

    def _positions(self, book: Book, now: datetime) -> list[Position]:
        marks = self._desk.marks(book.positions, now)
        return [Position(p.instrument, p.quantity, p.avg_cost, marks.get(sym))
                for sym, p in sorted(book.positions.items())]

    async def get_positions(self) -> list[Position]:
        return await self._run(self._positions)

    # ----------------------------------------------------------------- market data

    @property
    def _pacing_on(self) -> bool:
        return self.config.enforce_pacing or self.config.defects.pacing > 0

    def _pace(self) -> None:
        """Refuse a market-data request over the pacing limit (or by the injected defect rate)."""
        if not self._pacing_on:
            return
        now = self.clock.now().timestamp()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        self._requests += 1
        limit = self.config.defects.pacing_limit_per_s
        if len(self._recent) >= limit:
            raise PacingViolation(f"pacing violation: more than {limit} market-data requests per second",
                                  retry_after=1.0)
        self._recent.append(now)
        u = float(hash_uniform(self.market.seed, Tag.DEFECT, self._requests, 7))
        if u < self.config.defects.pacing:
            raise PacingViolation("pacing violation: the venue throttled this request (injected defect)",
                                  retry_after=1.0)

    async def get_quotes(self, symbols: list[str]) -> list[Quote]:
        self._pace()
        return await asyncio.to_thread(self._quotes, symbols, self.clock.now())

    def _quotes(self, symbols: list[str], now: datetime) -> list[Quote]:
        out = []
        for sym in symbols:
            if sym in SYMBOLS:
                out.append(quote(self.market, sym, now))
                continue
            try:
                inst = option_from_symbol(sym)
            except ValueError:
                continue
            if inst.underlying in OPTIONABLE:
                out.extend(Quote(c.symbol, c.bid, c.ask, c.mid, c.quote_time)
                           for c in self._option_quotes([inst], now))
        return out

    async def get_expirations(self, underlying: str) -> list[date]:
        self._pace()
        if underlying not in OPTIONABLE:
            return []
        return listed_expirations(underlying, self.clock.now(), self.market.config.chains)

    async def get_chain(self, underlying: str, expiry: date) -> OptionChain:
        self._pace()
        now = self.clock.now()
        try:
            return await asyncio.to_thread(build_chain, self.market, underlying, expiry, now, self.config.defects)
        except ValueError as exc:
            raise VenueError(str(exc)) from exc

    def _option_quotes(self, contracts: list[Instrument], now: datetime) -> list[OptionContract]:
        valid = [c for c in contracts if self._desk.validate_contract(c, now) is None]
        return option_quotes(self.market, valid, now) if valid else []

    async def get_option_quotes(self, contracts: list[Instrument]) -> list[OptionContract]:
        self._pace()
        return await asyncio.to_thread(self._option_quotes, contracts, self.clock.now())

    async def get_swap_rates(self, pair: str) -> SwapRates:
        return swap_rates(self.market, pair, self.clock.now())

    async def get_funding_rate(self, symbol: str) -> FundingRate:
        return funding_rate(self.market, symbol, self.clock.now())
