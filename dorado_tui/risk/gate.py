"""The order gate run before every order: trading states and protection locks, as a Decision."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.orders import Order
from dorado_tui.domain.states import TradingState
from dorado_tui.risk.trading_state import TradingStateBook, order_scopes, reduces_every_leg

CHECK = "risk.order_gate"


@dataclass(frozen=True, slots=True)
class Lock:
    """A protection's time-bound lock on a scope: no opening orders until `until` (exclusive)."""

    scope: str
    until: datetime
    code: str
    reason: str
    since: datetime

    def active(self, now: datetime) -> bool:
        return self.since <= now < self.until


def order_underlyings(order: Order) -> tuple[str, ...]:
    """Distinct underlyings touched by the order's legs, in leg order."""
    seen: dict[str, None] = {}
    for leg in order.legs:
        seen.setdefault(leg.instrument.underlying.upper(), None)
    return tuple(seen)


def order_allowed(
    order: Order,
    positions: Mapping[str, float],
    states: TradingStateBook,
    *,
    now: datetime,
    layer: str | None = None,
    locks: Iterable[Lock] = (),
) -> Decision:
    """May this order be sent? HALTED: never; REDUCING or locked: only if it reduces every leg.

    `positions` maps instrument symbol to signed quantity as held right now (working orders
    that could fill first must already be included by the caller).
    """
    scopes = order_scopes(layer, order.bot_id, order_underlyings(order))
    state = states.effective(scopes)
    reducing = reduces_every_leg(order, positions)
    facts: dict[str, object] = {"order": order.client_order_id, "state": state.value,
                                "reducing": reducing}
    if state is not TradingState.ACTIVE:
        culprit = next(s for s in scopes if states.state_of(s) is state)
        why = "; ".join(t.reason for t in states.get(culprit).trips) or "set by the operator"
        if state is TradingState.HALTED:
            return _deny("TRADING_HALTED", f"{culprit} is HALTED ({why}): no orders, only cancels",
                         culprit, facts)
        if not reducing:
            return _deny("TRADING_REDUCING", f"{culprit} is REDUCING ({why}): only orders that "
                         "reduce every leg's position are allowed", culprit, facts)
    if not reducing:
        for lock in locks:
            if lock.scope in scopes and lock.active(now):
                return _deny(lock.code, f"{lock.scope} locked until {lock.until.isoformat()}: "
                             f"{lock.reason}", lock.scope, facts)
    return Decision(CHECK, True, "OK", f"order allowed in state {state.value}", details=facts)


def _deny(code: str, reason: str, scope: str, facts: dict[str, object]) -> Decision:
    return Decision(CHECK, False, code, reason, details={**facts, "scope": scope})
