"""Order and instrument builders shared by the IBKR integration tests."""

from __future__ import annotations

from datetime import date

from dorado_tui.domain.instruments import ExerciseStyle, Instrument, Right, option_instrument
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType

EXPIRY = date(2025, 3, 28)


def put(strike: float, expiry: date = EXPIRY) -> Instrument:
    return option_instrument("SPY", expiry, Right.PUT, strike, ExerciseStyle.AMERICAN)


def call(strike: float, expiry: date = EXPIRY) -> Instrument:
    return option_instrument("SPY", expiry, Right.CALL, strike, ExerciseStyle.AMERICAN)


def put_spread(coid: str, quantity: float = 1, limit: float = 0.0, short: float = 550.0,
               long: float = 545.0) -> Order:
    """A bull put spread bought as a combo; limit 0.0 = accept any credit (marketable)."""
    return Order(coid, (OrderLeg(put(short), Action.SELL), OrderLeg(put(long), Action.BUY)),
                 quantity, OrderType.LIMIT, limit_price=limit)


def single(coid: str, instrument: Instrument, action: Action, quantity: float = 1,
           limit: float | None = None) -> Order:
    kind = OrderType.MARKET if limit is None else OrderType.LIMIT
    return Order(coid, (OrderLeg(instrument, action),), quantity, kind, limit_price=limit)

