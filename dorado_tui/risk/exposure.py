"""Portfolio exposure figures (% of NAV) measured from a PortfolioState, for checks and display.

VaR here is the delta-gamma-normal one-day 99 % VaR on the underlyings' return covariance
(mean ½·tr(GΣ), variance δᵀΣδ + ½·Gᵀ(Σ∘Σ)G), capped at the heat (defined-risk positions cannot
lose more than their max loss). The stress grid is the second-order Taylor revaluation per
underlying (δ·s + ½·G·s² + vega·v), each underlying's loss capped at its heat. Both run in
microseconds inside the selection loop; the full-repricing VaR and stress grid of the quant core
are what `dorado risk` reports beside them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dorado_tui.risk import _kernels as k
from dorado_tui.risk.clusters import FloatArray
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.portfolio import ASSET_CLASSES, PortfolioState


@dataclass(frozen=True, slots=True)
class LayerFigures:
    """One layer's usage, % of NAV: capital, heat, and the largest heat and capital in one name."""

    name: str
    capital_pct: float
    heat_pct: float
    count: int
    max_underlying_pct: float
    max_underlying: str
    max_underlying_capital_pct: float = 0.0
    max_capital_underlying: str = ""


@dataclass(frozen=True, slots=True)
class Exposure:
    """Every portfolio figure the checks hold against limits, in % of NAV unless noted."""

    nav: float
    heat_pct: float
    max_underlying_pct: float
    max_underlying: str
    asset_class_pct: dict[str, float]
    max_cluster_pct: float
    max_cluster: tuple[str, ...]
    layers: tuple[LayerFigures, ...]
    delta_pct: float  # dollar delta and gamma of the options book; beta_delta_pct covers every class
    gamma_pct: float
    vega_pct: float
    theta_pct: float
    beta_delta_pct: float
    net_short_vega_pct: float
    carry_cost_pct: float
    deployed_pct: float
    free_cash_pct: float
    var99_pct: float
    stress_worst_pct: float
    stress_grid_pct: FloatArray  # spot shocks × vol shocks, P&L in % of NAV
    missing: tuple[str, ...]  # held underlyings without a price or vol


_SHOCKS: dict[int, tuple[RiskPolicy, FloatArray, FloatArray]] = {}


def _shocks(policy: RiskPolicy) -> tuple[FloatArray, FloatArray]:
    """The stress shocks as arrays, memoized per (frozen) policy object."""
    hit = _SHOCKS.get(id(policy))
    if hit is None or hit[0] is not policy:
        if len(_SHOCKS) > 64:
            _SHOCKS.clear()
        p = policy.portfolio
        hit = (policy, np.asarray(p.stress_spot_shocks_pct, dtype=np.float64),
               np.asarray(p.stress_vol_shocks_pts, dtype=np.float64))
        _SHOCKS[id(policy)] = hit
    return hit[1], hit[2]


def measure(state: PortfolioState, policy: RiskPolicy) -> Exposure:
    """All exposure figures of the state under the policy's VaR horizon and stress shocks."""
    p = policy.portfolio
    spot_shocks, vol_shocks = _shocks(policy)
    out = np.empty(k.N_OUT)
    by_class = np.empty(len(ASSET_CLASSES))
    by_cluster = np.empty(int(state.cluster.max(initial=0)) + 1)
    layer_out = np.empty((len(state.layers), 6))
    grid = np.empty((spot_shocks.size, vol_shocks.size))
    k.measure_kernel(state.u_data, state.spot, state.beta, state.cluster, state.asset_class, state.cov,
                     state.layer_heat_u, state.layer_capital_u, spot_shocks, vol_shocks, float(p.var_horizon_days),
                     out, by_class, by_cluster, layer_out, grid)
    nav, names = state.nav, state.names
    scale = 100.0 / nav if nav > 0 else math.nan
    f = [v * scale for v in out.tolist()]
    cluster = int(out[k.O_MAX_CLUSTER_IDX])
    members = np.flatnonzero(state.cluster == cluster).tolist()
    lcap, lcount = state.layer_capital.tolist(), state.layer_count.tolist()
    return Exposure(
        nav=nav,
        heat_pct=f[k.O_HEAT],
        max_underlying_pct=f[k.O_MAX_U],
        max_underlying=names[int(out[k.O_MAX_U_IDX])] if names else "",
        asset_class_pct={ac.value: v * scale for ac, v in zip(ASSET_CLASSES, by_class.tolist(), strict=True)},
        max_cluster_pct=f[k.O_MAX_CLUSTER],
        max_cluster=tuple(names[i] for i in members),
        layers=tuple(LayerFigures(name, lcap[i] * scale, row[0] * scale, lcount[i], row[1] * scale,
                                  names[int(row[2])] if names else "", row[4] * scale,
                                  names[int(row[5])] if names else "")
                     for i, (name, row) in enumerate(zip(state.layers, layer_out.tolist(), strict=True))),
        delta_pct=f[k.O_DELTA],
        gamma_pct=f[k.O_GAMMA],
        vega_pct=f[k.O_VEGA],
        theta_pct=f[k.O_THETA],
        beta_delta_pct=f[k.O_BETA_DELTA],
        net_short_vega_pct=max(0.0, -f[k.O_VEGA]),
        carry_cost_pct=max(0.0, -f[k.O_CARRY]),
        deployed_pct=f[k.O_CAPITAL],
        free_cash_pct=(nav - out[k.O_CAPITAL]) * scale,
        var99_pct=f[k.O_VAR],
        stress_worst_pct=f[k.O_STRESS],
        stress_grid_pct=grid * scale,
        missing=_missing(state) if out[k.O_MISSING] else (),
    )


def _missing(state: PortfolioState) -> tuple[str, ...]:
    held = (state.heat != 0) | (state.delta != 0) | (state.gamma != 0) | (state.vega != 0)
    return tuple(n for n, h, s in zip(state.names, held.tolist(), state.spot.tolist(), strict=True)
                 if h and not math.isfinite(s))
