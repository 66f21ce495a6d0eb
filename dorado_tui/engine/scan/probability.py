"""Probability of profit at expiry under the market's own (risk-neutral, lognormal) distribution.

P(S_T > K) = N(d2) with d2 = (ln(F/K) − σ²T/2) / (σ√T), σ the implied vol at K (read off the
smile, so skew shows up). The profitable intervals between breakevens are summed. This is the
figure brokers show as "probability of profit"; it ignores the variance risk premium, so it is
a market-implied probability, not a forecast.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise

from scipy.special import ndtr


def prob_above(strike: float, forward: float, t: float, vol: float) -> float:
    """Risk-neutral probability that the underlying ends above `strike`."""
    if strike <= 0:
        return 1.0
    if t <= 0 or vol <= 0 or not math.isfinite(vol):
        return 1.0 if forward > strike else 0.0
    sd = vol * math.sqrt(t)
    return float(ndtr((math.log(forward / strike) - 0.5 * sd * sd) / sd))


def probability_of_profit(breakevens: tuple[float, ...], pnl: Callable[[float], float], forward: float,
                          t: float, vol_at: Callable[[float], float]) -> float:
    """Sum of P(a < S_T < b) over the intervals between breakevens where the P&L is positive."""
    edges = [0.0, *sorted(breakevens), math.inf]
    total = 0.0
    for a, b in pairwise(edges):
        probe = a + max(a, 1.0) if math.isinf(b) else 0.5 * (a + b)
        if pnl(probe) <= 0:
            continue
        upper = 0.0 if math.isinf(b) else prob_above(b, forward, t, vol_at(b))
        lower = 1.0 if a <= 0 else prob_above(a, forward, t, vol_at(a))
        total += max(lower - upper, 0.0)
    return min(max(total, 0.0), 1.0)
