"""Shared values for the reconciliation tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.market.spec import MarketSpec

SPEC = MarketSpec(seed=7, start=date(2015, 1, 2))
MONDAY_11AM = datetime(2024, 3, 11, 15, 0, tzinfo=UTC)  # 11:00 New York, a regular session
SPY = Instrument("SPY", SecType.STOCK, "SPY")


def spy_order(cid: str, quantity: float = 10, action: Action = Action.BUY, limit: float | None = None) -> Order:
    kind = OrderType.MARKET if limit is None else OrderType.LIMIT
    return Order(cid, (OrderLeg(SPY, action),), quantity, kind, limit, bot_id="spy-ic-01")
