"""Volatility history analytics: IV rank and percentile, realized volatility estimators, z-scores.

Inputs are (days,) or (symbols, days) arrays, oldest first; outputs have the same shape with NaN
until a full window is available. Realized vols are annualized with `periods_per_year` (252
trading days) and use natural-log returns:
- close-to-close: sample std (ddof=1) of ln(C_t/C_{t-1});
- Parkinson (1980): sqrt(mean(ln(H/L)²) / (4 ln 2));
- Garman-Klass (1980): sqrt(mean(½ ln(H/L)² - (2 ln 2 - 1) ln(C/O)²));
- Yang-Zhang (2000): σ² = σ²_overnight + k·σ²_open-close + (1 - k)·σ²_Rogers-Satchell,
  k = 0.34 / (1.34 + (n + 1)/(n - 1)), overnight and open-close variances with ddof=1.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from dorado_tui.quant._arrays import FloatArray, Vec
from dorado_tui.quant._jit import kernel
from dorado_tui.quant.indicators import rolling_zscore

TRADING_DAYS = 252


def _rows(*series: ArrayLike) -> tuple[list[FloatArray], bool]:
    arrays = [np.asarray(s, dtype=np.float64) for s in series]
    if any(a.shape != arrays[0].shape for a in arrays) or arrays[0].ndim not in (1, 2):
        raise ValueError(
            f"expected equal (days,) or (symbols, days) shapes, got {[a.shape for a in arrays]}"
        )
    return [np.ascontiguousarray(np.atleast_2d(a)) for a in arrays], arrays[0].ndim == 1


def _window(n: int, name: str = "window", least: int = 2) -> None:
    if n < least:
        raise ValueError(f"{name} must be >= {least}, got {n}")


@kernel
def _rank_rows(x: Vec, window: int, min_periods: int, rank: Vec, pct: Vec) -> None:
    """IV rank over the window including today; percentile over the window before today."""
    for j in range(x.shape[0]):
        for t in range(x.shape[1]):
            rank[j, t] = np.nan
            pct[j, t] = np.nan
            cur = x[j, t]
            if not math.isfinite(cur):
                continue
            lo = cur
            hi = cur
            below = 0
            seen = 0
            for i in range(max(0, t - window + 1), t):
                v = x[j, i]
                if math.isfinite(v):
                    seen += 1
                    lo = min(lo, v)
                    hi = max(hi, v)
                    below += v < cur
            if seen + 1 < min_periods:
                continue
            rank[j, t] = 100.0 * (cur - lo) / (hi - lo) if hi > lo else 50.0
            pct[j, t] = 100.0 * below / seen if seen > 0 else np.nan


def iv_rank_percentile(
    iv: ArrayLike, window: int = TRADING_DAYS, min_periods: int | None = None
) -> tuple[FloatArray, FloatArray]:
    """(IV rank, IV percentile), both 0-100, over a trailing window of observations.

    rank = (today - min) / (max - min) over the last `window` observations including today
    (50 when the window is flat); percentile = share of the previous `window - 1` observations
    strictly below today. Missing days (NaN) are skipped; at least `min_periods` finite
    observations (default: the whole window) are required.
    """
    _window(window)
    need = window if min_periods is None else min_periods
    (x,), single = _rows(iv)
    rank, pct = np.empty_like(x), np.empty_like(x)
    _rank_rows(x, window, need, rank, pct)
    return (rank[0], pct[0]) if single else (rank, pct)


def _rolling_mean(x: FloatArray, n: int) -> FloatArray:
    out = np.full(x.shape, np.nan)
    if x.shape[-1] >= n:
        out[..., n - 1 :] = np.lib.stride_tricks.sliding_window_view(x, n, axis=-1).mean(axis=-1)
    return out


def _rolling_var(x: FloatArray, n: int) -> FloatArray:
    out = np.full(x.shape, np.nan)
    if x.shape[-1] >= n:
        out[..., n - 1 :] = np.lib.stride_tricks.sliding_window_view(x, n, axis=-1).var(
            axis=-1, ddof=1
        )
    return out


def _annualize(variance: FloatArray, periods: float, single: bool) -> FloatArray:
    vol = np.sqrt(np.maximum(variance, 0.0) * periods)
    return vol[0] if single else vol


def close_to_close(
    close: ArrayLike, window: int = 20, periods_per_year: float = TRADING_DAYS
) -> FloatArray:
    """Annualized close-to-close volatility over `window` returns (first value at index window)."""
    _window(window)
    (c,), single = _rows(close)
    r = np.full(c.shape, np.nan)
    r[:, 1:] = np.log(c[:, 1:] / c[:, :-1])
    return _annualize(_rolling_var(r, window), periods_per_year, single)


def parkinson(
    high: ArrayLike, low: ArrayLike, window: int = 20, periods_per_year: float = TRADING_DAYS
) -> FloatArray:
    """Annualized Parkinson high-low volatility."""
    _window(window, least=1)
    (h, lo), single = _rows(high, low)
    hl = np.log(h / lo) ** 2 / (4.0 * math.log(2.0))
    return _annualize(_rolling_mean(hl, window), periods_per_year, single)


def garman_klass(
    open_: ArrayLike, high: ArrayLike, low: ArrayLike, close: ArrayLike, window: int = 20,
    periods_per_year: float = TRADING_DAYS,
) -> FloatArray:  # fmt: skip
    """Annualized Garman-Klass volatility."""
    _window(window, least=1)
    (o, h, lo, c), single = _rows(open_, high, low, close)
    term = 0.5 * np.log(h / lo) ** 2 - (2.0 * math.log(2.0) - 1.0) * np.log(c / o) ** 2
    return _annualize(_rolling_mean(term, window), periods_per_year, single)


def yang_zhang(
    open_: ArrayLike, high: ArrayLike, low: ArrayLike, close: ArrayLike, window: int = 20,
    periods_per_year: float = TRADING_DAYS,
) -> FloatArray:  # fmt: skip
    """Annualized Yang-Zhang volatility (drift-independent, handles opening gaps)."""
    _window(window)
    (o, h, lo, c), single = _rows(open_, high, low, close)
    overnight = np.full(c.shape, np.nan)
    overnight[:, 1:] = np.log(o[:, 1:] / c[:, :-1])
    open_close = np.log(c / o)
    open_close[:, 0] = np.nan  # align with the first overnight return
    rs = np.log(h / c) * np.log(h / o) + np.log(lo / c) * np.log(lo / o)
    rs[:, 0] = np.nan
    k = 0.34 / (1.34 + (window + 1.0) / (window - 1.0))
    variance = _rolling_var(overnight, window) + k * _rolling_var(open_close, window)
    variance += (1.0 - k) * _rolling_mean(rs, window)
    return _annualize(variance, periods_per_year, single)


def vol_zscore(vol: ArrayLike, window: int = TRADING_DAYS) -> FloatArray:
    """How unusual today's vol is: (vol - rolling mean) / rolling population std over `window`."""
    return rolling_zscore(vol, window)
