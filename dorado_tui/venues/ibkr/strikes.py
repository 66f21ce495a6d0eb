"""Which strikes of an expiry to quote: the money first, then outward until the wings are cheap.

Every quoted option costs IB messages (a stream request and its cancel) and a market-data line,
so a chain is not quoted whole. The strikes nearest the money are quoted first; then each side
widens by batches (puts below spot, calls above; both rights of every strike, since chain
validation pairs them for put-call parity) until the outermost out-of-the-money option's model
delta is at or below a floor, the strike window ends, or the per-right cap is reached. A resolver
looking for a 16-delta short and a 5-wide wing finds both whatever the strike spacing, where the
N strikes nearest the money would stop short on a fine grid (pure functions).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StrikePlan:
    """The strikes to quote: `near` first; `below` (the puts' wing) and `above` (the calls')
    outward, nearest first, each taken in batches while its side is not done."""

    near: tuple[float, ...]
    below: tuple[float, ...]
    above: tuple[float, ...]


def plan_strikes(strikes: Iterable[float], spot: float, window: float, near_per_side: int) -> StrikePlan:
    """Split an expiry's listed strikes within ±`window` of spot into the plan's three parts."""
    if not spot > 0 or not math.isfinite(spot):
        raise ValueError(f"spot must be a positive price, got {spot}")
    inside = sorted({k for k in strikes if abs(k / spot - 1.0) <= window})
    below = [k for k in reversed(inside) if k < spot]
    above = [k for k in inside if k >= spot]
    near = sorted(below[:near_per_side] + above[:near_per_side])
    return StrikePlan(tuple(near), tuple(below[near_per_side:]), tuple(above[near_per_side:]))


def wing_done(delta: float | None, bid: float, floor: float) -> bool:
    """True when an outermost quote is far enough out: |model delta| at or below the floor, or
    (no Greeks) no bid at all — nothing further out can be worth selling or a useful wing."""
    if delta is not None and math.isfinite(delta):
        return abs(delta) <= floor
    return not (math.isfinite(bid) and bid > 0)


def batches(side: Sequence[float], size: int, room: int) -> list[tuple[float, ...]]:
    """`side` cut into batches of `size`, stopping once `room` strikes have been handed out."""
    out: list[tuple[float, ...]] = []
    taken = 0
    for start in range(0, len(side), size):
        if taken >= room:
            break
        chunk = tuple(side[start:start + min(size, room - taken)])
        out.append(chunk)
        taken += len(chunk)
    return out
