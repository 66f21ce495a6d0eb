"""Tables for order intents, orders as the venue sees them, fills, and fill quality."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint

from dorado_tui.store.tables.base import Field, Keyed, json_list, utc


class OrderIntentRow(Keyed, table=True):
    """What Dorado means to send, written before any submit. The client order id is the
    idempotency key the venue carries: a second intent with the same id is refused."""

    __tablename__ = "order_intents"
    __table_args__ = (UniqueConstraint("user_id", "client_order_id"), Index(None, "user_id", "status"))

    client_order_id: str
    bot_key: str | None = Field(default=None, index=True)
    candidate_key: str | None = None
    order_type: str
    quantity: float
    limit_price: float | None = None
    opening: bool = True
    tag: str = ""
    legs: list[dict[str, Any]] = json_list()
    status: str = "recorded"
    status_reason: str = ""
    created_at: datetime = utc()
    submitted_at: datetime | None = utc(default=None)
    updated_at: datetime = utc()


class OrderRow(Keyed, table=True):
    """The venue's view of one order (also orders found at the venue without an intent)."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("user_id", "client_order_id"), Index(None, "user_id", "status"))

    client_order_id: str
    intent_id: int | None = Field(default=None, foreign_key="order_intents.id")
    venue_order_id: str | None = Field(default=None, index=True)
    status: str
    quantity: float = 0.0
    limit_price: float | None = None
    filled_quantity: float = 0.0
    avg_fill_price: float | None = None
    reason: str = ""
    legs: list[dict[str, Any]] = json_list()
    created_at: datetime = utc()
    updated_at: datetime = utc()


class FillRow(Keyed, table=True):
    """One execution of one leg; the venue's exec id makes recording it idempotent."""

    __tablename__ = "fills"
    __table_args__ = (UniqueConstraint("user_id", "exec_id"), Index(None, "user_id", "time"))

    exec_id: str
    client_order_id: str = Field(index=True)
    venue_order_id: str
    symbol: str
    action: str
    quantity: float
    price: float
    multiplier: int
    commission: float = 0.0
    leg_index: int = 0
    time: datetime = utc()


class FillQualityRow(Keyed, table=True):
    """Expected (mid at decision) against actual fill price: slippage tracking."""

    __tablename__ = "fill_quality"

    client_order_id: str = Field(index=True)
    symbol: str
    action: str
    quantity: float
    expected_price: float
    limit_price: float | None = None
    actual_price: float
    slippage: float
    steps: int = 0
    at: datetime = utc()
