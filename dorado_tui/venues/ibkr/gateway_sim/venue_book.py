"""`VenueBook`: the gateway simulator served by any Dorado options venue (normally the
simulation venue over the seeded simulated market), through the venue ports only.

The venue decides fills, commissions, positions and the account; this class only translates:
IB contract queries ↔ Dorado instruments (conIds are stable hashes of Dorado symbols), IB
combo conventions ↔ Dorado orders, and immediate-or-cancel execution for the gateway's
resting-order logic (the gateway keeps the IB order; the venue sees one IOC attempt per step).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from dorado_tui.domain.clock import NEW_YORK, Clock
from dorado_tui.domain.instruments import Instrument, OptionChain, Right, SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderResult, OrderType
from dorado_tui.venues.base import OptionsVenueAdapter
from dorado_tui.venues.ibkr.gateway_sim.book import (
    AccountSnapshot,
    BarRow,
    BookPosition,
    BookQuote,
    ContractQuery,
    ContractSpec,
    ExecutionOutcome,
    ExecutionRequest,
    Greeks,
    LegExecution,
    OptionParams,
)
from dorado_tui.venues.ibkr.gateway_sim.margin import Exposure, worst_expiry_loss
from dorado_tui.venues.ibkr.gateway_sim.memory_universe import occ_local_symbol


def stable_con_id(symbol: str) -> int:
    """A conId that is the same in every process for the same Dorado symbol."""
    return 100_000_000 + zlib.crc32(symbol.encode()) % 900_000_000


@dataclass
class VenueBook:
    """A `Book` over an `OptionsVenueAdapter`; `underlyings` lists what it serves."""

    venue: OptionsVenueAdapter
    clock: Clock
    underlyings: Iterable[Instrument]
    account_id: str = ""
    trading_classes: Mapping[str, str] = field(default_factory=lambda: {"SPX": "SPXW"})
    index_exchanges: Mapping[str, str] = field(default_factory=lambda: {"SPX": "CBOE", "VIX": "CBOE",
                                                                        "VIX3M": "CBOE"})

    def __post_init__(self) -> None:
        self._specs: dict[int, ContractSpec] = {}
        self._instruments: dict[int, Instrument] = {}
        self._chains: dict[tuple[str, date], tuple[date, OptionChain]] = {}
        self._seq = 0
        for inst in self.underlyings:
            self._register(inst)
        if not self.account_id:
            self.account_id = self.venue.status().account or "DU0000001"

    # --- contracts -----------------------------------------------------------------------
    def _register(self, inst: Instrument) -> ContractSpec:
        con_id = stable_con_id(inst.symbol)
        known = self._instruments.get(con_id)
        if known is not None and known != inst:
            raise ValueError(f"conId collision between {known.symbol!r} and {inst.symbol!r}")
        spec = self._spec(inst, con_id)
        self._specs[con_id], self._instruments[con_id] = spec, inst
        return spec

    def _spec(self, inst: Instrument, con_id: int) -> ContractSpec:
        base = ContractSpec(con_id=con_id, symbol=inst.symbol, sec_type="STK", currency=inst.currency,
                            min_tick=inst.tick, primary_exchange="ARCA", local_symbol=inst.symbol,
                            trading_class=inst.symbol)
        match inst.sec_type:
            case SecType.OPTION:
                assert inst.expiry and inst.right and inst.strike is not None
                tclass = self.trading_classes.get(inst.underlying, inst.underlying)
                right = "C" if inst.right is Right.CALL else "P"
                return replace(base, symbol=inst.underlying, sec_type="OPT", primary_exchange="",
                               trading_class=tclass, multiplier=str(inst.multiplier),
                               local_symbol=occ_local_symbol(tclass, inst.expiry, right, inst.strike),
                               expiry=f"{inst.expiry:%Y%m%d}", strike=inst.strike, right=right,
                               under_symbol=inst.underlying, under_con_id=stable_con_id(inst.underlying))
            case SecType.FX:
                local = f"{inst.symbol[:3]}.{inst.symbol[3:]}"
                return replace(base, symbol=inst.symbol[:3], sec_type="CASH", exchange="IDEALPRO",
                               primary_exchange="", currency=inst.symbol[3:], local_symbol=local,
                               trading_class=local)
            case SecType.CRYPTO:
                return replace(base, symbol=inst.underlying, sec_type="CRYPTO", exchange="PAXOS",
                               primary_exchange="PAXOS", local_symbol=f"{inst.underlying}.USD")
            case SecType.INDEX:
                exchange = self.index_exchanges.get(inst.symbol, "CBOE")
                return replace(base, sec_type="IND", exchange=exchange, primary_exchange=exchange)
        return base

    async def _chain(self, underlying: str, expiry: date) -> OptionChain:
        today = self.trading_day(self.clock.now())
        hit = self._chains.get((underlying, expiry))
        if hit is None or hit[0] != today:
            chain = await self.venue.get_chain(underlying, expiry)
            self._chains[(underlying, expiry)] = (today, chain)
            for c in chain.contracts:
                self._register(c.instrument)
        return self._chains[(underlying, expiry)][1]

    async def find_contracts(self, query: ContractQuery) -> list[ContractSpec]:
        if query.con_id:
            spec = self._specs.get(query.con_id)
            return [spec] if spec else []
        if query.sec_type in ("OPT", "FOP") or query.expiry:
            return await self._find_options(query)
        return [s for s in self._specs.values() if s.sec_type != "OPT" and query.matches(s)]

    async def _find_options(self, query: ContractQuery) -> list[ContractSpec]:
        if len(query.expiry) != 8 or not any(i.symbol == query.symbol for i in self._underlyings()):
            return []
        expiry = datetime.strptime(query.expiry, "%Y%m%d").replace(tzinfo=NEW_YORK).date()
        if expiry not in await self.venue.get_expirations(query.symbol):
            return []
        chain = await self._chain(query.symbol, expiry)
        specs = [self._specs[stable_con_id(c.symbol)] for c in chain.contracts]
        return [s for s in specs if query.matches(s)]

    def _underlyings(self) -> list[Instrument]:
        return [i for i in self._instruments.values() if not i.is_option]

    async def contract(self, con_id: int) -> ContractSpec | None:
        return self._specs.get(con_id)

    async def option_params(self, underlying_con_id: int) -> list[OptionParams]:
        inst = self._instruments.get(underlying_con_id)
        if inst is None or inst.is_option:
            return []
        try:
            expiries = await self.venue.get_expirations(inst.symbol)
        except Exception:  # the venue lists no options for it
            return []
        strikes: set[float] = set()
        for expiry in expiries:
            strikes.update(c.strike for c in (await self._chain(inst.symbol, expiry)).contracts)
        if not expiries:
            return []
        tclass = self.trading_classes.get(inst.symbol, inst.symbol)
        return [OptionParams("SMART", underlying_con_id, tclass, "100",
                             tuple(f"{e:%Y%m%d}" for e in expiries), tuple(sorted(strikes)))]

    # --- quotes ------------------------------------------------------------------------
    async def quote(self, con_id: int, now: datetime) -> BookQuote | None:
        inst = self._instruments.get(con_id)
        if inst is None:
            return None
        if not inst.is_option:
            quotes = await self.venue.get_quotes([inst.symbol])
            if not quotes:
                return None
            q = quotes[0]
            return BookQuote(bid=q.bid, ask=q.ask, last=q.last, bid_size=q.bid_size,
                             ask_size=q.ask_size, volume=0.0, close=q.last)
        (oc,) = await self.venue.get_option_quotes([inst])
        model = None if oc.delta is None else Greeks(
            implied_vol=oc.implied_vol, delta=oc.delta, gamma=oc.gamma, vega=oc.vega, theta=oc.theta,
            option_price=oc.mid if oc.bid > 0 else None, underlying_price=oc.underlying_price)
        return BookQuote(bid=oc.bid if oc.bid > 0 else math.nan, ask=oc.ask if oc.ask > 0 else math.nan,
                         last=math.nan, bid_size=10, ask_size=10, volume=float(oc.volume),
                         open_interest=oc.open_interest, model=model)

    async def bars(self, con_id: int, end: datetime, days: int, bar_size: str) -> list[BarRow]:
        return []  # the venue ports carry no history: the gateway answers "no data" (162)

    # --- execution ---------------------------------------------------------------------
    def _order(self, request: ExecutionRequest) -> Order:
        self._seq += 1
        legs = tuple(OrderLeg(self._instruments[leg.spec.con_id],
                              Action.BUY if (leg.action == "BUY") == (request.action == "BUY") else Action.SELL,
                              leg.ratio) for leg in request.legs)
        limit = request.limit
        if limit is not None and len(legs) > 1 and request.action == "SELL":
            limit = -limit  # IB: a SELL combo's limit is the credit; Dorado: credit is negative
        kind = OrderType.MARKET if limit is None else OrderType.LIMIT
        return Order(f"tws-{request.ref}-{self._seq}", legs, request.quantity, kind, limit_price=limit)

    async def execute(self, request: ExecutionRequest) -> ExecutionOutcome:
        order = self._order(request)
        result = await self.venue.place_order(order)
        if result.status.is_working:  # immediate-or-cancel: the gateway keeps the resting order
            await self.venue.cancel_order(order.client_order_id)
            result = await self.venue.get_order(order.client_order_id) or result
        if result.status.value == "rejected":
            return ExecutionOutcome(0.0, reject_reason=result.reason or "rejected by the venue")
        return self._outcome(request, order, result)

    def _outcome(self, request: ExecutionRequest, order: Order, result: OrderResult) -> ExecutionOutcome:
        if result.filled_quantity <= 0 or not result.fills:
            return ExecutionOutcome(0.0)
        legs = []
        for index, leg in enumerate(order.legs):
            fills = [f for f in result.fills if f.leg_index == index]
            qty = sum(f.quantity for f in fills)
            price = sum(f.price * f.quantity for f in fills) / qty
            spec = self._specs[stable_con_id(leg.instrument.symbol)]
            legs.append(LegExecution(spec, leg.action.value.upper(), qty, price,
                                     sum(f.commission for f in fills)))
        net = result.avg_fill_price if result.avg_fill_price is not None else legs[0].price
        if len(order.legs) > 1 and request.action == "SELL":
            net = -net
        return ExecutionOutcome(result.filled_quantity, net, tuple(legs))

    async def margin_impact(self, request: ExecutionRequest) -> tuple[float, float, float] | str:
        """The order's own worst loss at expiry at today's marks (not the portfolio's change)."""
        exposures: list[Exposure] = []
        spot = 0.0
        for leg in request.legs:
            inst = self._instruments[leg.spec.con_id]
            quote = await self.quote(leg.spec.con_id, request.time)
            if quote is None or math.isnan(quote.bid) or math.isnan(quote.ask):
                return "No market for one or more legs"
            sign = 1 if (leg.action == "BUY") == (request.action == "BUY") else -1
            exposures.append(Exposure(sign * leg.ratio * request.quantity, 0.5 * (quote.bid + quote.ask),
                                      float(inst.multiplier), inst.strike, leg.spec.right))
            if quote.model is not None and quote.model.underlying_price:
                spot = quote.model.underlying_price
        loss = worst_expiry_loss(spot or max(e.mark for e in exposures), exposures)
        return loss, loss, 0.65 * sum(abs(e.quantity) for e in exposures if e.strike is not None)

    # --- account -----------------------------------------------------------------------
    async def positions(self) -> list[BookPosition]:
        out = []
        for p in await self.venue.get_positions():
            spec = self._specs.get(stable_con_id(p.symbol)) or self._register(p.instrument)
            mult = spec.multiplier_value
            out.append(BookPosition(spec, p.quantity, p.avg_cost * mult,
                                    p.mark if p.mark is not None else math.nan))
        return out

    async def account(self, now: datetime) -> AccountSnapshot:
        a = await self.venue.get_account_state()
        return AccountSnapshot(self.account_id, a.currency, a.cash, a.net_liquidation, a.buying_power,
                               a.initial_margin, a.maintenance_margin)

    def trading_day(self, now: datetime) -> date:
        return now.astimezone(NEW_YORK).date()
