"""Reconciliation's values: the venue's and the store's snapshots, each finding, and the verdict.

Pure data (no I/O): the comparison in `compare.py` turns a `VenueView` and a `StoreView` into a
`Reconciliation` — findings with their effect on the trading state, the fills and order states to
ingest, and a readable diff. Everything is keyed by Dorado's client order id (IB's orderRef).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from dorado_tui.domain.account import AccountState, Position
from dorado_tui.domain.orders import Fill, OrderResult
from dorado_tui.domain.states import TradingState

#: Quantities closer than this are equal (they are floats; never compared with ==).
QTY_EPS = 1e-6


class Kind(StrEnum):
    """What a finding is about. The effect (trading state) is decided by `compare`."""

    UNKNOWN_ORDER = "unknown_order"  # an order at the venue Dorado never intended
    UNKNOWN_EXECUTION = "unknown_execution"  # an execution of such an order
    MISSING_FILL = "missing_fill"  # an execution of a Dorado order the store lacked (ingested)
    VENUE_EVENT = "venue_event"  # expiry / exercise / assignment booked by the venue (ingested)
    ORDER_UPDATE = "order_update"  # the venue's status of a Dorado order moved on (ingested)
    ORDER_NOT_AT_VENUE = "order_not_at_venue"  # the store thinks it works; the venue never saw it
    UNRESOLVED_INTENT = "unresolved_intent"  # submitted intent the venue does not know
    UNSENT_INTENT = "unsent_intent"  # recorded intent never sent (the lifecycle's recovery owns it)
    FILLED_QUANTITY = "filled_quantity"  # the venue's filled quantity differs from the store's fills
    POSITION_MISMATCH = "position_mismatch"  # venue position != managed positions' legs


@dataclass(frozen=True, slots=True)
class Finding:
    """One difference between the venue and the store, its effect, and what was done about it."""

    kind: Kind
    effect: TradingState
    subject: str  # the client order id, exec id or symbol it concerns
    text: str
    ingested: bool = False
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.effect is not TradingState.ACTIVE

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "effect": self.effect.value, "subject": self.subject,
                "text": self.text, "ingested": self.ingested, "details": dict(self.details)}


@dataclass(frozen=True, slots=True)
class IntentFacts:
    """What reconciliation needs of one stored order intent."""

    client_order_id: str
    status: str  # an IntentStatus value: recorded | submitted | resolved | abandoned
    bot_id: str | None
    quantity: float
    first_leg_ratio: int = 1
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True)
class VenueView:
    """The venue's side: every order it reported (open, completed, or asked about by id), its
    executions, its positions by symbol, and its account."""

    venue: str
    account: str
    reason: str  # startup | reconnect | schedule | manual | connect | data-lost
    time: datetime
    orders: Mapping[str, OrderResult]
    executions: tuple[Fill, ...]
    positions: Mapping[str, Position]
    account_state: AccountState | None = None


@dataclass(frozen=True)
class StoreView:
    """The store's side for the orders of interest and this account's managed positions.

    `positions` sums the legs of the open managed positions that trade on this venue;
    `owners` names those positions per symbol (for the diff). `filled_units` is the combo units
    the stored fills of each order add up to.
    """

    intents: Mapping[str, IntentFacts]
    orders: Mapping[str, OrderResult]
    fill_ids: frozenset[str]
    filled_units: Mapping[str, float]
    positions: Mapping[str, float]
    owners: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Reconciliation:
    """The outcome of one comparison: findings, the verdict, and what to write to the store."""

    venue: str
    account: str
    reason: str
    time: datetime
    findings: tuple[Finding, ...]
    fills_to_ingest: tuple[Fill, ...]
    orders_to_record: tuple[OrderResult, ...]

    @property
    def verdict(self) -> TradingState:
        """The most restrictive effect of any finding (ACTIVE when the two sides agree)."""
        return TradingState.worst(*(f.effect for f in self.findings))

    @property
    def clean(self) -> bool:
        return self.verdict is TradingState.ACTIVE

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    @property
    def digest(self) -> str:
        """A stable fingerprint of the blocking findings: an operator's resume acknowledges this
        exact diff, and the same diff does not trip again until something changes."""
        lines = sorted(f"{f.kind.value}|{f.subject}|{f.effect.value}|{_canonical(f.details)}" for f in self.blocking)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]

    def diff_lines(self) -> list[str]:
        """The readable diff: blocking findings first, then what was ingested, then notes."""
        order = sorted(self.findings, key=lambda f: (-f.effect.severity, not f.ingested, f.kind.value, f.subject))
        return [f"{_mark(f)} {f.text}" for f in order]

    def headline(self) -> str:
        n = len(self.blocking)
        ingested = sum(f.ingested for f in self.findings)
        what = "venue and store agree" if n == 0 else f"{n} discrepanc{'y' if n == 1 else 'ies'}"
        extra = f", {ingested} ingested" if ingested else ""
        return (f"reconcile {self.venue} account {self.account or '?'} ({self.reason}) at "
                f"{self.time:%Y-%m-%d %H:%M:%S} UTC: {self.verdict.value} — {what}{extra}")

    def as_dict(self) -> dict[str, Any]:
        return {"venue": self.venue, "account": self.account, "reason": self.reason,
                "time": self.time.isoformat(), "verdict": self.verdict.value, "clean": self.clean,
                "digest": self.digest, "headline": self.headline(),
                "findings": [f.as_dict() for f in self.findings],
                "ingested_fills": [f.exec_id for f in self.fills_to_ingest],
                "recorded_orders": [o.client_order_id for o in self.orders_to_record],
                "diff": self.diff_lines()}


def _canonical(details: Mapping[str, Any]) -> str:
    """Details as stable text (floats rounded so float noise never changes a digest)."""
    return ",".join(f"{k}={round(v, 6) if isinstance(v, float) else v}" for k, v in sorted(details.items()))


def _mark(f: Finding) -> str:
    if f.effect is TradingState.HALTED:
        return "✗ HALTED  "
    if f.effect is TradingState.REDUCING:
        return "✗ REDUCING"
    return "✓ ingested" if f.ingested else "· note    "
