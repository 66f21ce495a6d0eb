"""Cash and position accounting of the simulation venue.

Stocks, options and crypto are cash instruments: a fill moves price × quantity × multiplier of
cash. FX positions are margined (like a spot FX account at a broker): opening moves no cash,
and reducing realises the P&L in USD at the fill price. Average cost is per unit (not ×
multiplier), grows on additions, stays on reductions and resets when a position flips.
"""

from __future__ import annotations

from datetime import datetime

from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Action, Fill
from dorado_tui.venues.simulation.state import Book, PositionRec

_EPS = 1e-9


def fx_to_usd(instrument: Instrument, amount_in_quote: float, rate: float) -> float:
    """Convert an amount in the pair's quote currency to USD at `rate` (the pair's price)."""
    return amount_in_quote if instrument.symbol.endswith("USD") else amount_in_quote / rate


def fx_notional_usd(instrument: Instrument, quantity: float, rate: float) -> float:
    """USD value of `quantity` units of the pair's base currency."""
    return abs(quantity) * (rate if instrument.symbol.endswith("USD") else 1.0)


def fx_unrealized_usd(position: PositionRec, mark: float) -> float:
    return fx_to_usd(position.instrument, position.quantity * (mark - position.avg_cost), mark)


def apply_trade(book: Book, instrument: Instrument, signed_qty: float, price: float,
                commission: float) -> None:
    """Book one execution: cash, position quantity and average cost."""
    pos = book.positions.get(instrument.symbol) or PositionRec(instrument, 0.0, 0.0)
    q, dq = pos.quantity, signed_qty
    if instrument.sec_type is SecType.FX:
        closing = min(abs(dq), abs(q)) if q * dq < 0 else 0.0
        realized = closing * (price - pos.avg_cost) * (1.0 if q > 0 else -1.0)
        book.cash += fx_to_usd(instrument, realized, price) - commission
    else:
        book.cash += -dq * price * instrument.multiplier - commission
    new_q = q + dq
    if abs(new_q) < _EPS:
        book.positions.pop(instrument.symbol, None)
        return
    if abs(q) < _EPS or q * dq > 0:
        avg = (abs(q) * pos.avg_cost + abs(dq) * price) / abs(new_q)
    elif q * new_q < 0:
        avg = price  # flipped through zero: the remainder was opened at this price
    else:
        avg = pos.avg_cost
    book.positions[instrument.symbol] = PositionRec(instrument, new_q, avg)


def record(book: Book, instrument: Instrument, signed_qty: float, price: float, commission: float,
           client_order_id: str, venue_order_id: str, time: datetime, leg_index: int = 0) -> Fill:
    """Book an execution and keep its Fill for the executions report."""
    apply_trade(book, instrument, signed_qty, price, commission)
    fill = Fill(exec_id=book.next_exec_id(), client_order_id=client_order_id,
                venue_order_id=venue_order_id, symbol=instrument.symbol,
                action=Action.BUY if signed_qty > 0 else Action.SELL, quantity=abs(signed_qty),
                price=price, multiplier=instrument.multiplier, time=time, commission=commission,
                leg_index=leg_index)
    book.new_fills.append(fill)
    return fill
