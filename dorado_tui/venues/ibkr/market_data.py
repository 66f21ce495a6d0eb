"""Quotes and option chains over ib_async, paced: snapshots, short streams for option quotes
(generic tick 101 for open interest, which snapshots cannot carry), a 2-minute chain cache,
pacing-error retries, and long-lived streams that are re-requested after IB error 1101."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from ib_async import IB, Contract
from ib_async.objects import OptionChain as IBOptionChain
from ib_async.ticker import Ticker

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import PacingViolation, VenueError
from dorado_tui.domain.instruments import (
    Instrument,
    OptionChain,
    OptionContract,
    Right,
)
from dorado_tui.domain.market import Bar
from dorado_tui.venues.ibkr.config import IBKRConfig
from dorado_tui.venues.ibkr.contracts import ContractCache, bounded
from dorado_tui.venues.ibkr.mapping import (
    bar_from_ib,
    clean_greek,
    clean_price,
    option_from_ticker,
    parse_expiry,
)
from dorado_tui.venues.ibkr.pacing import HistoricalPacer, TokenBucket
from dorado_tui.venues.ibkr.strikes import batches, plan_strikes, wing_done

Sleep = Callable[[float], Awaitable[None]]
PACING_CODES = frozenset({100, 420})


def is_pacing_error(code: int, message: str) -> bool:
    return code in PACING_CODES or (code == 162 and "pacing" in message.lower())


@dataclass
class ErrorLog:
    """IB errors seen for contracts while a request is in flight (keyed by conId)."""

    by_con_id: dict[int, list[tuple[int, str]]] = field(default_factory=dict)

    def record(self, req_id: int, code: int, message: str, contract: object) -> None:
        con_id = getattr(contract, "conId", 0)
        if con_id and code not in (10167,) and not 2100 <= code < 2200:
            self.by_con_id.setdefault(con_id, []).append((code, message))

    def take(self, con_id: int) -> list[tuple[int, str]]:
        return self.by_con_id.pop(con_id, [])


def _reset(ticker: Ticker | None) -> None:
    """Forget what a shared ib_async ticker still holds from an earlier request."""
    if ticker is None:
        return
    for name in ("bid", "ask", "last", "bidSize", "askSize", "volume", "callOpenInterest",
                 "putOpenInterest", "openInterest", "halted"):
        setattr(ticker, name, math.nan)
    ticker.modelGreeks = ticker.bidGreeks = ticker.askGreeks = None
    ticker.marketDataType = 1


def option_quote_complete(ticker: Ticker, right: Right) -> bool:
    """Both sides answered (even "none"), model Greeks and open interest arrived."""
    oi = ticker.callOpenInterest if right is Right.CALL else ticker.putOpenInterest
    return (not math.isnan(ticker.bid) and not math.isnan(ticker.ask)
            and ticker.modelGreeks is not None and not math.isnan(oi))


class MarketData:
    """Market-data requests with pacing, market-data line limits and pacing-error retries."""

    def __init__(self, ib: IB, contracts: ContractCache, bucket: TokenBucket, config: IBKRConfig,
                 clock: Clock, sleep: Sleep = asyncio.sleep) -> None:
        self.ib = ib
        self.contracts = contracts
        self.bucket = bucket
        self.config = config
        self.clock = clock
        self._sleep = sleep
        self.lines = asyncio.Semaphore(config.max_market_data_lines)
        self.historical = HistoricalPacer(per_10min=config.historical_per_10min, sleep=sleep)
        self.lines_in_use = 0
        self.errors = ErrorLog()
        self.pacing_errors = 0
        self.streams: dict[int, tuple[Contract, str]] = {}  # conId -> (contract, generic ticks)
        self._params: dict[str, tuple[datetime, list[IBOptionChain]]] = {}
        self._chains: dict[tuple[str, date], tuple[datetime, OptionChain]] = {}
        ib.errorEvent += self.errors.record

    # --- single requests ---------------------------------------------------------------
    async def _with_line(self, contract: Contract, fn: Callable[[], Awaitable[Ticker]]) -> Ticker:
        """Hold a market-data line; the message token is taken last, right before the send,
        so that waiting for a line never bunches sends above the bucket's rate."""
        async with self.lines:
            self.lines_in_use += 1
            try:
                _reset(self.ib.ticker(contract))
                self.errors.take(contract.conId)
                await self.bucket.acquire()
                return await fn()
            finally:
                self.lines_in_use -= 1

    async def snapshot(self, contract: Contract) -> Ticker:
        """One snapshot (bid/ask/last and, for options, Greeks), retried on pacing errors."""
        for attempt in range(self.config.pacing_retry_limit + 1):
            tickers = await self._with_line(contract, lambda: self._snapshot_once(contract))
            errors = self.errors.take(contract.conId)
            if not any(is_pacing_error(c, m) for c, m in errors):
                self._raise_for(contract, errors)
                return tickers
            self.pacing_errors += 1
            await self._sleep(self.config.pacing_backoff_s * (attempt + 1))
        raise PacingViolation(f"IB pacing: snapshot for {contract.localSymbol or contract.symbol} "
                              f"refused {self.config.pacing_retry_limit + 1} times",
                              retry_after=self.config.pacing_backoff_s)

    async def _snapshot_once(self, contract: Contract) -> Ticker:
        (ticker,) = await bounded(self.ib.reqTickersAsync(contract), self.config.request_timeout_s,
                                  f"a snapshot of {contract.localSymbol or contract.symbol}")
        return ticker

    @staticmethod
    def _raise_for(contract: Contract, errors: list[tuple[int, str]]) -> None:
        hard = [(c, m) for c, m in errors if c in (200, 321, 354, 10090, 10168)]
        if hard:
            code, message = hard[0]
            raise VenueError(f"IB refused market data for {contract.localSymbol or contract.symbol}: "
                             f"{code} {message}")

    async def option_ticker(self, contract: Contract, right: Right) -> Ticker:
        """Stream an option until its quote, Greeks and open interest are in, then cancel."""
        live = self.ib.ticker(contract) if contract.conId in self.streams else None
        if live is not None and option_quote_complete(live, right):
            return live  # a long-lived stream already carries it: no request
        for attempt in range(self.config.pacing_retry_limit + 1):
            ticker = await self._with_line(contract, lambda: self._stream_once(contract, right))
            errors = self.errors.take(contract.conId)
            if not any(is_pacing_error(c, m) for c, m in errors):
                self._raise_for(contract, errors)
                return ticker
            self.pacing_errors += 1
            await self._sleep(self.config.pacing_backoff_s * (attempt + 1))
        raise PacingViolation(f"IB pacing: quotes for {contract.localSymbol} refused "
                              f"{self.config.pacing_retry_limit + 1} times",
                              retry_after=self.config.pacing_backoff_s)

    async def _stream_once(self, contract: Contract, right: Right) -> Ticker:
        ticker = self.ib.reqMktData(contract, "101", False, False)

        async def complete() -> None:
            while not option_quote_complete(ticker, right) and not self.errors.by_con_id.get(contract.conId):
                await ticker.updateEvent

        try:
            await asyncio.wait_for(complete(), self.config.quote_wait_s)
        except TimeoutError:
            pass  # take what arrived: missing Greeks or OI are chain-quality facts, not errors
        finally:
            if contract.conId not in self.streams and self.ib.isConnected():
                await self.bucket.acquire()
                self.ib.cancelMktData(contract)
        return ticker

    # --- option parameters and chains --------------------------------------------------
    async def option_params(self, symbol: str) -> IBOptionChain:
        now = self.clock.now()
        cached = self._params.get(symbol)
        if cached is None or (now - cached[0]).total_seconds() > self.config.chain_cache_s:
            under = await self.contracts.underlying(symbol)
            await self.bucket.acquire()
            rows = await bounded(self.ib.reqSecDefOptParamsAsync(symbol, "", under.secType, under.conId),
                                 self.config.request_timeout_s, f"option parameters for {symbol}")
            self._params[symbol] = (now, list(rows))
        rows = self._params[symbol][1]
        wanted = self.config.trading_classes.get(symbol, symbol)
        smart = [r for r in rows if r.exchange == "SMART"] or rows
        chosen = [r for r in smart if r.tradingClass == wanted] or smart
        if not chosen:
            raise VenueError(f"IB lists no options for {symbol}")
        return chosen[0]

    async def expirations(self, symbol: str) -> list[date]:
        params = await self.option_params(symbol)
        return sorted(parse_expiry(e) for e in params.expirations)

    async def chain(self, symbol: str, expiry: date) -> OptionChain:
        """Secdef parameters + quotes with model Greeks for the strikes near spot (cached)."""
        key = (symbol, expiry)
        hit = self._chains.get(key)
        if hit and (self.clock.now() - hit[0]).total_seconds() <= self.config.chain_cache_s:
            return hit[1]
        params = await self.option_params(symbol)
        listed = sorted(parse_expiry(e) for e in params.expirations)
        spot = await self.underlying_price(symbol)
        notes: list[str] = []
        contracts: list[OptionContract] = []
        if expiry in listed:
            contracts, notes = await self._quote_strikes(symbol, expiry, params, spot)
        else:
            notes.append(f"{expiry} is not a listed expiration for {symbol}")
        chain = OptionChain(underlying=symbol, underlying_price=spot, expirations=tuple(listed),
                            contracts=tuple(contracts), timestamp=self.clock.now(), source="ibkr",
                            notes=tuple(notes))
        self._chains[key] = (self.clock.now(), chain)
        return chain

    async def _quote_strikes(self, symbol: str, expiry: date, params: IBOptionChain, spot: float
                             ) -> tuple[list[OptionContract], list[str]]:
        """The money in both rights, then each side outward in its OTM right (`strikes`)."""
        cfg = self.config
        listed = await self.contracts.expiry_options(symbol, expiry)
        by_key = {(i.strike, i.right): (i, c) for i, c in listed}
        near_per_side = min(cfg.chain_near_strikes, max(cfg.chain_max_strikes // 2, 1))
        plan = plan_strikes({k for k, _ in by_key}, spot, cfg.chain_strike_window, near_per_side)
        near = [by_key[(k, r)] for k in plan.near for r in (Right.CALL, Right.PUT) if (k, r) in by_key]
        quoted = await self.option_quotes([i for i, _ in near], [c for _, c in near])
        room = max(cfg.chain_max_strikes - len(plan.near), 0)
        sides = await asyncio.gather(self._widen(plan.below, Right.PUT, by_key, quoted, room),
                                     self._widen(plan.above, Right.CALL, by_key, quoted, room))
        quoted += [q for side in sides for q in side]
        quoted.sort(key=lambda q: (q[0].strike or 0.0, q[0].right is Right.PUT))
        now = self.clock.now()
        contracts = [option_from_ticker(inst, ticker, now) for inst, ticker in quoted]
        strikes = {c.strike for c in contracts}
        notes = [f"quoted {len(strikes)} of {len({k for k, _ in by_key})} listed strikes "
                 f"(±{cfg.chain_strike_window:.0%} of {spot:g}, wings to |delta| {cfg.chain_min_abs_delta:g})"]
        if not by_key:
            notes.append(f"IB lists no {symbol} options for {expiry}")
        missing = sum(1 for c in contracts if not c.has_greeks)
        if missing:
            notes.append(f"{missing} contracts without model Greeks")
        return contracts, notes

    async def _widen(self, side: tuple[float, ...], right: Right,
                     by_key: dict[tuple[float | None, Right | None], tuple[Instrument, Contract]],
                     near: list[tuple[Instrument, Ticker]], room: int) -> list[tuple[Instrument, Ticker]]:
        """Quote `side` outward in batches (both rights: chain validation pairs every strike)
        until the outermost option of the out-of-the-money `right` is a cheap enough wing."""
        pick = min if right is Right.PUT else max
        ours = [(i.strike or 0.0, t) for i, t in near if i.right is right]
        if ours and self._wing_done(pick(ours, key=lambda x: x[0])[1]):
            return []
        out: list[tuple[Instrument, Ticker]] = []
        for batch in batches(side, self.config.chain_near_strikes, room):
            pairs = [by_key[(k, r)] for k in batch for r in (Right.CALL, Right.PUT) if (k, r) in by_key]
            got = await self.option_quotes([i for i, _ in pairs], [c for _, c in pairs])
            out += got
            wing = [(i.strike or 0.0, t) for i, t in got if i.right is right]
            if wing and self._wing_done(pick(wing, key=lambda x: x[0])[1]):
                break
        return out

    def _wing_done(self, ticker: Ticker) -> bool:
        greeks = ticker.modelGreeks
        delta = clean_greek(greeks.delta, -2.0) if greeks is not None else None
        return wing_done(delta, clean_price(ticker.bid), self.config.chain_min_abs_delta)

    async def underlying_price(self, symbol: str) -> float:
        ticker = await self.snapshot(await self.contracts.underlying(symbol))
        bid, ask, last = clean_price(ticker.bid), clean_price(ticker.ask), clean_price(ticker.last)
        if not math.isnan(bid) and not math.isnan(ask):
            return 0.5 * (bid + ask)
        if not math.isnan(last):
            return last
        close = clean_price(ticker.close)
        if math.isnan(close):
            raise VenueError(f"IB sent no price for {symbol}")
        return close

    async def option_quotes(self, instruments: list[Instrument], contracts: list[Contract]
                            ) -> list[tuple[Instrument, Ticker]]:
        """Quotes for many options, at most `max_market_data_lines` in flight."""
        async def one(inst: Instrument, contract: Contract) -> tuple[Instrument, Ticker]:
            assert inst.right is not None
            return inst, await self.option_ticker(contract, inst.right)

        return list(await asyncio.gather(*(one(i, c) for i, c in zip(instruments, contracts, strict=True))))

    # --- history ---------------------------------------------------------------------
    async def bars(self, contract: Contract, symbol: str, days: int, bar_size: str) -> list[Bar]:
        """Historical bars (TRADES; MIDPOINT for FX), within IB's historical pacing rules."""
        what = "MIDPOINT" if contract.secType == "CASH" else "TRADES"
        key = (contract.conId, days, bar_size, what)
        for attempt in range(self.config.pacing_retry_limit + 1):
            await self.historical.acquire(key, contract.conId)
            await self.bucket.acquire()
            self.errors.take(contract.conId)
            rows = await bounded(self.ib.reqHistoricalDataAsync(
                contract, "", f"{days} D", bar_size, what, True, formatDate=2,
                timeout=self.config.request_timeout_s), self.config.request_timeout_s + 1,
                f"history for {symbol}")
            errors = self.errors.take(contract.conId)
            if any(is_pacing_error(c, m) for c, m in errors):
                self.pacing_errors += 1
                await self._sleep(self.config.pacing_backoff_s * (attempt + 1))
                continue
            if errors and not rows:
                code, message = errors[0]
                if code == 162:
                    return []  # "HMDS query returned no data"
                raise VenueError(f"IB refused history for {symbol}: {code} {message}")
            return [bar_from_ib(symbol, row) for row in rows]
        raise PacingViolation(f"IB pacing: history for {symbol} refused "
                              f"{self.config.pacing_retry_limit + 1} times",
                              retry_after=self.config.pacing_backoff_s)

    # --- long-lived streams (console, monitor) -----------------------------------------
    async def subscribe(self, contract: Contract, generic: str = "") -> Ticker:
        await self.bucket.acquire()
        self.streams[contract.conId] = (contract, generic)
        return self.ib.reqMktData(contract, generic, False, False)

    async def unsubscribe(self, contract: Contract) -> None:
        if self.streams.pop(contract.conId, None) is not None and self.ib.isConnected():
            await self.bucket.acquire()
            self.ib.cancelMktData(contract)

    async def resubscribe(self) -> int:
        """After 1101 (data lost) or a reconnect: request every live stream again."""
        for contract, generic in list(self.streams.values()):
            await self.bucket.acquire()
            self.ib.reqMktData(contract, generic, False, False)
        return len(self.streams)
