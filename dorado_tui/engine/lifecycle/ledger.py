"""A position's books as a fold over its fills: legs, average costs, realized P&L and fees.

Positions are never incremented in place: the legs of a position are recomputed from every fill
attributed to it (its own orders' fills, found by client order id, and the venue's assignment,
exercise and expiry fills, attributed by signal rows). Recording a fill twice is impossible (the
fills table keys executions by exec id), so a position always equals the sum of its fills — the
invariant the crash tests and reconciliation check.

Average-cost accounting, as the venue books it: cost grows on additions, stays on reductions and
resets when a leg flips through zero; a reduction realizes (price − avg) × closed × multiplier.
Commissions reduce realized P&L when paid. FX pairs are margined: P&L converts to USD at the
fill (realized) or mark (unrealized) rate. With these rules, for one account whose positions are
all managed: realized + unrealized = change in NAV net of deposits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from math import gcd

from dorado_tui.domain.instruments import Instrument, Right, SecType
from dorado_tui.domain.orders import Fill

EPS = 1e-9


@dataclass(frozen=True, slots=True)
class LegBook:
    """One instrument of a position: signed quantity (short < 0), average cost per unit."""

    instrument: Instrument
    quantity: float = 0.0
    avg_cost: float = 0.0
    realized: float = 0.0

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def is_open(self) -> bool:
        return abs(self.quantity) > EPS

    def value(self, mark: float) -> float:
        """What the leg adds to NAV at `mark` (FX: its unrealized P&L, the rest: market value)."""
        if self.instrument.sec_type is SecType.FX:
            return self.unrealized(mark)
        return self.quantity * mark * self.instrument.multiplier

    def unrealized(self, mark: float) -> float:
        raw = self.quantity * (mark - self.avg_cost) * self.instrument.multiplier
        return to_usd(self.instrument, raw, mark)


def to_usd(instrument: Instrument, amount: float, rate: float) -> float:
    """An FX amount in the pair's quote currency, in USD at `rate` (USD-quoted: unchanged)."""
    if instrument.sec_type is not SecType.FX or instrument.currency == "USD" or rate <= 0:
        return amount
    return amount / rate


def side_of(instrument: Instrument) -> str:
    """Which side of a multi-leg structure a leg belongs to: put, call or underlying."""
    if instrument.right is Right.PUT:
        return "put"
    if instrument.right is Right.CALL:
        return "call"
    return "underlying"


@dataclass(frozen=True)
class Ledger:
    """The fold's result: legs in the order first traded, and the position's money figures."""

    legs: tuple[LegBook, ...] = ()
    trading_realized: float = 0.0
    fees: float = 0.0
    income: float = 0.0
    cash_flow: float = 0.0
    fill_count: int = 0

    @property
    def realized(self) -> float:
        """Realized P&L net of fees, with dividends and other income."""
        return self.trading_realized + self.income - self.fees

    @property
    def open_legs(self) -> tuple[LegBook, ...]:
        return tuple(leg for leg in self.legs if leg.is_open)

    @property
    def is_flat(self) -> bool:
        return not self.open_legs

    def leg(self, symbol: str) -> LegBook | None:
        return next((leg for leg in self.legs if leg.symbol == symbol), None)

    def unrealized(self, marks: Mapping[str, float]) -> float:
        """Unrealized P&L at `marks` (a leg without a mark raises KeyError: never guessed)."""
        return sum(leg.unrealized(marks[leg.symbol]) for leg in self.open_legs)

    def market_value(self, marks: Mapping[str, float]) -> float:
        return sum(leg.value(marks[leg.symbol]) for leg in self.open_legs)

    def side_pnl(self, marks: Mapping[str, float]) -> dict[str, float]:
        """Unrealized P&L per side (PRD: per-side P&L of multi-leg structures)."""
        out: dict[str, float] = {}
        for leg in self.open_legs:
            side = side_of(leg.instrument)
            out[side] = out.get(side, 0.0) + leg.unrealized(marks[leg.symbol])
        return out


def _apply(leg: LegBook, signed_qty: float, price: float) -> tuple[LegBook, float]:
    """(new leg, trading P&L realized by this execution)."""
    q, dq = leg.quantity, signed_qty
    closing = min(abs(dq), abs(q)) if q * dq < 0 else 0.0
    realized = closing * (price - leg.avg_cost) * (1.0 if q > 0 else -1.0) * leg.instrument.multiplier
    realized = to_usd(leg.instrument, realized, price)
    new_q = q + dq
    if abs(new_q) < EPS:
        return replace(leg, quantity=0.0, avg_cost=0.0, realized=leg.realized + realized), realized
    if abs(q) < EPS or q * dq > 0:
        avg = (abs(q) * leg.avg_cost + abs(dq) * price) / abs(new_q)
    elif q * new_q < 0:
        avg = price  # flipped through zero: the remainder was opened at this price
    else:
        avg = leg.avg_cost
    return replace(leg, quantity=new_q, avg_cost=avg, realized=leg.realized + realized), realized


def _cash(instrument: Instrument, fill: Fill, realized: float) -> float:
    if instrument.sec_type is SecType.FX:
        return realized - fill.commission
    return -fill.signed_quantity * fill.price * fill.multiplier - fill.commission


def fold(fills: Iterable[Fill], instrument_of: Callable[[Fill], Instrument],
         income: Iterable[float] = ()) -> Ledger:
    """The books after `fills` (applied in time order, then leg index, then exec id)."""
    legs: dict[str, LegBook] = {}
    trading = fees = cash = 0.0
    count = 0
    for fill in sorted(fills, key=lambda f: (f.time, f.leg_index, f.exec_id)):
        leg = legs.get(fill.symbol) or LegBook(instrument_of(fill))
        leg, realized = _apply(leg, fill.signed_quantity, fill.price)
        legs[fill.symbol] = leg
        trading += realized
        fees += fill.commission
        cash += _cash(leg.instrument, fill, realized)
        count += 1
    gained = sum(income)
    return Ledger(tuple(legs.values()), trading, fees, gained, cash + gained, count)


def combo_units(legs: Iterable[LegBook]) -> tuple[float, tuple[tuple[LegBook, int], ...]]:
    """(units, ((leg, ratio), …)) such that units × ratio = |quantity| for each open leg.

    Whole-unit instruments (options, stock) share their greatest common divisor, so an iron
    condor of 3 closes as 3 × (1,1,1,1) and 100 shares with one short call as 1 × (100, 1);
    fractional ones (FX, crypto) close as one leg of their own quantity.
    """
    open_legs = [leg for leg in legs if leg.is_open]
    if not open_legs:
        return 0.0, ()
    whole = all(leg.instrument.sec_type in (SecType.OPTION, SecType.STOCK) for leg in open_legs)
    if not whole or len(open_legs) == 1:
        if len(open_legs) > 1:
            raise ValueError("a multi-leg close needs whole-unit legs")
        return abs(open_legs[0].quantity), ((open_legs[0], 1),)
    sizes = [round(abs(leg.quantity)) for leg in open_legs]
    units = 0
    for s in sizes:
        units = gcd(units, s)
    return float(units), tuple((leg, s // units) for leg, s in zip(open_legs, sizes, strict=True))
