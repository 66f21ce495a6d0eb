"""1-day Value at Risk and CVaR at 95 % and 99 %: historical (full repricing) and parametric.

Losses are positive numbers in account currency. Historical: the book is revalued under each
past day's underlying returns (spot × (1 + r), time one day on, vols unchanged unless vol
changes are given) and VaR_α is the k-th largest loss with k = ceil(N·(1 - α)), CVaR_α the
mean of those k largest losses (so with 500 days, VaR99 is the 5th worst day and CVaR99 the
mean of the worst 5). Parametric: delta-normal with a RiskMetrics EWMA covariance (λ = 0.94,
zero mean): σ = sqrt(eᵀΣe) for dollar-delta exposures e, VaR = z_α·σ, CVaR = σ·φ(z_α)/(1 - α).
The delta-normal figure ignores gamma and vega: use the historical one for option books.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from dorado_tui.quant._arrays import FloatArray
from dorado_tui.quant.book import OptionBook

RISKMETRICS_LAMBDA = 0.94


@dataclass(frozen=True)
class VaR:
    """1-day VaR and CVaR (expected shortfall) as positive losses."""

    var_95: float
    cvar_95: float
    var_99: float
    cvar_99: float


def _tail(losses: FloatArray, level: float) -> tuple[float, float]:
    k = max(1, math.ceil(losses.size * (1.0 - level) - 1e-9))
    worst = np.sort(losses)[::-1][:k]
    return float(worst[-1]), float(worst.mean())


def var_from_pnl(pnl: ArrayLike) -> VaR:
    """Historical VaR/CVaR from a vector of scenario P&Ls (NaN scenarios are refused)."""
    p = np.asarray(pnl, dtype=np.float64).ravel()
    if p.size == 0 or not np.isfinite(p).all():
        raise ValueError(f"need at least one scenario and only finite P&L, got {p.size} values")
    losses = -p
    v95, c95 = _tail(losses, 0.95)
    v99, c99 = _tail(losses, 0.99)
    return VaR(v95, c95, v99, c99)


def _columns(book: OptionBook, names: Sequence[str]) -> NDArray[np.int64]:
    index = {str(n): i for i, n in enumerate(names)}
    missing = sorted({str(u) for u in book.underlying} - index.keys())
    if missing:
        raise ValueError(f"no return history for {', '.join(missing)}")
    return np.array([index[str(u)] for u in book.underlying], dtype=np.int64)


def historical_pnl(
    book: OptionBook, returns: ArrayLike, names: Sequence[str], horizon_days: float = 1.0,
    vol_changes: ArrayLike | None = None,
) -> FloatArray:  # fmt: skip
    """P&L of the book in each historical scenario by full repricing.

    `returns` is (scenarios, underlyings) of simple 1-day returns with columns named by `names`;
    `vol_changes` (same shape, optional) are relative changes of each underlying's implied vol.
    """
    r = np.atleast_2d(np.asarray(returns, dtype=np.float64))
    if r.shape[1] != len(names):
        raise ValueError(f"returns have {r.shape[1]} columns for {len(names)} names")
    cols = _columns(book, names)
    spot = book.spot * (1.0 + r[:, cols])
    vol = book.vol[None, :]
    if vol_changes is not None:
        vol = book.vol * (1.0 + np.atleast_2d(np.asarray(vol_changes, dtype=np.float64))[:, cols])
    t = book.t - horizon_days / 365.0
    now = book.unit_values(book.spot, book.t, book.vol)
    later = book.unit_values(spot, np.broadcast_to(t, spot.shape), np.broadcast_to(vol, spot.shape))
    return np.asarray(((later - now) * book.quantity).sum(axis=1), dtype=np.float64)


def historical_var(
    book: OptionBook, returns: ArrayLike, names: Sequence[str], vol_changes: ArrayLike | None = None
) -> VaR:
    """Historical-simulation 1-day VaR/CVaR of the book (full repricing)."""
    return var_from_pnl(historical_pnl(book, returns, names, 1.0, vol_changes))


def ewma_covariance(returns: ArrayLike, lam: float = RISKMETRICS_LAMBDA) -> FloatArray:
    """RiskMetrics covariance of (days, assets) returns, newest last: Σ w_k r rᵀ with weights
    ∝ λ^age normalized over the days without NaN."""
    if not 0.0 < lam < 1.0:
        raise ValueError(f"lambda must be in (0, 1), got {lam}")
    r = np.atleast_2d(np.asarray(returns, dtype=np.float64))
    r = r[np.isfinite(r).all(axis=1)]
    if r.shape[0] < 2:
        raise ValueError("need at least two complete days of returns")
    w = lam ** np.arange(r.shape[0] - 1, -1, -1, dtype=np.float64)
    w /= w.sum()
    return np.asarray((r * w[:, None]).T @ r, dtype=np.float64)


def parametric_var(exposure: ArrayLike, cov: ArrayLike) -> VaR:
    """Delta-normal VaR/CVaR of dollar exposures (one per asset) under covariance `cov`."""
    e = np.asarray(exposure, dtype=np.float64).ravel()
    c = np.asarray(cov, dtype=np.float64)
    if c.shape != (e.size, e.size):
        raise ValueError(f"covariance shape {c.shape} does not match {e.size} exposures")
    sigma = math.sqrt(max(float(e @ c @ e), 0.0))
    out = []
    for level in (0.95, 0.99):
        z = float(norm.ppf(level))
        out += [z * sigma, sigma * float(norm.pdf(z)) / (1.0 - level)]
    return VaR(*out)
