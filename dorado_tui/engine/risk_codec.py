"""How the risk radar's latched scope states ride in the store's trading-state rows (details JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from dorado_tui.domain.states import TradingState
from dorado_tui.risk.trading_state import ScopeState, TradingStateBook, Trip
from dorado_tui.store.repos.risk import TradingStateRecord


def trip_to_json(trip: Trip) -> dict[str, Any]:
    return {"scope": trip.scope, "state": trip.state.value, "code": trip.code, "reason": trip.reason,
            "time": trip.time.isoformat(), "sizing_multiplier": trip.sizing_multiplier,
            "figure": trip.figure, "period": trip.period}


def trip_from_json(doc: Mapping[str, Any]) -> Trip:
    return Trip(str(doc["scope"]), TradingState(doc["state"]), str(doc["code"]), str(doc["reason"]),
                datetime.fromisoformat(doc["time"]), float(doc.get("sizing_multiplier", 1.0)),
                None if doc.get("figure") is None else float(doc["figure"]), str(doc.get("period", "")))


def scope_details(state: ScopeState) -> dict[str, Any]:
    """The details column of a scope's row: trips, sizing cut, acknowledgements."""
    return {"sizing_multiplier": state.sizing_multiplier,
            "trips": [trip_to_json(t) for t in state.trips],
            "since": None if state.since is None else state.since.isoformat(),
            "acknowledged": [list(a) for a in state.acknowledged]}


def scope_from_record(record: TradingStateRecord) -> ScopeState:
    d = record.details or {}
    since = d.get("since")
    return ScopeState(
        state=record.state,
        sizing_multiplier=float(d.get("sizing_multiplier", 1.0)),
        trips=tuple(trip_from_json(t) for t in d.get("trips", [])),
        since=datetime.fromisoformat(since) if since else record.at,
        acknowledged=tuple((str(c), str(p), float(f)) for c, p, f in d.get("acknowledged", [])),
    )


def book_from_records(records: Mapping[str, TradingStateRecord]) -> TradingStateBook:
    """The book of every stored scope (scopes never stored read ACTIVE)."""
    return TradingStateBook(MappingProxyType({s: scope_from_record(r) for s, r in records.items()}))


def scope_reason(state: ScopeState) -> str:
    """One line for the row's reason column: the trips' reasons, newest last."""
    return "; ".join(t.reason for t in state.trips)
