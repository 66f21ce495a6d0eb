"""A deterministic in-memory `Book` for the gateway simulator's protocol tests and demos.

Quotes come from Black-Scholes-Merton (`dorado_tui.quant.pricing`) on a skewed flat-term vol,
with spreads widening away from the money. Fills take the natural side of every leg. Margin is
the worst expiry loss of each underlying's options and stock over a price grid (defined-risk
spreads need their max loss, naked shorts a lot), which is enough to reject what a cash-light
account cannot carry; it is not IB's margin engine and does not pretend to be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from dorado_tui.domain.clock import NEW_YORK, Clock
from dorado_tui.quant.pricing import bsm_greeks
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
from dorado_tui.venues.ibkr.gateway_sim.memory_universe import (
    UnderlyingConfig,
    Universe,
    default_underlyings,
    expiry_instant,
)

YEAR_SECONDS = 365.0 * 86400.0


@dataclass
class Holding:
    quantity: float = 0.0
    cost: float = 0.0  # total cost basis in currency (price × multiplier × quantity)


@dataclass
class MemoryBook:
    """Deterministic market + account: spots move only when told (`set_spot`)."""

    clock: Clock
    account_id: str = "DU1234567"
    cash: float = 100_000.0
    rate: float = 0.04
    underlyings: tuple[UnderlyingConfig, ...] = field(default_factory=default_underlyings)
    holdings: dict[int, Holding] = field(default_factory=dict)
    spots: dict[int, float] = field(default_factory=dict)
    quote_overrides: dict[int, BookQuote] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.universe = Universe(self.underlyings, self.trading_day(self.clock.now()))
        for u in self.underlyings:
            self.spots.setdefault(u.con_id, u.spot)
        # load the compiled pricing kernels now, not inside the first quote the gateway serves
        bsm_greeks(100.0, 100.0, 0.1, 0.0, 0.0, 0.2, True)

    # --- reference data ----------------------------------------------------------------
    def trading_day(self, now: datetime) -> date:
        return now.astimezone(NEW_YORK).date()

    async def find_contracts(self, query: ContractQuery) -> list[ContractSpec]:
        if query.con_id:
            spec = self.universe.specs.get(query.con_id)
            return [spec] if spec else []
        return [s for s in self.universe.specs.values() if query.matches(s)]

    async def contract(self, con_id: int) -> ContractSpec | None:
        return self.universe.specs.get(con_id)

    async def option_params(self, underlying_con_id: int) -> list[OptionParams]:
        row = self.universe.params.get(underlying_con_id)
        return [row] if row else []

    def spec_by_local_symbol(self, local_symbol: str) -> ContractSpec:
        """Test helper: the contract with this local (OCC) symbol."""
        for spec in self.universe.specs.values():
            if spec.local_symbol == local_symbol:
                return spec
        raise KeyError(local_symbol)

    def set_spot(self, symbol: str, spot: float) -> None:
        for u in self.underlyings:
            if u.symbol == symbol:
                self.spots[u.con_id] = spot
                return
        raise KeyError(symbol)

    # --- quotes ------------------------------------------------------------------------
    async def quote(self, con_id: int, now: datetime) -> BookQuote | None:
        if con_id in self.quote_overrides:
            return self.quote_overrides[con_id]
        spec = self.universe.specs.get(con_id)
        if spec is None:
            return None
        if spec.sec_type == "OPT":
            return self._option_quote(spec, now)
        spot = self.spots[con_id]
        half = max(spec.min_tick, spot * 0.00002)
        return BookQuote(bid=round(spot - half, 6), ask=round(spot + half, 6), last=spot,
                         bid_size=500, ask_size=500, last_size=100, volume=1_000_000, close=spot)

    def _model(self, spec: ContractSpec, now: datetime) -> tuple[float, Greeks]:
        u = self.universe.config_of[spec.con_id]
        spot = self.spots[u.con_id]
        t = max((expiry_instant(_ymd(spec.expiry)) - now).total_seconds(), 60.0) / YEAR_SECONDS
        vol = max(u.vol * (1.0 + u.skew * math.log(spot / spec.strike)), 0.05)
        g = bsm_greeks(spot, spec.strike, t, self.rate, u.dividend_yield, vol, spec.right == "C")
        price = float(g.price)
        return price, Greeks(implied_vol=vol, delta=float(g.delta), gamma=float(g.gamma),
                             vega=float(g.vega), theta=float(g.theta), option_price=price,
                             underlying_price=spot, pv_dividend=0.0)

    def _option_quote(self, spec: ContractSpec, now: datetime) -> BookQuote:
        mid, greeks = self._model(spec, now)
        tick = spec.min_tick
        u = self.universe.config_of[spec.con_id]
        moneyness = abs(math.log(self.spots[u.con_id] / spec.strike))
        spread = max(2 * tick, mid * (0.02 + 0.5 * moneyness))
        bid = math.floor((mid - spread / 2) / tick) * tick
        ask = math.ceil((mid + spread / 2) / tick) * tick
        oi = int(8000 * math.exp(-60 * moneyness * moneyness)) + 10
        return BookQuote(bid=round(bid, 4) if bid >= tick else math.nan, ask=round(ask, 4),
                         last=round(mid, 2), bid_size=20, ask_size=20, last_size=1,
                         volume=float(oi // 7), open_interest=oi, model=greeks)

    def _mark(self, con_id: int, now: datetime) -> float:
        spec = self.universe.specs[con_id]
        return self._model(spec, now)[0] if spec.sec_type == "OPT" else self.spots[con_id]

    async def bars(self, con_id: int, end: datetime, days: int, bar_size: str) -> list[BarRow]:
        spec = self.universe.specs.get(con_id)
        if spec is None or bar_size.strip() != "1 day" or spec.sec_type == "OPT":
            return []
        sessions = [d for d in (self.trading_day(end) - timedelta(days=i) for i in range(days))
                    if d.weekday() < 5][::-1]
        u = self.universe.config_of[con_id]
        rng = np.random.default_rng(con_id)
        rets = rng.normal(0.0, u.vol / math.sqrt(252), len(sessions))
        path = np.cumsum(rets)
        closes = self.spots[con_id] * np.exp(path - path[-1])  # the last close is today's spot
        rows: list[BarRow] = []
        for d, close_, r in zip(sessions, closes, rets, strict=True):
            close, open_ = float(close_), float(close_) / math.exp(float(r))
            hi, lo = max(open_, close) * 1.002, min(open_, close) * 0.998
            rows.append((f"{d:%Y%m%d}", round(open_, 2), round(hi, 2), round(lo, 2), round(close, 2),
                         1.0e6, round((open_ + close) / 2, 2), 5000))
        return rows

    # --- execution -----------------------------------------------------------------------
    async def execute(self, request: ExecutionRequest) -> ExecutionOutcome:
        priced = await self._natural(request)
        if priced is None:
            return ExecutionOutcome(0.0)
        net, legs = priced
        if request.limit is not None:
            marketable = net <= request.limit + 1e-9 if request.action == "BUY" else net >= request.limit - 1e-9
            if not marketable:
                return ExecutionOutcome(0.0)
        reason = self._margin_reason(request, legs)
        if reason:
            return ExecutionOutcome(0.0, reject_reason=reason)
        for leg in legs:
            self._book_leg(leg)
        return ExecutionOutcome(request.quantity, net, tuple(legs))

    async def _natural(self, request: ExecutionRequest) -> tuple[float, list[LegExecution]] | None:
        """Net price per unit at the natural side of every leg, and the leg executions."""
        net = 0.0
        legs: list[LegExecution] = []
        for leg in request.legs:
            buy = (leg.action == "BUY") == (request.action == "BUY")
            q = await self.quote(leg.spec.con_id, request.time)
            price = (q.ask if buy else q.bid) if q is not None else math.nan
            if math.isnan(price) or price <= 0:
                return None
            qty = request.quantity * leg.ratio
            net += (price if buy else -price) * leg.ratio
            legs.append(LegExecution(leg.spec, "BUY" if buy else "SELL", qty, price,
                                     self._commission(leg.spec, qty, price)))
        per_unit = net if request.action == "BUY" else -net
        return round(per_unit, 6), legs

    @staticmethod
    def _commission(spec: ContractSpec, qty: float, price: float) -> float:
        if spec.sec_type == "OPT":
            return round(max(0.65 * qty, 1.0), 2)
        if spec.sec_type == "CASH":
            return round(max(qty * price * 0.00002, 2.0), 2)
        return round(max(0.005 * qty, 1.0), 2)

    def _usd(self, currency: str) -> float:
        """USD per unit of `currency` at the book's FX spots (the account is kept in USD)."""
        if currency == "USD":
            return 1.0
        for u in self.underlyings:
            if u.sec_type == "CASH" and u.symbol == "USD" and u.currency == currency:
                return 1.0 / self.spots[u.con_id]
            if u.sec_type == "CASH" and u.symbol == currency and u.currency == "USD":
                return self.spots[u.con_id]
        raise ValueError(f"the in-memory book has no USD rate for {currency}")

    def _value(self, con_id: int, quantity: float, price: float) -> float:
        spec = self.universe.specs[con_id]
        return quantity * price * spec.multiplier_value * self._usd(spec.currency)

    def _book_leg(self, leg: LegExecution) -> None:
        h = self.holdings.setdefault(leg.spec.con_id, Holding())
        signed = leg.quantity if leg.action == "BUY" else -leg.quantity
        value = leg.price * leg.spec.multiplier_value  # cost basis stays in the contract currency
        fx = self._usd(leg.spec.currency)
        self.cash -= (signed * value + leg.commission) * fx
        if h.quantity == 0 or (h.quantity > 0) == (signed > 0):
            h.cost += signed * value
            h.quantity += signed
        elif abs(signed) <= abs(h.quantity):  # reducing keeps the average cost of the rest
            avg = h.cost / h.quantity
            h.quantity += signed
            h.cost = avg * h.quantity
        else:  # flipping: the new side starts at this price
            h.quantity += signed
            h.cost = h.quantity * value
        if abs(h.quantity) < 1e-9:
            del self.holdings[leg.spec.con_id]

    # --- account -------------------------------------------------------------------------
    def _margin(self, holdings: dict[int, float], now: datetime) -> float:
        """Σ over underlyings of the worst loss at expiry (see margin.py)."""
        by_underlying: dict[int, list[Exposure]] = {}
        for con_id, qty in holdings.items():
            spec = self.universe.specs[con_id]
            root = spec.under_con_id or con_id
            by_underlying.setdefault(root, []).append(Exposure(
                qty, self._mark(con_id, now), spec.multiplier_value,
                spec.strike if spec.sec_type == "OPT" else None, spec.right))
        return sum(worst_expiry_loss(self.spots[root], rows) * self._usd(self.universe.specs[root].currency)
                   for root, rows in by_underlying.items())

    def _margin_reason(self, request: ExecutionRequest, legs: list[LegExecution]) -> str:
        after = {cid: h.quantity for cid, h in self.holdings.items()}
        cash_after = self.cash
        for leg in legs:
            signed = leg.quantity if leg.action == "BUY" else -leg.quantity
            after[leg.spec.con_id] = after.get(leg.spec.con_id, 0.0) + signed
            cash_after -= (self._value(leg.spec.con_id, signed, leg.price)
                           + leg.commission * self._usd(leg.spec.currency))
        after = {k: v for k, v in after.items() if abs(v) > 1e-9}
        marks = sum(self._value(c, q, self._mark(c, request.time)) for c, q in after.items())
        equity = cash_after + marks
        margin = self._margin(after, request.time)
        if equity < margin:
            return (f"YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY "
                    f"WITH LOAN VALUE [{equity:.2f} USD] MUST EXCEED THE INITIAL MARGIN [{margin:.2f} USD]")
        return ""

    async def margin_impact(self, request: ExecutionRequest) -> tuple[float, float, float] | str:
        priced = await self._natural(request)
        if priced is None:
            return "No market for one or more legs"
        _, legs = priced
        before = self._margin({c: h.quantity for c, h in self.holdings.items()}, request.time)
        after = {c: h.quantity for c, h in self.holdings.items()}
        for leg in legs:
            after[leg.spec.con_id] = after.get(leg.spec.con_id, 0.0) + (
                leg.quantity if leg.action == "BUY" else -leg.quantity)
        change = self._margin({k: v for k, v in after.items() if abs(v) > 1e-9}, request.time) - before
        return change, change, sum(leg.commission for leg in legs)

    async def positions(self) -> list[BookPosition]:
        now = self.clock.now()
        out = []
        for con_id, h in sorted(self.holdings.items()):
            spec = self.universe.specs[con_id]
            out.append(BookPosition(spec, h.quantity, round(h.cost / h.quantity, 8), self._mark(con_id, now)))
        return out

    async def account(self, now: datetime) -> AccountSnapshot:
        marks = sum(self._value(c, h.quantity, self._mark(c, now)) for c, h in self.holdings.items())
        net_liq = self.cash + marks
        margin = self._margin({c: h.quantity for c, h in self.holdings.items()}, now)
        return AccountSnapshot(self.account_id, "USD", round(self.cash, 2), round(net_liq, 2),
                               round(max(net_liq - margin, 0.0), 2), round(margin, 2), round(margin, 2))


def _ymd(text: str) -> date:
    return datetime.strptime(text, "%Y%m%d").replace(tzinfo=UTC).date()
