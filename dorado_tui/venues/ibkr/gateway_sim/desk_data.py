"""The simulator's data desk: contracts, option parameters, market data, account and positions."""

from __future__ import annotations

import math
from dataclasses import replace

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import PacingViolation
from dorado_tui.venues.ibkr.gateway_sim.book import (
    AccountSnapshot,
    Book,
    BookQuote,
    ContractQuery,
    ContractSpec,
    Greeks,
)
from dorado_tui.venues.ibkr.gateway_sim.faults import FaultPlan, PacingTarget, QuoteFault, ReplyKind
from dorado_tui.venues.ibkr.gateway_sim.messages import MessageEncoder
from dorado_tui.venues.ibkr.gateway_sim.requests import (
    AccountSummaryRequest,
    AccountUpdatesMultiRequest,
    ContractDetailsRequest,
    HistoricalDataRequest,
    MarketDataRequest,
    SecDefOptParamsRequest,
)
from dorado_tui.venues.ibkr.gateway_sim.session import Session
from dorado_tui.venues.ibkr.gateway_sim.wire import Field

NO_SECURITY = (200, "No security definition has been found for the request")
SNAPSHOT_GENERIC = (321, "Error validating request.-'bW' : cause - Snapshot market data subscription "
                         "is not applicable to generic ticks")
MAX_TICKERS = (101, "Max number of tickers has been reached")
PACING_MD = (100, "Max rate of messages per second has been exceeded:max=50 rec=51 (1)")
PACING_HIST = (162, "Historical Market Data Service error message:API historical data query "
                    "cancelled: pacing violation")
DELAYED_NOTICE = (10167, "Requested market data is not subscribed. Displaying delayed market data.")
_NO_GREEKS = Greeks(None, None, None, None, None, None, None, None)


def duration_days(duration: str) -> int:
    """Calendar days in an IB duration string ("30 D", "2 W", "6 M", "1 Y"); 0 if unreadable."""
    amount, _, unit = duration.strip().partition(" ")
    per_unit = {"D": 1, "W": 7, "M": 31, "Y": 366}.get(unit.strip().upper(), 0)
    try:
        return int(amount) * per_unit
    except ValueError:
        return 0


def account_rows(acct: AccountSnapshot) -> list[tuple[str, str, str]]:
    """(tag, value, currency) rows as IB names them."""
    cur = acct.currency
    rows = [
        ("AccountType", "INDIVIDUAL", ""),
        ("NetLiquidation", f"{acct.net_liquidation:.2f}", cur),
        ("TotalCashValue", f"{acct.cash:.2f}", cur),
        ("SettledCash", f"{acct.cash:.2f}", cur),
        ("BuyingPower", f"{acct.buying_power:.2f}", cur),
        ("EquityWithLoanValue", f"{acct.net_liquidation:.2f}", cur),
        ("InitMarginReq", f"{acct.initial_margin:.2f}", cur),
        ("MaintMarginReq", f"{acct.maintenance_margin:.2f}", cur),
        ("AvailableFunds", f"{acct.net_liquidation - acct.initial_margin:.2f}", cur),
        ("ExcessLiquidity", f"{acct.net_liquidation - acct.maintenance_margin:.2f}", cur),
    ]
    rows += [(tag, f"{value:.2f}", cur) for tag, value in acct.extra.items()]
    return rows


def quote_messages(enc: MessageEncoder, req_id: int, spec: ContractSpec, quote: BookQuote,
                   generic_ticks: str) -> list[list[Field]]:
    """The ticks a gateway sends for one quote: prices and sizes, then option computations."""
    delayed = quote.market_data_type in (3, 4)
    bid_t, ask_t, last_t = (66, 67, 68) if delayed else (1, 2, 4)
    msgs: list[list[Field]] = [enc.market_data_type(req_id, quote.market_data_type)]
    for tick, price, size in ((bid_t, quote.bid, quote.bid_size), (ask_t, quote.ask, quote.ask_size)):
        if math.isnan(price) or price <= 0:
            msgs.append(enc.tick_price(req_id, tick, -1.0, 0.0))
        else:
            msgs.append(enc.tick_price(req_id, tick, price, max(size, 1.0)))
    if not math.isnan(quote.last):
        msgs.append(enc.tick_price(req_id, last_t, quote.last, quote.last_size))
    if not math.isnan(quote.close):
        msgs.append(enc.tick_price(req_id, 9, quote.close, 0.0))
    msgs.append(enc.tick_size(req_id, 8, quote.volume))
    if spec.sec_type == "OPT":
        if "101" in generic_ticks.split(",") and quote.open_interest is not None:
            msgs.append(enc.tick_size(req_id, 27 if spec.right == "C" else 28, float(quote.open_interest)))
        for tick, greeks in ((10, quote.bid_greeks), (11, quote.ask_greeks), (13, quote.model)):
            if greeks is not None or tick == 13:
                msgs.append(enc.tick_option_computation(req_id, tick, greeks or _NO_GREEKS))
    if quote.halted:
        msgs.append(enc.tick_generic(req_id, 49, 1.0))
    return msgs


