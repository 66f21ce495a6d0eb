"""Incremental portfolio Greeks: a quote for one underlying reprices only that underlying's positions.

Positions are stored grouped by underlying (contiguous slices), with per-underlying sums and
portfolio totals kept in arrays. A spot update runs one compiled loop over the slice, calling
the quant core's scalar Black-Scholes kernel (`quant._black.black_greeks`, the same formula
`quant.pricing.bsm_greeks` vectorizes), and moves the totals by the slice's difference — a few
µs for 2,000 positions over 50 underlyings, where re-running the array API costs ~10× more in
dispatch (benchmarks/bench_risk.py). `recompute()` rebuilds everything from scratch (tests use
it as the reference; the engine after time moves on).
Units as in PortfolioState: delta in shares, gamma in shares per unit of price, vega per vol
point and theta per calendar day in account currency; totals are dollar delta, dollar gamma per
1 % move, vega and theta.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorado_tui.quant._black import RHO_SPOT, black_greeks, valid
from dorado_tui.risk._kernels import _njit
from dorado_tui.risk.clusters import FloatArray

Arr = NDArray[Any]
LINEAR, CALL, PUT = 0, 1, 2
_YEAR = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Holding:
    """One position for the book: `quantity` is signed and already × multiplier (shares or units)."""

    underlying: str
    kind: int  # LINEAR, CALL or PUT
    quantity: float
    strike: float = 0.0
    expiry: datetime | None = None
    vol: float = 0.0


# Column order of GreeksBook.pos (per position) and .und (per underlying): few, dense arguments
# keep the compiled call's dispatch cost down.
STRIKE, T, VOL, QTY = range(4)
RATE, DIV, SPOT = range(3)


@_njit
def _update(u: int, s: float, offsets: Arr, kind: Arr, pos: Arr, und: Arr, agg: Arr, totals: Arr,
            bad: Arr) -> None:
    """Reprice underlying u at spot s; move the totals by the difference."""
    old_s = und[u, SPOT]
    if bad[u] == 0:
        totals[0] -= agg[u, 0] * old_s
        totals[1] -= agg[u, 1] * old_s * old_s / 100.0
    totals[2] -= agg[u, 2]
    totals[3] -= agg[u, 3]
    r, q = und[u, RATE], und[u, DIV]
    d = g = v = th = 0.0
    invalid = 0
    for i in range(offsets[u], offsets[u + 1]):
        qty = pos[i, QTY]
        if kind[i] == LINEAR:
            d += qty
            continue
        k, t, vol = pos[i, STRIKE], pos[i, T], pos[i, VOL]
        if not valid(s, k, t, r, q, vol):
            invalid += 1
            continue
        _, de, ga, te, ve, _ = black_greeks(s, k, t, r, q, vol, kind[i] == CALL, RHO_SPOT)
        d += qty * de
        g += qty * ga
        v += qty * ve
        th += qty * te
    bad[u] = invalid
    und[u, SPOT] = s
    agg[u, 0], agg[u, 1], agg[u, 2], agg[u, 3] = d, g, v, th
    if invalid == 0:
        totals[0] += d * s
        totals[1] += g * s * s / 100.0
    totals[2] += v
    totals[3] += th


class GreeksBook:
    """Mutable, single-writer Greeks state fed by quotes (the engine's market-data hot path)."""

    def __init__(self, names: Sequence[str], holdings: Sequence[Holding], *, now: datetime,
                 spots: dict[str, float], rates: dict[str, float] | None = None,
                 dividends: dict[str, float] | None = None) -> None:
        self.names = tuple(n.upper() for n in names)
        self.index = {n: i for i, n in enumerate(self.names)}
        unknown = sorted({h.underlying.upper() for h in holdings} - set(self.index))
        if unknown:
            raise ValueError(f"holdings on underlyings the book does not list: {', '.join(unknown)}")
        order = sorted(range(len(holdings)), key=lambda i: self.index[holdings[i].underlying.upper()])
        hs = [holdings[i] for i in order]
        u = np.array([self.index[h.underlying.upper()] for h in hs], dtype=np.int64)
        self.offsets = np.searchsorted(u, np.arange(len(self.names) + 1)).astype(np.int64)
        self.kind = np.array([h.kind for h in hs], dtype=np.int64)
        self.pos = np.array([(h.strike, 0.0, h.vol, h.quantity) for h in hs], dtype=np.float64).reshape(-1, 4)
        self.expiry = [h.expiry for h in hs]
        upper = {k.upper(): v for k, v in spots.items()}
        self.und = np.array([((rates or {}).get(n, 0.0), (dividends or {}).get(n, 0.0), upper.get(n, math.nan))
                             for n in self.names], dtype=np.float64).reshape(-1, 3)
        self.agg = np.zeros((len(self.names), 4))
        self.totals = np.zeros(4)
        self.invalid = np.zeros(len(self.names), dtype=np.int64)
        self.set_time(now)

    def set_time(self, now: datetime) -> None:
        """Move the book to `now` (years to expiry shrink) and reprice everything."""
        self.pos[:, T] = [max(0.0, (e - now) / _YEAR) if e is not None else 0.0 for e in self.expiry]
        self.recompute()

    def recompute(self) -> None:
        """Reprice every underlying from scratch (the reference the increments must match)."""
        self.totals[:] = 0.0
        self.agg[:] = 0.0
        self.invalid[:] = 1  # marks "nothing counted yet": the first update takes nothing back out
        for u in range(len(self.names)):
            _update(u, float(self.und[u, SPOT]), self.offsets, self.kind, self.pos, self.und, self.agg,
                    self.totals, self.invalid)

    def on_quote(self, u: int, spot: float) -> None:
        """A new price for underlying index `u`: reprice its positions, move the totals."""
        _update(u, spot, self.offsets, self.kind, self.pos, self.und, self.agg, self.totals, self.invalid)

    def on_vol(self, position: int, vol: float) -> None:
        """A new implied vol for one position (its option's quote): reprice its underlying."""
        self.pos[position, VOL] = vol
        u = int(np.searchsorted(self.offsets, position, side="right") - 1)
        self.on_quote(u, float(self.und[u, SPOT]))

    @property
    def dollar_delta(self) -> float:
        return float(self.totals[0])

    @property
    def dollar_gamma_1pct(self) -> float:
        return float(self.totals[1])

    @property
    def vega(self) -> float:
        return float(self.totals[2])

    @property
    def theta(self) -> float:
        return float(self.totals[3])

    @property
    def spot(self) -> FloatArray:
        out: FloatArray = self.und[:, SPOT]
        return out

    def unpriced(self) -> tuple[str, ...]:
        """Underlyings whose positions could not be priced (no spot, bad vol or expiry)."""
        return tuple(n for n, bad in zip(self.names, self.invalid.tolist(), strict=True) if bad)

    def per_underlying(self) -> FloatArray:
        """A copy of the U × 4 sums (delta shares, gamma, vega, theta) for PortfolioState."""
        out: FloatArray = self.agg.copy()
        return out
