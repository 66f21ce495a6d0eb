"""The comparison itself, as pure functions: venue snapshot + store snapshot → findings and verdict.

Rules (each finding states its effect on the global trading state):
- an order or execution at the venue that no Dorado intent explains → HALTED (someone else is
  trading the account, or an intent was lost: either way nothing may be guessed);
- a working order the store knows but the venue never saw, a submitted intent the venue does not
  know, a filled quantity the stored fills do not add up to, a position the managed positions do
  not explain → REDUCING (only risk-reducing orders until an operator looks);
- executions of Dorado's own orders the store lacks are ingested (idempotently, by exec id), and
  so is a Dorado order's newer status; neither changes the trading state. The venue's own
  bookings (expiry, exercise, assignment) are the lifecycle's to attribute to positions: they are
  reported, and explain a position difference when they account for it exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace

from dorado_tui.domain.orders import Fill, OrderResult
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.reconcile.model import (
    QTY_EPS,
    Finding,
    Kind,
    Reconciliation,
    StoreView,
    VenueView,
)

#: Venue order ids under which venues book their own events (the simulation venue's expiries,
#: exercises and assignments); their executions are facts to ingest, not unknown orders.
VENUE_EVENT_ORDER_IDS = frozenset({"SIM-LIFECYCLE"})

ACTIVE, REDUCING, HALTED = TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED


def is_venue_event(fill: Fill) -> bool:
    """Whether the venue booked this execution itself (expiry/exercise/assignment)."""
    return fill.venue_order_id in VENUE_EVENT_ORDER_IDS


def reconcile(venue: VenueView, store: StoreView,
              venue_event: Callable[[Fill], bool] = is_venue_event) -> Reconciliation:
    """Compare the two sides (see the module docstring); the result says what to ingest."""
    findings: list[Finding] = []
    records = _orders(venue, store, findings)
    findings += _not_at_venue(venue, store)
    fills = _executions(venue, store, venue_event, findings)
    findings += _filled_quantities(venue, store, fills)
    findings += _positions(venue, store, findings)
    return Reconciliation(venue.venue, venue.account, venue.reason, venue.time, tuple(findings),
                          tuple(fills), tuple(records))


def _qty(x: float) -> str:
    return f"{x:+g}" if abs(x) > QTY_EPS else "0"


def _orders(venue: VenueView, store: StoreView, findings: list[Finding]) -> list[OrderResult]:
    """Orders the venue reported: unknown ones flagged, newer states of Dorado's own to record."""
    records: list[OrderResult] = []
    for cid, result in sorted(venue.orders.items()):
        stored = store.orders.get(cid)
        if cid not in store.intents:
            if result.venue_order_id in VENUE_EVENT_ORDER_IDS:
                continue
            live = result.status.is_working or result.filled_quantity > QTY_EPS
            findings.append(Finding(
                Kind.UNKNOWN_ORDER, HALTED if live else ACTIVE, cid,
                f"order {cid} (venue id {result.venue_order_id}) at the venue was not placed by Dorado: "
                f"{result.status.value}, filled {result.filled_quantity:g}"
                + ("" if live else " — inactive, nothing to do"),
                details={"status": result.status.value, "filled": result.filled_quantity}))
            if live and (stored is None or _changed(stored, result)):
                records.append(replace(result, fills=()))  # visible to `dorado orders`; fills not trusted
            continue
        if stored is None or _changed(stored, result):
            before = "no stored order" if stored is None else f"{stored.status.value} {stored.filled_quantity:g}"
            findings.append(Finding(
                Kind.ORDER_UPDATE, ACTIVE, cid,
                f"order {cid}: store had {before}, venue says {result.status.value} "
                f"{result.filled_quantity:g} — recorded", ingested=True,
                details={"status": result.status.value, "filled": result.filled_quantity}))
            records.append(replace(result, fills=()))
    return records


def _changed(stored: OrderResult, venue: OrderResult) -> bool:
    return stored.status is not venue.status or abs(stored.filled_quantity - venue.filled_quantity) > QTY_EPS


def _not_at_venue(venue: VenueView, store: StoreView) -> list[Finding]:
    """Orders the store believes work, and intents it believes sent, that the venue never saw."""
    out: list[Finding] = []
    flagged: set[str] = set()
    for cid, stored in sorted(store.orders.items()):
        if stored.status.is_working and cid not in venue.orders:
            flagged.add(cid)
            out.append(Finding(Kind.ORDER_NOT_AT_VENUE, REDUCING, cid,
                               f"order {cid} is {stored.status.value} in the store but the venue does not know it"))
    for cid, intent in sorted(store.intents.items()):
        if cid in venue.orders or cid in flagged:
            continue
        if intent.status == "submitted":
            out.append(Finding(Kind.UNRESOLVED_INTENT, REDUCING, cid,
                               f"intent {cid} ({intent.bot_id or 'no bot'}) was submitted but the venue does not "
                               "know it, and intent recovery left it unresolved"))
        elif intent.status == "recorded":
            out.append(Finding(Kind.UNSENT_INTENT, ACTIVE, cid,
                               f"intent {cid} ({intent.bot_id or 'no bot'}) was recorded but never reached the "
                               "venue (intent recovery decides whether it is sent or abandoned)"))
    return out


