"""The order desk of the simulation venue: validation, buying power, matching, fills, marks.

Works on a `Book` inside one state transaction; the venue class wraps it in the async port.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from dorado_tui.domain.instruments import Instrument, SecType, option_symbol
from dorado_tui.domain.orders import Order, OrderStatus, OrderType
from dorado_tui.market.calendar import is_market_open
from dorado_tui.market.chains import exercise_style, option_quotes, option_tick
from dorado_tui.market.listings import expiry_close, is_listable_expiry, is_valid_strike
from dorado_tui.market.quotes import quote
from dorado_tui.market.simulator import OPTIONABLE, SimulatedMarket
from dorado_tui.market.universe import CRYPTO, FX_PAIRS, INDICES, STOCKS, calendar_of
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.ledger import fx_notional_usd, record
from dorado_tui.venues.simulation.margin import MarginFigures, figures
from dorado_tui.venues.simulation.matching import LegQuote, Match, match
from dorado_tui.venues.simulation.state import Book, OrderRec, PositionRec

_KNOWN = {SecType.STOCK: STOCKS, SecType.FX: FX_PAIRS, SecType.CRYPTO: CRYPTO}


@dataclass(frozen=True)
class Desk:
    market: SimulatedMarket
    config: SimVenueConfig

    # ----------------------------------------------------------------- prices

    def leg_quotes(self, instruments: list[Instrument], now: datetime) -> list[LegQuote]:
        options = [i for i in instruments if i.is_option]
        by_symbol = {c.symbol: c for c in option_quotes(self.market, options, now)} if options else {}
        out = []
        for inst in instruments:
            if inst.is_option:
                c = by_symbol[inst.symbol]
                out.append(LegQuote(c.bid, c.ask, float(option_tick(inst.underlying, np.array([c.mid]))[0])))
            else:
                q = quote(self.market, inst.symbol, now)
                out.append(LegQuote(q.bid, q.ask, inst.tick))
        return out

    def marks(self, positions: dict[str, PositionRec], now: datetime) -> dict[str, float]:
        """Mid marks per position symbol, plus the underlying price of every option position."""
        options = [p.instrument for p in positions.values() if p.instrument.is_option]
        marks = {c.symbol: c.mid for c in option_quotes(self.market, options, now)} if options else {}
        for sym, pos in positions.items():
            if not pos.instrument.is_option:
                marks[sym] = self.market.price_at(sym, now)[0]
        for inst in options:
            marks.setdefault(inst.underlying, self.market.price_at(inst.underlying, now)[0])
        return marks

    def margin(self, book: Book, now: datetime) -> MarginFigures:
        return figures(book.positions, book.cash, self.marks(book.positions, now), self.config.margin)

    # ----------------------------------------------------------------- validation

    def validate_contract(self, inst: Instrument, now: datetime) -> str | None:
        """Why `inst` cannot be traded at `now` (None when it can)."""
        if inst.sec_type is SecType.INDEX or inst.symbol in INDICES:
            return f"invalid contract: {inst.symbol} is an index and cannot be traded (trade its options)"
        if not inst.is_option:
            if inst.symbol not in _KNOWN.get(inst.sec_type, ()):
                return f"invalid contract: {inst.symbol} ({inst.sec_type}) is not traded at the simulation venue"
            return None
        u, exp, right, strike = inst.underlying, inst.expiry, inst.right, inst.strike
        if u not in OPTIONABLE or exp is None or right is None or strike is None:
            return f"invalid contract: {inst.symbol} is not a listed option"
        if not is_listable_expiry(u, exp, self.market.config.chains):
            return f"invalid contract: {u} lists no expiry on {exp}"
        if expiry_close(exp) <= now:
            return f"invalid contract: {inst.symbol.replace(" ", "")} expired on {exp}"
        if not is_valid_strike(u, strike):
            return f"invalid contract: {u} has no strike {strike:g}"
        if inst.symbol != option_symbol(u, exp, right, strike) or inst.multiplier != 100:
            return f"invalid contract: {inst.symbol} does not match its fields (or multiplier ≠ 100)"
        if inst.exercise is not exercise_style(u):
            return f"invalid contract: {u} options are {exercise_style(u)}, not {inst.exercise}"
        return None

    def validate(self, book: Book, order: Order, now: datetime) -> str | None:
        """The reject reason for `order` at `now`, or None when it may be accepted."""
        for leg in order.legs:
            reason = self.validate_contract(leg.instrument, now)
            if reason:
                return reason
            units = order.quantity * leg.ratio
            if leg.instrument.sec_type in (SecType.OPTION, SecType.STOCK) and abs(units - round(units)) > 1e-9:
                return f"invalid quantity: {leg.instrument.symbol.replace(" ", "")} trades in whole units, got {units:g}"
            if self.config.enforce_market_hours and not is_market_open(calendar_of(leg.instrument), now):
                return f"market closed: {leg.instrument.symbol.replace(" ", "")} does not trade at {now.isoformat()}"
            if leg.instrument.sec_type is SecType.CRYPTO and leg.action.sign < 0:
                held = book.positions.get(leg.instrument.symbol)
                have = held.quantity if held else 0.0
                if units > have + 1e-12:
                    return (f"insufficient {leg.instrument.symbol} to sell: holding {have:g}, "
                            f"selling {units:g} (spot crypto cannot be shorted)")
        return None

    def buying_power_shortfall(self, book: Book, order: Order, quantity: float, prices: tuple[float, ...],
                               now: datetime) -> str | None:
        """Reject reason when filling `quantity` at `prices` would leave buying power < 0."""
        before = self.margin(book, now)
        trial = replace(book, positions=dict(book.positions), new_fills=[], new_events=[])
        for i, (leg, price) in enumerate(zip(order.legs, prices, strict=True)):
            record(trial, leg.instrument, leg.action.sign * leg.ratio * quantity, price,
                   self.commission(order, quantity, prices)[i], order.client_order_id, "trial", now, i)
        after = self.margin(trial, now)
        # orders that reduce risk stay allowed even in a margin deficit
        if after.buying_power < -1e-6 and after.buying_power < before.buying_power - 1e-6:
            needed = after.requirement - before.requirement + (book.cash - trial.cash)
            return (f"insufficient buying power: the order needs ${needed:,.2f}, "
                    f"available ${before.buying_power:,.2f}")
        return None

    # ----------------------------------------------------------------- execution

    def commission(self, order: Order, quantity: float, prices: tuple[float, ...]) -> list[float]:
        """Commission per leg for one fill of `quantity` combo units at `prices`."""
        c = self.config.commissions
        out, per_order_minimum = [], False
        for leg, price in zip(order.legs, prices, strict=True):
            units = abs(quantity * leg.ratio)
            inst = leg.instrument
            if inst.sec_type is SecType.OPTION:
                out.append(c.option_per_contract * units)
                per_order_minimum = True
            elif inst.sec_type is SecType.STOCK:
                out.append(c.stock_per_share * units)
                per_order_minimum = True
            elif inst.sec_type is SecType.FX:
                out.append(max(fx_notional_usd(inst, units, price) * c.fx_bps / 1e4, c.fx_minimum))
            else:
                out.append(units * price * c.crypto_bps / 1e4)
        if per_order_minimum and sum(out) < c.order_minimum:
            out[0] += c.order_minimum - sum(out)
        return [round(x, 6) for x in out]

    def fill_quantity(self, rec: OrderRec) -> float:
        """How much of a marketable order fills in one matching step (market orders: all)."""
        frac = self.config.partial_fill_fraction
        remaining = rec.remaining
        if frac is None or rec.order.order_type is OrderType.MARKET:
            return remaining
        whole = any(leg.instrument.sec_type in (SecType.OPTION, SecType.STOCK) for leg in rec.order.legs)
        slice_ = max(math.floor(rec.order.quantity * frac), 1) if whole else rec.order.quantity * frac
        return min(remaining, slice_)

    def try_match(self, rec: OrderRec, now: datetime) -> Match | None:
        quotes = self.leg_quotes([leg.instrument for leg in rec.order.legs], now)
        if rec.order.order_type is OrderType.MARKET:
            sells_into_nothing = any(leg.action.sign < 0 and q.bid <= 0 for leg, q in
                                     zip(rec.order.legs, quotes, strict=True))
            if sells_into_nothing:
                return None
        return match(rec.order, quotes, self.config.limit_fill_threshold, self.config.slippage)

    def execute(self, book: Book, rec: OrderRec, m: Match, quantity: float, now: datetime) -> None:
        commissions = self.commission(rec.order, quantity, m.leg_prices)
        for i, (leg, price) in enumerate(zip(rec.order.legs, m.leg_prices, strict=True)):
            record(book, leg.instrument, leg.action.sign * leg.ratio * quantity, price, commissions[i],
                   rec.order.client_order_id, rec.venue_order_id, now, i)
        total = rec.filled + quantity
        price = m.net if rec.order.is_combo else m.leg_prices[0]  # single legs report the instrument price
        rec.avg_price = price if rec.avg_price is None else (rec.avg_price * rec.filled + price * quantity) / total
        rec.filled = total
        rec.status = OrderStatus.FILLED if rec.remaining <= 1e-9 else OrderStatus.PARTIALLY_FILLED
        rec.updated = now
        book.touch(rec)
