"""Fault injection switches for the gateway simulator (set by tests or the control channel)."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from enum import StrEnum


class ReplyKind(StrEnum):
    """Replies a fault can swallow silently (the request arrives, the answer never does)."""

    ORDER_ACK = "order_ack"  # openOrder + orderStatus after a placeOrder
    SNAPSHOT = "snapshot"  # every tick and the snapshot end of one market-data request
    CONTRACT_DETAILS = "contract_details"
    OPTION_PARAMS = "option_params"
    EXECUTIONS = "executions"
    OPEN_ORDERS = "open_orders"
    COMPLETED_ORDERS = "completed_orders"
    POSITIONS = "positions"
    ACCOUNT_SUMMARY = "account_summary"
    CANCEL = "cancel"


class QuoteFault(StrEnum):
    """How a contract's quotes are broken."""

    NAN = "nan"  # no bid/ask (-1 with size 0) and no Greeks
    STALE = "stale"  # frozen data (market data type 2) from a halted book
    DELAYED = "delayed"  # delayed data (type 3): no market-data subscription


class PacingTarget(StrEnum):
    MARKET_DATA = "market_data"
    HISTORICAL = "historical"


@dataclass(frozen=True, slots=True)
class Rejection:
    code: int
    reason: str


@dataclass
class FaultPlan:
    """Every pending fault. Counters count down as the faults fire."""

    refuse_client_ids: int = 0
    hold_orders: bool = False
    delay_seconds: float = 0.0
    rejections: deque[Rejection] = field(default_factory=deque)
    partial_fills: deque[float] = field(default_factory=deque)
    drops: Counter[ReplyKind] = field(default_factory=Counter)
    pacing: Counter[PacingTarget] = field(default_factory=Counter)
    quotes: dict[int, QuoteFault] = field(default_factory=dict)

    def take_drop(self, kind: ReplyKind) -> bool:
        """True (and consume one) when the next reply of this kind must be swallowed."""
        if self.drops[kind] > 0:
            self.drops[kind] -= 1
            return True
        return False

    def take_pacing(self, target: PacingTarget) -> bool:
        if self.pacing[target] > 0:
            self.pacing[target] -= 1
            return True
        return False

    def take_rejection(self) -> Rejection | None:
        return self.rejections.popleft() if self.rejections else None

    def take_partial(self) -> float | None:
        return self.partial_fills.popleft() if self.partial_fills else None

    def clear(self) -> None:
        """Back to a healthy gateway."""
        self.refuse_client_ids = 0
        self.hold_orders = False
        self.delay_seconds = 0.0
        self.rejections.clear()
        self.partial_fills.clear()
        self.drops.clear()
        self.pacing.clear()
        self.quotes.clear()
