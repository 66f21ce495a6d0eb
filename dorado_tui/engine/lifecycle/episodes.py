"""Driving an episode to its end: the walk over steps, the one replacement, and resumption.

`drive` is shared by a fresh episode (its first intent already recorded with the state change)
and by recovery (an intent found unresolved after a restart, already adopted or resubmitted), so
a restarted process finishes exactly the walk the crashed one began.
"""

from __future__ import annotations

from dorado_tui.domain.errors import RefusedByTradingState
from dorado_tui.domain.orders import Order, OrderResult, OrderStatus
from dorado_tui.engine.lifecycle.execution import Episode, Executor, Outcome, permanent
from dorado_tui.engine.lifecycle.pricing import Unpriceable
from dorado_tui.venues.base import VenueAdapter

EPS = 1e-9


def _ending(ep: Episode, filled: float, stopped: str, reason: str, last: OrderResult | None,
            steps: int) -> Outcome:
    if filled >= ep.quantity - EPS:
        return Outcome(ep, filled, "filled", f"filled {filled:g} of {ep.quantity:g}", last, steps)
    if filled > EPS:
        return Outcome(ep, filled, "partial", f"filled {filled:g} of {ep.quantity:g}; {reason}", last, steps)
    return Outcome(ep, 0.0, stopped, reason, last, steps)


async def _next_order(ex: Executor, ep: Episode, venue: VenueAdapter, step: int,
                      remaining: float) -> Order | str:
    """The next step's recorded intent, or why none can be sent."""
    rejected = await ex.rejected_steps(ep)
    level = step - rejected
    if level > ex.settings.walk_steps:
        return f"no fill after {ex.settings.walk_steps} walk step(s) toward the natural price"
    try:
        _, net = await ex.price(ep, venue, level)
    except Unpriceable as exc:
        return f"unpriced: {exc}"
    try:
        async with ex.db.transaction() as tx:
            return await ex.record_step(tx, ep, step, remaining, net)
    except RefusedByTradingState as exc:
        return f"halted: {exc.message}"


async def _after_reject(ex: Executor, ep: Episode, result: OrderResult) -> bool:
    """True when a rejected order gets its one replacement."""
    return await ex.rejected_steps(ep) <= 1 and not permanent(result.reason)


async def drive(ex: Executor, ep: Episode, venue: VenueAdapter, *, step: int, order: Order | None = None,
                result: OrderResult | None = None) -> Outcome:
    """Run the episode from `step`: submit `order` (recorded, not yet sent), or continue from
    `result` (an order the venue already has), or price and record the step afresh."""
    steps, last = 0, result
    while True:
        if result is None:
            if order is None:
                remaining = ep.quantity - await ex.filled_units(ep)
                if remaining <= EPS:
                    return _ending(ep, ep.quantity, "filled", "", last, steps)
                nxt = await _next_order(ex, ep, venue, step, remaining)
                if isinstance(nxt, str):
                    kind = nxt.split(":", 1)[0] if nxt.startswith(("halted", "unpriced")) else "unfilled"
                    return _ending(ep, await ex.filled_units(ep), kind, nxt, last, steps)
                order = nxt
            result = await ex.submit(order, venue, ep)
            steps += 1
        last = result
        if result.status is OrderStatus.REJECTED:
            if not await _after_reject(ex, ep, result):
                return _ending(ep, await ex.filled_units(ep), "rejected", f"rejected: {result.reason}", last, steps)
        else:
            result = await ex.work(result, venue, ep)
            last = result
            if result.status.is_working or result.status is OrderStatus.PENDING_SUBMIT:
                return _ending(ep, await ex.filled_units(ep), "stuck",
                               f"{result.client_order_id} still {result.status.value}: left for reconciliation",
                               last, steps)
        step, order, result = step + 1, None, None