def apply_quote_fault(quote: BookQuote, fault: QuoteFault | None) -> BookQuote:
    """The quote a faulty feed would deliver."""
    if fault is QuoteFault.NAN:
        return replace(quote, bid=math.nan, ask=math.nan, last=math.nan, model=None,
                       bid_greeks=None, ask_greeks=None)
    if fault is QuoteFault.STALE:
        return replace(quote, market_data_type=2)
    if fault is QuoteFault.DELAYED:
        return replace(quote, market_data_type=3)
    return quote


class DataDesk:
    """Answers data requests from the book, honouring the fault plan."""

    def __init__(self, book: Book, clock: Clock, faults: FaultPlan, max_lines: int = 100) -> None:
        self.book = book
        self.clock = clock
        self.faults = faults
        self.max_lines = max_lines

    async def contract_details(self, s: Session, req: ContractDetailsRequest) -> None:
        specs = await self.book.find_contracts(req.contract)
        if self.faults.take_drop(ReplyKind.CONTRACT_DETAILS):
            return
        if not specs:
            s.send(s.encoder.error(req.req_id, *NO_SECURITY))
            return
        for spec in specs:
            s.send(s.encoder.contract_details(req.req_id, spec))
        s.send(s.encoder.contract_details_end(req.req_id))

    async def option_params(self, s: Session, req: SecDefOptParamsRequest) -> None:
        rows = await self.book.option_params(req.con_id)
        if self.faults.take_drop(ReplyKind.OPTION_PARAMS):
            return
        for row in rows:
            s.send(s.encoder.sec_def_opt_params(req.req_id, row.exchange, row.underlying_con_id,
                                                row.trading_class, row.multiplier,
                                                list(row.expirations), list(row.strikes)))
        s.send(s.encoder.sec_def_opt_params_end(req.req_id))

    async def _resolve(self, query: ContractQuery) -> ContractSpec | None:
        if query.con_id:
            return await self.book.contract(query.con_id)
        specs = await self.book.find_contracts(query)
        return specs[0] if len(specs) == 1 else None

    async def market_data(self, s: Session, req: MarketDataRequest) -> None:
        enc = s.encoder
        if self.faults.take_pacing(PacingTarget.MARKET_DATA):
            s.send(enc.error(req.req_id, *PACING_MD))
            return
        if req.snapshot and req.generic_ticks:
            s.send(enc.error(req.req_id, *SNAPSHOT_GENERIC))
            return
        spec = await self._resolve(req.contract)
        if spec is None:
            s.send(enc.error(req.req_id, *NO_SECURITY))
            return
        if not req.snapshot and len(s.subs.market_data) >= self.max_lines:
            s.send(enc.error(req.req_id, *MAX_TICKERS))
            return
        if self.faults.take_drop(ReplyKind.SNAPSHOT):
            return
        if not req.snapshot:
            s.subs.market_data[req.req_id] = spec.con_id
            s.subs.generic_ticks[req.req_id] = req.generic_ticks
        await self._send_quote(s, req.req_id, spec, req.generic_ticks)
        if req.snapshot:
            s.send(enc.tick_snapshot_end(req.req_id))

    async def _send_quote(self, s: Session, req_id: int, spec: ContractSpec, generic: str) -> None:
        try:
            quote = await self.book.quote(spec.con_id, self.clock.now())
        except PacingViolation:  # a venue-backed book refusing over its own rate limit
            s.send(s.encoder.error(req_id, *PACING_MD))
            return
        if quote is None:
            return
        quote = apply_quote_fault(quote, self.faults.quotes.get(spec.con_id))
        if quote.market_data_type in (3, 4):
            s.send(s.encoder.error(req_id, *DELAYED_NOTICE))
        for msg in quote_messages(s.encoder, req_id, spec, quote, generic):
            s.send(msg)

    def cancel_market_data(self, s: Session, req_id: int) -> None:
        s.subs.market_data.pop(req_id, None)
        s.subs.generic_ticks.pop(req_id, None)

    async def publish(self, sessions: list[Session], con_id: int | None = None) -> int:
        """Push fresh quotes to every stream (of one contract, or all); returns streams served."""
        served = 0
        for s in sessions:
            for req_id, cid in list(s.subs.market_data.items()):
                if con_id is not None and cid != con_id:
                    continue
                spec = await self.book.contract(cid)
                if spec is not None:
                    await self._send_quote(s, req_id, spec, s.subs.generic_ticks.get(req_id, ""))
                    served += 1
        return served

    async def historical(self, s: Session, req: HistoricalDataRequest) -> None:
        if self.faults.take_pacing(PacingTarget.HISTORICAL):
            s.send(s.encoder.error(req.req_id, *PACING_HIST))
            return
        spec = await self._resolve(req.contract)
        if spec is None:
            s.send(s.encoder.error(req.req_id, *NO_SECURITY))
            return
        days = duration_days(req.duration)
        rows = await self.book.bars(spec.con_id, self.clock.now(), days, req.bar_size) if days else []
        if not rows:
            s.send(s.encoder.error(req.req_id, 162, "Historical Market Data Service error "
                                                    "message:HMDS query returned no data"))
            return
        s.send(s.encoder.historical_data(req.req_id, rows[0][0], rows[-1][0], rows))

    async def account_updates(self, s: Session, subscribe: bool) -> None:
        s.subs.account_updates = subscribe
        if subscribe:
            await self.push_account(s)

    async def push_account(self, s: Session) -> None:
        """Account values, portfolio rows, the account time and the download end."""
        now = self.clock.now()
        acct = await self.book.account(now)
        for tag, text, cur in account_rows(acct):
            s.send(s.encoder.account_value(tag, text, cur, acct.account))
        for pos in await self.book.positions():
            mult = pos.spec.multiplier_value
            mark = pos.market_price if not math.isnan(pos.market_price) else pos.avg_cost / mult
            value = pos.quantity * mark * mult
            unrealized = value - pos.quantity * pos.avg_cost
            s.send(s.encoder.portfolio_value(pos.spec, pos.quantity, mark, value, pos.avg_cost,
                                             unrealized, 0.0, acct.account))
        s.send(s.encoder.account_time(now))
        s.send(s.encoder.account_download_end(acct.account))

    async def account_updates_multi(self, s: Session, req: AccountUpdatesMultiRequest) -> None:
        acct = await self.book.account(self.clock.now())
        for tag, value, cur in account_rows(acct):
            s.send(s.encoder.account_update_multi(req.req_id, acct.account, tag, value, cur))
        s.send(s.encoder.account_update_multi_end(req.req_id))

    async def account_summary(self, s: Session, req: AccountSummaryRequest) -> None:
        if self.faults.take_drop(ReplyKind.ACCOUNT_SUMMARY):
            return
        acct = await self.book.account(self.clock.now())
        wanted = {t.strip() for t in req.tags.split(",") if t.strip()}
        for tag, value, cur in account_rows(acct):
            if tag in wanted:
                s.send(s.encoder.account_summary(req.req_id, acct.account, tag, value, cur))
        s.send(s.encoder.account_summary_end(req.req_id))

    async def positions(self, s: Session, subscribe: bool = True) -> None:
        s.subs.positions = subscribe
        if self.faults.take_drop(ReplyKind.POSITIONS):
            return
        await self.push_positions(s)
        s.send(s.encoder.position_end())

    async def push_positions(self, s: Session, con_ids: set[int] | None = None) -> None:
        held = {p.spec.con_id: p for p in await self.book.positions()}
        for con_id in con_ids if con_ids is not None else set(held):
            pos = held.get(con_id)
            if pos is not None:
                s.send(s.encoder.position(self.book.account_id, pos.spec, pos.quantity, pos.avg_cost))
            else:
                spec = await self.book.contract(con_id)
                if spec is not None:
                    s.send(s.encoder.position(self.book.account_id, spec, 0.0, 0.0))
