"""Indicator adapters for the regime features: RSI, ADX (TA-Lib) and a rolling Hurst exponent.

All are trailing: the value for row t reads rows ≤ t. RSI and ADX come from TA-Lib (Wilder's
definitions, the field's reference). The rolling Hurst exponent is a vectorized R/S estimate
over sliding windows: the regime radar only needs its ordering (trending vs mean-reverting),
and the quant core's estimator did not exist when this was written — switch to it when it does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rsi(close: pd.Series, period: int = 14) -> pd.Series:
    """Wilder RSI (TA-Lib)."""
    import talib

    return pd.Series(talib.RSI(close.to_numpy(dtype=float), timeperiod=period), index=close.index)


def adx(high: pd.Series, low: pd.Series, close: pd.Series, period: int = 14) -> pd.Series:
    """Wilder ADX (TA-Lib)."""
    import talib

    values = talib.ADX(high.to_numpy(dtype=float), low.to_numpy(dtype=float),
                       close.to_numpy(dtype=float), timeperiod=period)
    return pd.Series(values, index=close.index)


def close_range(close: pd.Series) -> tuple[pd.Series, pd.Series]:
    """High/low stand-ins from closes only (max/min of today's and yesterday's close), used
    when a history has no intraday range: ADX then measures close-to-close directional moves."""
    prev = close.shift(1).fillna(close)
    return np.maximum(close, prev), np.minimum(close, prev)


def _rs_slope(windows: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
    """Slope of log mean(R/S) on log(chunk size) for each row of `windows` (returns)."""
    logs, log_rs = [], []
    n = windows.shape[1]
    for size in sizes:
        chunks = windows[:, : (n // size) * size].reshape(len(windows), n // size, size)
        dev = np.cumsum(chunks - chunks.mean(axis=2, keepdims=True), axis=2)
        spread = dev.max(axis=2) - dev.min(axis=2)
        sd = chunks.std(axis=2)
        rs = np.where(sd > 0, spread / np.where(sd > 0, sd, 1.0), np.nan)
        log_rs.append(np.log(np.nanmean(rs, axis=1)))
        logs.append(np.log(size))
    x = np.array(logs)
    y = np.vstack(log_rs).T
    xc = x - x.mean()
    return ((y - y.mean(axis=1, keepdims=True)) @ xc) / (xc @ xc)


def rolling_hurst(close: pd.Series, window: int = 100) -> pd.Series:
    """Hurst exponent by R/S over the trailing `window` log returns (NaN before it fills)."""
    rets = np.log(close.to_numpy(dtype=float))
    rets = np.diff(rets, prepend=np.nan)
    out = np.full(len(rets), np.nan)
    if len(rets) <= window:
        return pd.Series(out, index=close.index)
    sizes = (*tuple(s for s in (8, 12, 16, 25, 32, 50) if s <= window // 2), window)
    views = np.lib.stride_tricks.sliding_window_view(rets[1:], window)
    ok = np.isfinite(views).all(axis=1)
    slopes = np.full(len(views), np.nan)
    if ok.any():
        slopes[ok] = _rs_slope(views[ok], sizes)
    out[window:] = slopes
    return pd.Series(out, index=close.index)
