"""Expiry economics of a resolved structure: credit, max loss/profit, breakevens, width, POP.

Every structure Dorado resolves (verticals, condors, butterflies, straddles, covered calls, a
single short put) has a piecewise-linear P&L at expiry in the underlying price S, with kinks only
at its strikes. So one evaluation serves them all: the P&L at 0, at every strike and its slope
beyond the last strike give the maximum loss and profit exactly, and its zero crossings are the
breakevens. A structure whose loss grows without bound (a naked short call) is not defined risk
and is refused. Figures are per combo unit in account currency (already × multiplier).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from dorado_tui.domain.candidates import CandidateLeg
from dorado_tui.domain.instruments import Right
from dorado_tui.domain.orders import Action

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Economics:
    """What a candidate carries besides its legs."""

    credit: float  # > 0 received, < 0 paid (debit)
    max_loss: float  # positive
    max_profit: float  # math.inf when unbounded (long calls)
    breakevens: tuple[float, ...]
    width: float | None
    pop: float | None


class UndefinedRisk(ValueError):
    """The structure can lose without bound; Dorado trades defined risk only."""


def _leg_sign(leg: CandidateLeg) -> int:
    return 1 if leg.action is Action.BUY else -1


def leg_mid(leg: CandidateLeg) -> float:
    """The price a leg is valued at: its mid (a stock leg carries its mid too)."""
    return 0.5 * (leg.bid + leg.ask)


def net_credit(legs: Sequence[CandidateLeg]) -> float:
    """Sum over legs of (sell: +mid, buy: −mid) × ratio × multiplier."""
    return sum(-_leg_sign(leg) * leg_mid(leg) * leg.ratio * leg.instrument.multiplier for leg in legs)


def payoff(legs: Sequence[CandidateLeg], credit: float) -> Callable[[float], float]:
    """P&L at expiry as a function of the underlying price (stock legs marked at their mid)."""
    def pnl(s: float) -> float:
        total = credit
        for leg in legs:
            inst, sign, units = leg.instrument, _leg_sign(leg), leg.ratio * leg.instrument.multiplier
            if inst.right is Right.CALL:
                total += sign * units * max(s - (inst.strike or 0.0), 0.0)
            elif inst.right is Right.PUT:
                total += sign * units * max((inst.strike or 0.0) - s, 0.0)
            else:  # stock / spot leg: value S, bought at its mid (inside the credit already)
                total += sign * units * s
        return total

    return pnl


def _slope_at_infinity(legs: Sequence[CandidateLeg]) -> float:
    slope = 0.0
    for leg in legs:
        if leg.instrument.right is Right.PUT:
            continue
        slope += _leg_sign(leg) * leg.ratio * leg.instrument.multiplier
    return slope


def _breakevens(points: list[tuple[float, float]], slope_inf: float) -> tuple[float, ...]:
    out: list[float] = []
    for (s0, p0), (s1, p1) in pairwise(points):
        if (p0 < 0 < p1) or (p0 > 0 > p1):
            out.append(s0 + (s1 - s0) * p0 / (p0 - p1))
        elif abs(p1) < _EPS and s1 not in out and abs(p0) > _EPS:
            out.append(s1)
    s_last, p_last = points[-1]
    if abs(slope_inf) > _EPS and p_last * slope_inf < 0:
        out.append(s_last - p_last / slope_inf)
    return tuple(round(x, 6) for x in out)


def spread_width(legs: Sequence[CandidateLeg]) -> float | None:
    """Widest distance between a short and a long option of the same right (None when there is
    no such pair: single options, straddles, covered calls)."""
    widths = []
    for right in (Right.PUT, Right.CALL):
        shorts = [leg.instrument.strike or 0.0 for leg in legs if leg.instrument.right is right
                  and leg.action is Action.SELL]
        longs = [leg.instrument.strike or 0.0 for leg in legs if leg.instrument.right is right
                 and leg.action is Action.BUY]
        widths += [abs(a - b) for a in shorts for b in longs]
    return max(widths) if widths else None


def economics(legs: Sequence[CandidateLeg], pop: Callable[[tuple[float, ...], Callable[[float], float]],
                                                           float | None] | None = None) -> Economics:
    """Credit, max loss and profit, breakevens, width (and POP via `pop` when given).

    Raises UndefinedRisk when the loss is unbounded as the underlying rises.
    """
    credit = net_credit(legs)
    pnl = payoff(legs, credit)
    strikes = sorted({leg.instrument.strike for leg in legs if leg.instrument.strike is not None})
    slope_inf = _slope_at_infinity(legs)
    if slope_inf < -_EPS:
        raise UndefinedRisk("the structure loses without bound as the underlying rises (a naked short call)")
    points = [(0.0, pnl(0.0)), *((k, pnl(k)) for k in strikes)]
    if not strikes:
        points.append((1.0, pnl(1.0)))
    values = [p for _, p in points]
    max_loss = max(0.0, -min(values))
    max_profit = math.inf if slope_inf > _EPS else max(values)
    bes = _breakevens(points, slope_inf)
    return Economics(credit, max_loss, max_profit, bes, spread_width(legs),
                     None if pop is None else pop(bes, pnl))
