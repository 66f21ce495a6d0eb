"""numba kernel measuring a portfolio's exposures in one pass (the selection loop's hot path).

Why not numpy: with ~50 underlyings every figure is a handful of tiny array operations, and the
~60 numpy calls that `measure` needs cost ~130 µs in dispatch alone; one compiled pass over the
arrays costs a few µs (benchmarks/bench_risk.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numba
import numpy as np
from numpy.typing import NDArray

Arr = NDArray[Any]

# Row order of PortfolioState.u_data.
HEAT, CAPITAL, DELTA, GAMMA, VEGA, THETA, CARRY = range(7)
# Slots of the scalar output.
(O_HEAT, O_MAX_U, O_MAX_U_IDX, O_MAX_CLUSTER, O_MAX_CLUSTER_IDX, O_DELTA, O_GAMMA, O_VEGA, O_THETA,
 O_BETA_DELTA, O_CARRY, O_CAPITAL, O_VAR, O_STRESS, O_MISSING) = range(15)
N_OUT = 15
Z99 = 2.3263478740408408  # standard normal 99 % quantile
#: Index of the options asset class in PortfolioState.asset_class (portfolio.py checks it):
#: the portfolio Greeks bounds are the options book's (PRD: Greeks aggregation, options only).
OPTIONS_CLASS = 0


def _njit[F: Callable[..., Any]](fn: F) -> F:
    return cast(F, numba.njit(cache=True)(fn))


@_njit
def measure_kernel(
    u: Arr, spot: Arr, beta: Arr, cluster: Arr, asset_class: Arr,
    cov: Arr, layer_heat_u: Arr, layer_capital_u: Arr, spot_shocks: Arr, vol_shocks: Arr,
    horizon: float, out: Arr, by_class: Arr, by_cluster: Arr,
    layer_out: Arr, grid: Arr,
) -> None:  # fmt: skip
    """Fill the outputs (currency amounts, not yet % of NAV); see the O_* slots."""
    n = u.shape[1]
    out[:] = 0.0
    by_class[:] = 0.0
    by_cluster[:] = 0.0
    grid[:, :] = 0.0
    held = np.zeros(n, dtype=np.bool_)
    dd = np.zeros(n)
    gg = np.zeros(n)
    out[O_MAX_U] = -1.0
    for i in range(n):
        heat = u[HEAT, i]
        held[i] = heat != 0.0 or u[DELTA, i] != 0.0 or u[GAMMA, i] != 0.0 or u[VEGA, i] != 0.0
        if not held[i]:
            continue
        dd[i] = u[DELTA, i] * spot[i] if u[DELTA, i] != 0.0 else 0.0
        gg[i] = u[GAMMA, i] * spot[i] * spot[i] if u[GAMMA, i] != 0.0 else 0.0
        if not math.isfinite(spot[i]):
            out[O_MISSING] += 1.0
        out[O_HEAT] += heat
        if heat > out[O_MAX_U]:
            out[O_MAX_U] = heat
            out[O_MAX_U_IDX] = i
        by_class[asset_class[i]] += heat
        by_cluster[cluster[i]] += heat
        if asset_class[i] == OPTIONS_CLASS:
            out[O_DELTA] += dd[i]
            out[O_GAMMA] += gg[i] / 100.0
        out[O_VEGA] += u[VEGA, i]
        out[O_THETA] += u[THETA, i]
        out[O_BETA_DELTA] += beta[i] * dd[i]
        out[O_CARRY] += u[CARRY, i]
        out[O_CAPITAL] += u[CAPITAL, i]
    out[O_MAX_U] = max(out[O_MAX_U], 0.0)
    best = 0
    for c in range(by_cluster.shape[0]):
        if by_cluster[c] > by_cluster[best]:
            best = c
    out[O_MAX_CLUSTER] = by_cluster[best] if by_cluster.shape[0] else 0.0
    out[O_MAX_CLUSTER_IDX] = best
    out[O_VAR] = _var99(held, dd, gg, cov, horizon, out[O_HEAT])
    out[O_STRESS] = _stress(u, held, dd, gg, spot_shocks, vol_shocks, grid)
    _layers(layer_heat_u, layer_out, 0)
    _layers(layer_capital_u, layer_out, 3)


@_njit
def _var99(held: Arr, dd: Arr, gg: Arr, cov: Arr, horizon: float,
           heat: float) -> float:
    """Delta-gamma-normal VaR 99 % over the held underlyings, capped at the heat."""
    mean = 0.0
    variance = 0.0
    n = held.shape[0]
    for i in range(n):
        if not held[i]:
            continue
        mean += 0.5 * gg[i] * cov[i, i] * horizon
        for j in range(n):
            if held[j]:
                c = cov[i, j] * horizon
                variance += dd[i] * dd[j] * c + 0.5 * gg[i] * gg[j] * c * c
    if not math.isfinite(variance):
        return math.nan
    var = Z99 * math.sqrt(max(variance, 0.0)) - mean
    var = max(var, 0.0)
    return min(var, heat) if heat > 0.0 else var


@_njit
def _stress(u: Arr, held: Arr, dd: Arr, gg: Arr, spot_shocks: Arr,
            vol_shocks: Arr, grid: Arr) -> float:
    """Taylor P&L per (spot, vol) shock, each underlying's loss capped at its heat; worst loss."""
    worst = 0.0
    bad = False
    for a in range(spot_shocks.shape[0]):
        s = spot_shocks[a] / 100.0
        for b in range(vol_shocks.shape[0]):
            v = vol_shocks[b]
            total = 0.0
            for i in range(held.shape[0]):
                if held[i]:
                    pnl = dd[i] * s + 0.5 * gg[i] * s * s + u[VEGA, i] * v
                    heat = u[HEAT, i]
                    total += max(pnl, -heat) if heat > 0.0 else pnl
            grid[a, b] = total
            if math.isfinite(total):
                worst = max(worst, -total)
            else:
                bad = True
    return math.nan if bad else worst


@_njit
def _layers(layer_u: Arr, layer_out: Arr, col: int) -> None:
    """Per layer (L × U heat or capital): total, largest in one underlying, that underlying's
    index, written to columns col, col + 1, col + 2."""
    for lay in range(layer_u.shape[0]):
        total = 0.0
        top = 0.0
        top_i = 0
        for i in range(layer_u.shape[1]):
            h = layer_u[lay, i]
            total += h
            if h > top:
                top = h
                top_i = i
        layer_out[lay, col] = total
        layer_out[lay, col + 1] = top
        layer_out[lay, col + 2] = top_i