def _all_executions(venue: VenueView) -> list[Fill]:
    seen: dict[str, Fill] = {}
    for fill in [*venue.executions, *(f for r in venue.orders.values() for f in r.fills)]:
        seen.setdefault(fill.exec_id, fill)
    return sorted(seen.values(), key=lambda f: (f.time, f.client_order_id, f.leg_index, f.exec_id))


def _fill_text(f: Fill) -> str:
    return (f"{f.action.value} {f.quantity:g} {f.symbol} @ {f.price:g} (exec {f.exec_id}, order "
            f"{f.client_order_id}, {f.time:%Y-%m-%d %H:%M})")


def _executions(venue: VenueView, store: StoreView, venue_event: Callable[[Fill], bool],
                findings: list[Finding]) -> list[Fill]:
    """Executions the store lacks: Dorado's and the venue's own are ingested, others flagged."""
    ingest: list[Fill] = []
    for fill in _all_executions(venue):
        if fill.exec_id in store.fill_ids:
            continue
        if fill.client_order_id in store.intents:
            findings.append(Finding(Kind.MISSING_FILL, ACTIVE, fill.exec_id,
                                    f"missing fill ingested: {_fill_text(fill)}", ingested=True))
            ingest.append(fill)
        elif venue_event(fill):  # the lifecycle attributes these to positions; it records them
            findings.append(Finding(Kind.VENUE_EVENT, ACTIVE, fill.exec_id,
                                    f"venue booking the lifecycle has not processed yet: {_fill_text(fill)}",
                                    details={"symbol": fill.symbol, "signed": fill.signed_quantity}))
        else:
            findings.append(Finding(Kind.UNKNOWN_EXECUTION, HALTED, fill.exec_id,
                                    f"execution of an order Dorado did not place: {_fill_text(fill)}",
                                    details={"symbol": fill.symbol, "signed": fill.signed_quantity}))
    return ingest


def _units(fills: Iterable[Fill], ratio: int) -> float:
    return sum(f.quantity for f in fills if f.leg_index == 0) / max(ratio, 1)


def _filled_quantities(venue: VenueView, store: StoreView, ingested: list[Fill]) -> list[Finding]:
    """Each Dorado order's filled quantity at the venue against what the store's fills add up to."""
    new: dict[str, list[Fill]] = defaultdict(list)
    for fill in ingested:
        new[fill.client_order_id].append(fill)
    out: list[Finding] = []
    for cid, result in sorted(venue.orders.items()):
        intent = store.intents.get(cid)
        if intent is None:
            continue
        have = store.filled_units.get(cid, 0.0) + _units(new.get(cid, ()), intent.first_leg_ratio)
        if abs(have - result.filled_quantity) > QTY_EPS:
            out.append(Finding(Kind.FILLED_QUANTITY, REDUCING, cid,
                               f"order {cid}: the venue reports {result.filled_quantity:g} filled but the store's "
                               f"fills add up to {have:g} (executions the venue did not list)",
                               details={"venue": result.filled_quantity, "store": have}))
    return out


def _positions(venue: VenueView, store: StoreView, findings: list[Finding]) -> list[Finding]:
    """Venue positions against the managed positions' legs, symbol by symbol."""
    out: list[Finding] = []
    for sym in sorted(set(venue.positions) | set(store.positions)):
        held = venue.positions[sym].quantity if sym in venue.positions else 0.0
        booked = store.positions.get(sym, 0.0)
        if abs(held - booked) <= QTY_EPS:
            continue
        owners = ", ".join(store.owners.get(sym, ())) or "no managed position"
        text = f"position {sym}: venue {_qty(held)}, store {_qty(booked)} ({owners})"
        text += _explanation(sym, held - booked, findings)
        out.append(Finding(Kind.POSITION_MISMATCH, REDUCING, sym, text,
                           details={"venue": held, "store": booked, "difference": held - booked}))
    return out


def _explanation(symbol: str, difference: float, findings: list[Finding]) -> str:
    """Why a position differs, when executions found in this run account for it exactly."""
    for kind, what in ((Kind.VENUE_EVENT, "the venue's bookings the lifecycle has not processed yet"),
                       (Kind.UNKNOWN_EXECUTION, "executions of orders Dorado did not place")):
        found = [f for f in findings if f.kind is kind and f.details.get("symbol") == symbol]
        if found and abs(sum(float(f.details["signed"]) for f in found) - difference) <= QTY_EPS:
            return f" — explained by {what}: " + ", ".join(f.subject for f in found)
    return ""
