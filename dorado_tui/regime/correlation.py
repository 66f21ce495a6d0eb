"""Correlation regime: rolling PCA of cross-asset returns — concentrated vs diversified, per day.

For each day t the correlation matrix of the trailing `window` daily log returns (days ≤ t) is
decomposed. The regime is "concentrated" (diversification has collapsed, PRD §3.5.4) when either

- the components needed for `variance` (80 %) are at most `max_components` (2) — the PRD's rule,
  which fires in a universe of like assets; or
- the first component implies an average pairwise correlation of at least `min_implied_corr`:
  for N assets whose correlation matrix has PC1 share s, an equicorrelated matrix with the same
  PC1 has ρ = (N·s − 1)/(N − 1). A universe holding its own hedges (bonds, gold, FX, crypto)
  keeps 3–4 components for 80 % even in a crash, so the PRD rule alone would never fire there;
  ρ is independent of N. The default 0.30 was read off the simulator's distributions (seeds 7,
  11, 23, 31, 42-day window: ~90 % of crisis days above it, ~88 % of calm days below) and is
  checked on another seed by the integration tests.

Otherwise "diversified". `margin` is the larger of the two rules' distances past their thresholds
(≥ 0 ⇔ concentrated). Rolling second moments come from cumulative sums, so the whole history is
one vectorized pass (eigenvalues of a stack of small matrices); a window ending at t reads rows
≤ t only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dorado_tui.regime.inputs import MarketFrames, RegimeDataError, asof_align

DEFAULT_ASSETS = ("SPY", "QQQ", "IWM", "TLT", "GLD", "USDJPY", "AUDUSD", "BTC", "ETH")


@dataclass(frozen=True)
class CorrelationConfig:
    """Window and thresholds of the concentrated/diversified rules (module docstring);
    `min_implied_corr=None` keeps the PRD rule alone."""

    assets: tuple[str, ...] = DEFAULT_ASSETS
    equity: str = "SPY"
    window: int = 42
    variance: float = 0.80
    max_components: int = 2
    min_implied_corr: float | None = 0.30


def aligned_returns(data: MarketFrames, config: CorrelationConfig) -> pd.DataFrame:
    """Daily log returns on the equity calendar; other calendars aligned as-of first, so a
    weekend's crypto move lands in Monday's return."""
    assets = [a for a in config.assets if a in data.closes.columns]
    if len(assets) < 3:
        raise RegimeDataError(f"correlation regime needs ≥ 3 of {', '.join(config.assets)}; got {assets}")
    if config.equity not in data.closes.columns:
        raise RegimeDataError(f"correlation regime needs {config.equity} closes for its calendar")
    calendar = pd.DatetimeIndex(data.closes[config.equity].dropna().index)
    closes = asof_align(data.closes[assets], calendar)
    return np.log(closes).diff()


def rolling_correlations(returns: pd.DataFrame, window: int) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Stack of correlation matrices for every day whose trailing window is complete."""
    r = returns.to_numpy(dtype=float)
    ok = np.isfinite(r).all(axis=1)
    r = np.where(ok[:, None], r, 0.0)
    n = np.cumsum(ok.astype(float))
    s1 = np.cumsum(r, axis=0)
    s2 = np.cumsum(r[:, :, None] * r[:, None, :], axis=0)

    def window_sum(c: np.ndarray) -> np.ndarray:
        out = c.copy()
        out[window:] = c[window:] - c[:-window]
        return out

    cnt, m1, m2 = window_sum(n), window_sum(s1), window_sum(s2)
    full = (cnt >= window) & (np.arange(len(r)) >= window)
    cnt, m1, m2 = cnt[full], m1[full], m2[full]
    cov = m2 / cnt[:, None, None] - (m1[:, :, None] * m1[:, None, :]) / (cnt**2)[:, None, None]
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 1e-18, None))
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    return pd.DatetimeIndex(returns.index[full]), corr


def pca_summary(corr: np.ndarray, variance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per matrix: components needed for `variance`, and the cumulative explained-variance
    shares (descending eigenvalues), whose first column is PC1's share."""
    eig = np.linalg.eigvalsh(corr)[..., ::-1]
    eig = np.clip(eig, 0.0, None)
    explained = np.cumsum(eig, axis=-1) / eig.sum(axis=-1, keepdims=True)
    # a tiny tolerance keeps "exactly 80 %" from flipping on rounding noise
    n_comp = (explained < variance - 1e-12).sum(axis=-1) + 1
    return n_comp, explained[..., 0], explained


def correlation_history(data: MarketFrames, config: CorrelationConfig = CorrelationConfig()) -> pd.DataFrame:
    """Per day: n_components (for `variance`), first_pc_share, top_k_share (variance explained by
    the first `max_components`), implied_corr (from PC1), mean pairwise correlation, margin and
    the regime."""
    returns = aligned_returns(data, config)
    dates, corr = rolling_correlations(returns, config.window)
    if len(dates) == 0:
        raise RegimeDataError(f"correlation regime needs more than {config.window} days of returns")
    n_comp, share, explained = pca_summary(corr, config.variance)
    k = corr.shape[1]
    mean_corr = (corr.sum(axis=(1, 2)) - k) / (k * (k - 1))
    top_k = explained[:, min(config.max_components, k) - 1]
    implied = (k * share - 1.0) / (k - 1)
    margin = top_k - config.variance
    if config.min_implied_corr is not None:
        margin = np.maximum(margin, implied - config.min_implied_corr)
    return pd.DataFrame({
        "n_components": n_comp.astype(int), "first_pc_share": share, "top_k_share": top_k,
        "implied_corr": implied, "mean_corr": mean_corr, "margin": margin,
        "regime": np.where(margin >= 0, "concentrated", "diversified"),
    }, index=dates)
