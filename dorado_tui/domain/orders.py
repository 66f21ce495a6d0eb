"""Orders, legs, fills and the venue's answers to them.

Sign conventions (used by every venue adapter and the risk radar):
- `Action.BUY` adds to a position, `Action.SELL` subtracts from it, per leg × ratio × quantity.
- A combo's `limit_price` is the net price per combo unit: positive = the operator pays (debit),
  negative = the operator receives (credit). Single-leg orders quote the instrument price.
- `client_order_id` is Dorado's idempotency key; venues carry it as their order reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dorado_tui.domain.instruments import Instrument


class Action(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Action.BUY else -1

    @property
    def opposite(self) -> Action:
        return Action.SELL if self is Action.BUY else Action.BUY


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class OrderStatus(StrEnum):
    """Venue-side order status; `is_working` ones can still fill or be cancelled."""

    PENDING_SUBMIT = "pending_submit"
    SUBMITTED = "submitted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_working(self) -> bool:
        return self in (OrderStatus.PENDING_SUBMIT, OrderStatus.SUBMITTED, OrderStatus.PARTIALLY_FILLED)

    @property
    def is_final(self) -> bool:
        return not self.is_working


@dataclass(frozen=True, slots=True)
class OrderLeg:
    """One leg of an order: the instrument, its side, and its ratio within one combo unit."""

    instrument: Instrument
    action: Action
    ratio: int = 1

    @property
    def signed_ratio(self) -> int:
        return self.action.sign * self.ratio


@dataclass(frozen=True, slots=True)
class Order:
    """An order as Dorado intends it. Multi-leg orders are one combo, filled atomically or not."""

    client_order_id: str
    legs: tuple[OrderLeg, ...]
    quantity: float
    order_type: OrderType
    limit_price: float | None = None
    bot_id: str | None = None
    opening: bool = True
    tag: str = ""

    def __post_init__(self) -> None:
        if not self.legs:
            raise ValueError("an order needs at least one leg")
        if self.quantity <= 0:
            raise ValueError(f"order quantity must be positive, got {self.quantity}")
        if self.order_type is OrderType.LIMIT and self.limit_price is None:
            raise ValueError("a limit order needs a limit price")

    @property
    def is_combo(self) -> bool:
        return len(self.legs) > 1

    def position_change(self) -> dict[str, float]:
        """Signed change in position per instrument symbol if the order fills completely."""
        change: dict[str, float] = {}
        for leg in self.legs:
            sym = leg.instrument.symbol
            change[sym] = change.get(sym, 0.0) + leg.signed_ratio * self.quantity
        return change


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one leg (combo fills arrive as one Fill per leg)."""

    exec_id: str
    client_order_id: str
    venue_order_id: str
    symbol: str
    action: Action
    quantity: float
    price: float
    multiplier: int
    time: datetime
    commission: float = 0.0
    leg_index: int = 0

    @property
    def signed_quantity(self) -> float:
        return self.action.sign * self.quantity

    @property
    def cash_flow(self) -> float:
        """Cash moved by the fill (negative when paying), commission included."""
        return -self.signed_quantity * self.price * self.multiplier - self.commission


@dataclass(frozen=True, slots=True)
class OrderResult:
    """The venue's view of one order."""

    client_order_id: str
    venue_order_id: str | None
    status: OrderStatus
    filled_quantity: float = 0.0
    avg_fill_price: float | None = None
    fills: tuple[Fill, ...] = field(default=())
    reason: str = ""
    time: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.status is not OrderStatus.REJECTED


@dataclass(frozen=True, slots=True)
class CancelResult:
    client_order_id: str
    cancelled: bool
    status: OrderStatus
    reason: str = ""
