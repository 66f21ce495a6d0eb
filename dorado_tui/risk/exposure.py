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
    name: str
    capital_pct: float
    heat_pct: float
    count: int
    max_underlying_pct: float
    max_underlying: str


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
    delta_pct: float
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


def _pct(x: float, nav: float) -> float:
    return x / nav * 100.0 if nav > 0 else math.nan


def measure(state: PortfolioState, policy: RiskPolicy) -> Exposure:
    """All exposure figures of the state under the policy's VaR horizon and stress shocks."""
    p = policy.portfolio
    spot_shocks = np.asarray(p.stress_spot_shocks_pct, dtype=np.float64)
    vol_shocks = np.asarray(p.stress_vol_shocks_pts, dtype=np.float64)
    out = np.empty(k.N_OUT)
    by_class = np.empty(len(ASSET_CLASSES))
    by_cluster = np.empty(int(state.cluster.max(initial=0)) + 1)
    layer_out = np.empty((len(state.layers), 3))
    grid = np.empty((spot_shocks.size, vol_shocks.size))
    k.measure_kernel(state.u_data, state.spot, state.beta, state.cluster, state.asset_class, state.cov,
                     state.layer_heat_u, spot_shocks, vol_shocks, float(p.var_horizon_days),
                     out, by_class, by_cluster, layer_out, grid)
    nav, names = state.nav, state.names
    f = (out / nav * 100.0) if nav > 0 else out * math.nan
    cluster = int(out[k.O_MAX_CLUSTER_IDX])
    return Exposure(
        nav=nav,
        heat_pct=float(f[k.O_HEAT]),
        max_underlying_pct=float(f[k.O_MAX_U]),
        max_underlying=names[int(out[k.O_MAX_U_IDX])] if names else "",
        asset_class_pct={ac.value: _pct(float(by_class[i]), nav) for i, ac in enumerate(ASSET_CLASSES)},
        max_cluster_pct=float(f[k.O_MAX_CLUSTER]),
        max_cluster=tuple(n for n, c in zip(names, state.cluster.tolist(), strict=True) if c == cluster),
        layers=tuple(_layer(state, i, layer_out[i]) for i in range(len(state.layers))),
        delta_pct=float(f[k.O_DELTA]),
        gamma_pct=float(f[k.O_GAMMA]),
        vega_pct=float(f[k.O_VEGA]),
        theta_pct=float(f[k.O_THETA]),
        beta_delta_pct=float(f[k.O_BETA_DELTA]),
        net_short_vega_pct=max(0.0, -float(f[k.O_VEGA])),
        carry_cost_pct=max(0.0, -float(f[k.O_CARRY])),
        deployed_pct=float(f[k.O_CAPITAL]),
        free_cash_pct=_pct(nav - float(out[k.O_CAPITAL]), nav),
        var99_pct=float(f[k.O_VAR]),
        stress_worst_pct=float(f[k.O_STRESS]),
        stress_grid_pct=grid / nav * 100.0 if nav > 0 else grid * math.nan,
        missing=_missing(state) if out[k.O_MISSING] else (),
    )


def _layer(state: PortfolioState, i: int, row: FloatArray) -> LayerFigures:
    nav = state.nav
    return LayerFigures(
        name=state.layers[i],
        capital_pct=_pct(float(state.layer_capital[i]), nav),
        heat_pct=_pct(float(row[0]), nav),
        count=int(state.layer_count[i]),
        max_underlying_pct=_pct(float(row[1]), nav),
        max_underlying=state.names[int(row[2])] if state.names else "",
    )


def _missing(state: PortfolioState) -> tuple[str, ...]:
    held = (state.heat != 0) | (state.delta != 0) | (state.gamma != 0) | (state.vega != 0)
    return tuple(n for n, h, s in zip(state.names, held.tolist(), state.spot.tolist(), strict=True)
                 if h and not math.isfinite(s))
