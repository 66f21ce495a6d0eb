"""Latched trading states per scope (global, strategy layer, bot, underlying) and the order gate.

A scope's state only ever becomes *more* restrictive through `trip`; the single way back is
`resume`, an explicit operator act with a reason. `order_allowed` is the gate the lifecycle
runs before every order (in the same transaction that records the order intent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from dorado_tui.domain.orders import Order
from dorado_tui.domain.states import TradingState

GLOBAL = "global"
_EPS = 1e-9
_MAX_ACKS = 64


def layer_scope(layer: str) -> str:
    return f"layer:{layer}"


def bot_scope(bot_id: str) -> str:
    return f"bot:{bot_id}"


def underlying_scope(underlying: str) -> str:
    return f"underlying:{underlying.upper()}"


def order_scopes(layer: str | None, bot_id: str | None, underlyings: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Every scope whose state governs an order of this layer/bot on these underlyings."""
    scopes = [GLOBAL]
    if layer:
        scopes.append(layer_scope(layer))
    if bot_id:
        scopes.append(bot_scope(bot_id))
    scopes.extend(underlying_scope(u) for u in underlyings)
    return tuple(scopes)


@dataclass(frozen=True, slots=True)
class Trip:
    """Why a scope left ACTIVE: the breaker (or operator) code, the reason and when.

    `figure` is what the breaker measured and `period` the window it belongs to ("2025-03-12"
    for a daily loss, "2025-W11" weekly, "" when open-ended): after an operator resume the same
    breaker trips again only for a new period or a worse figure than the one acknowledged.
    """

    scope: str
    state: TradingState
    code: str
    reason: str
    time: datetime
    sizing_multiplier: float = 1.0
    figure: float | None = None
    period: str = ""


@dataclass(frozen=True, slots=True)
class ScopeState:
    """The latched state of one scope and the trips that put it there."""

    state: TradingState = TradingState.ACTIVE
    sizing_multiplier: float = 1.0
    trips: tuple[Trip, ...] = ()
    since: datetime | None = None
    acknowledged: tuple[tuple[str, str, float], ...] = ()  # (code, period, figure) at resumes

    def suppresses(self, trip: Trip) -> bool:
        """True when an operator already resumed this breaker at this period and figure."""
        if trip.figure is None:
            return False
        return any(code == trip.code and period == trip.period and trip.figure <= figure + _EPS
                   for code, period, figure in self.acknowledged)


@dataclass(frozen=True, slots=True)
class Resume:
    """An operator's resume of a scope (the audit row the store keeps)."""

    scope: str
    previous: TradingState
    reason: str
    operator: str
    time: datetime
    cleared: tuple[Trip, ...]


_EMPTY: Mapping[str, ScopeState] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class TradingStateBook:
    """Every scope's latched state; scopes never mentioned are ACTIVE."""

    scopes: Mapping[str, ScopeState] = field(default=_EMPTY)

    def get(self, scope: str) -> ScopeState:
        return self.scopes.get(scope, ScopeState())

    def state_of(self, scope: str) -> TradingState:
        return self.get(scope).state

    def effective(self, scopes: tuple[str, ...]) -> TradingState:
        """The most restrictive state over the scopes governing one order."""
        found = [self.scopes[s].state for s in scopes if s in self.scopes]
        return TradingState.worst(*found) if found else TradingState.ACTIVE

    def sizing_multiplier(self, scopes: tuple[str, ...]) -> float:
        """The product of the latched sizing cuts over the scopes (1.0 when none)."""
        product = 1.0
        for scope in scopes:
            if scope in self.scopes:
                product *= self.scopes[scope].sizing_multiplier
        return product

    def trip(self, trip: Trip) -> TradingStateBook:
        """Record a trip; the state becomes the worse of the current one and the trip's."""
        current = self.get(trip.scope)
        if any(_same_trip(t, trip) for t in current.trips) or current.suppresses(trip):
            return self
        state = TradingState.worst(current.state, trip.state)
        since = current.since if state is current.state and current.since else trip.time
        updated = ScopeState(
            state=state,
            sizing_multiplier=min(current.sizing_multiplier, trip.sizing_multiplier),
            trips=(*current.trips, trip),
            since=since,
            acknowledged=current.acknowledged,
        )
        return self._with(trip.scope, updated)

    def resume(self, scope: str, reason: str, operator: str, now: datetime,
               to: TradingState = TradingState.ACTIVE) -> tuple[TradingStateBook, Resume]:
        """Operator resume: clears the scope's trips and sets `to`. Needs a non-empty reason."""
        if not reason.strip():
            raise ValueError("a resume needs a reason (it is written to the audit log)")
        current = self.get(scope)
        record = Resume(scope, current.state, reason.strip(), operator, now, current.trips)
        acks = current.acknowledged + tuple((t.code, t.period, t.figure) for t in current.trips
                                            if t.figure is not None)
        cleared = ScopeState(state=to, since=now if to is not TradingState.ACTIVE else None,
                             acknowledged=acks[-_MAX_ACKS:])
        return self._with(scope, cleared), record

    def _with(self, scope: str, state: ScopeState) -> TradingStateBook:
        scopes = dict(self.scopes)
        scopes[scope] = state
        return replace(self, scopes=MappingProxyType(scopes))


def _same_trip(a: Trip, b: Trip) -> bool:
    return (a.code == b.code and a.state is b.state and a.period == b.period
            and abs(a.sizing_multiplier - b.sizing_multiplier) < _EPS)


def reduces_every_leg(order: Order, positions: Mapping[str, float]) -> bool:
    """True when filling the order shrinks |position| on every leg without flipping its sign."""
    for symbol, change in order.position_change().items():
        held = positions.get(symbol, 0.0)
        after = held + change
        if abs(after) > abs(held) - _EPS or after * held < -_EPS:
            return False
    return True
