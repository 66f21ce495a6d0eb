"""The simulator's margin rule: the worst loss at expiry over a price grid (pure, numpy).

Defined-risk spreads need exactly their max loss; naked shorts need a lot; stock needs its
value. It is a stand-in so the gateway can refuse what an account cannot carry and answer
what-if orders; it is not IB's margin engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Exposure:
    """One holding on an underlying: an option (strike, right) or the underlying itself."""

    quantity: float
    mark: float
    multiplier: float = 1.0
    strike: float | None = None
    right: str = ""  # C | P for options


def worst_expiry_loss(spot: float, exposures: Iterable[Exposure]) -> float:
    """Max(0, −min P&L) at expiry against today's marks, over 0 … 3× spot and every strike."""
    rows = list(exposures)
    if not rows:
        return 0.0
    strikes = [r.strike for r in rows if r.strike is not None]
    grid = np.unique(np.concatenate([np.linspace(0.0, 3.0 * spot, 61), np.asarray(strikes, float)]))
    pnl = np.zeros_like(grid)
    for r in rows:
        if r.strike is None:
            pnl += r.quantity * (grid - r.mark) * r.multiplier
            continue
        intrinsic = np.maximum(grid - r.strike, 0.0) if r.right == "C" else np.maximum(r.strike - grid, 0.0)
        pnl += r.quantity * (intrinsic - r.mark) * r.multiplier
    return max(0.0, -float(pnl.min()))
