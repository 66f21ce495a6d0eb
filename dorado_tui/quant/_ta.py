"""Numba kernels of the technical indicators, one row (symbol) per thread, TA-Lib semantics.

Each kernel takes 2-D float64 arrays (symbols × bars) and writes NaN until the indicator's
warm-up is complete. Leading NaNs in a row (a symbol listed later than the others) are skipped:
the row's indicator starts at its first finite bar, exactly as TA-Lib would on the trimmed row.
A NaN inside a row propagates through the recursive smoothers, as in TA-Lib.
"""

from __future__ import annotations

import math

import numpy as np

from dorado_tui.quant._arrays import Vec
from dorado_tui.quant._jit import jit, kernel


@jit
def first_finite(row: Vec) -> int:
    """Index of the first finite value (len(row) if none)."""
    for i in range(row.size):
        if math.isfinite(row[i]):
            return i
    return row.size


@kernel
def sma_rows(x: Vec, n: int, out: Vec) -> None:
    """Simple moving average; first value at start + n - 1."""
    for j in range(x.shape[0]):
        out[j, :] = np.nan
        start = first_finite(x[j])
        total = 0.0
        for i in range(start, x.shape[1]):
            total += x[j, i]
            if i - start >= n:
                total -= x[j, i - n]
            if i - start >= n - 1:
                out[j, i] = total / n


@kernel
def ema_rows(x: Vec, n: int, out: Vec) -> None:
    """EMA with k = 2/(n+1), seeded by the SMA of the first n values (TA-Lib default)."""
    k = 2.0 / (n + 1.0)
    for j in range(x.shape[0]):
        out[j, :] = np.nan
        start = first_finite(x[j])
        if start + n > x.shape[1]:
            continue
        value = 0.0
        for i in range(start, start + n):
            value += x[j, i]
        value /= n
        out[j, start + n - 1] = value
        for i in range(start + n, x.shape[1]):
            value += k * (x[j, i] - value)
            out[j, i] = value


@kernel
def rsi_rows(x: Vec, n: int, out: Vec) -> None:
    """Wilder RSI: simple averages of the first n gains/losses, then (prev·(n-1) + new)/n."""
    for j in range(x.shape[0]):
        out[j, :] = np.nan
        start = first_finite(x[j])
        if start + n >= x.shape[1]:
            continue
        gain = 0.0
        loss = 0.0
        for i in range(start + 1, start + n + 1):
            change = x[j, i] - x[j, i - 1]
            if change < 0.0:
                loss -= change
            else:
                gain += change
        gain /= n
        loss /= n
        out[j, start + n] = 100.0 * gain / (gain + loss) if gain + loss != 0.0 else 0.0
        for i in range(start + n + 1, x.shape[1]):
            change = x[j, i] - x[j, i - 1]
            gain *= n - 1.0
            loss *= n - 1.0
            if change < 0.0:
                loss -= change
            else:
                gain += change
            gain /= n
            loss /= n
            out[j, i] = 100.0 * gain / (gain + loss) if gain + loss != 0.0 else 0.0


@jit
def true_range(h: float, lo: float, prev_close: float) -> float:
    """Wilder's true range of one bar."""
    return max(h - lo, abs(h - prev_close), abs(lo - prev_close))


@kernel
def atr_rows(h: Vec, lo: Vec, c: Vec, n: int, out: Vec) -> None:
    """Wilder ATR: SMA of the first n true ranges (bars 1..n), then (prev·(n-1) + TR)/n."""
    for j in range(c.shape[0]):
        out[j, :] = np.nan
        start = first_finite(c[j])
        if start + n >= c.shape[1]:
            continue
        value = 0.0
        for i in range(start + 1, start + n + 1):
            value += true_range(h[j, i], lo[j, i], c[j, i - 1])
        value /= n
        out[j, start + n] = value
        for i in range(start + n + 1, c.shape[1]):
            value = (value * (n - 1.0) + true_range(h[j, i], lo[j, i], c[j, i - 1])) / n
            out[j, i] = value


@jit
def directional_moves(h: Vec, lo: Vec, i: int) -> tuple[float, float]:
    """(+DM, -DM) of bar i, TA-Lib rules (ties give neither)."""
    up = h[i] - h[i - 1]
    down = lo[i - 1] - lo[i]
    if down > 0.0 and up < down:
        return 0.0, down
    if up > 0.0 and up > down:
        return up, 0.0
    return 0.0, 0.0


@jit
def _dx(plus: float, minus: float, tr: float) -> tuple[float, float, float]:
    """(+DI, -DI, DX) from Wilder-smoothed +DM, -DM and TR sums."""
    if tr == 0.0:
        return 0.0, 0.0, 0.0
    pdi = 100.0 * plus / tr
    mdi = 100.0 * minus / tr
    total = pdi + mdi
    return pdi, mdi, (100.0 * abs(pdi - mdi) / total if total != 0.0 else 0.0)


@kernel
def adx_rows(h: Vec, lo: Vec, c: Vec, n: int, adx: Vec, pdi: Vec, mdi: Vec) -> None:
    """ADX, +DI, -DI as TA-Lib: DM/TR sums seeded over bars 1..n-1, smoothed s - s/n + x;
    DI from bar n; ADX = mean of the first n DX (bars n..2n-1), then Wilder-smoothed."""
    for j in range(c.shape[0]):
        adx[j, :] = np.nan
        pdi[j, :] = np.nan
        mdi[j, :] = np.nan
        start = first_finite(c[j])
        plus = minus = tr = 0.0
        for i in range(start + 1, min(start + n, c.shape[1])):
            p, m = directional_moves(h[j], lo[j], i)
            plus += p
            minus += m
            tr += true_range(h[j, i], lo[j, i], c[j, i - 1])
        smoothed = 0.0
        for i in range(start + n, c.shape[1]):
            p, m = directional_moves(h[j], lo[j], i)
            plus += p - plus / n
            minus += m - minus / n
            tr += true_range(h[j, i], lo[j, i], c[j, i - 1]) - tr / n
            pdi[j, i], mdi[j, i], dx = _dx(plus, minus, tr)
            k = i - start - n  # DX count - 1
            if k < n:
                smoothed += dx
                if k == n - 1:
                    smoothed /= n
                    adx[j, i] = smoothed
            else:
                smoothed = (smoothed * (n - 1.0) + dx) / n
                adx[j, i] = smoothed


@kernel
def rolling_mean_std_rows(x: Vec, n: int, mean: Vec, std: Vec) -> None:
    """Rolling mean and population std (ddof=0, as TA-Lib BBANDS/STDDEV) over n bars.

    Sums are taken of x minus the row's first value so the variance does not cancel for
    prices far from zero.
    """
    for j in range(x.shape[0]):
        mean[j, :] = np.nan
        std[j, :] = np.nan
        start = first_finite(x[j])
        if start >= x.shape[1]:
            continue
        shift = x[j, start]
        s1 = 0.0
        s2 = 0.0
        for i in range(start, x.shape[1]):
            d = x[j, i] - shift
            s1 += d
            s2 += d * d
            if i - start >= n:
                old = x[j, i - n] - shift
                s1 -= old
                s2 -= old * old
            if i - start >= n - 1:
                m = s1 / n
                mean[j, i] = m + shift
                std[j, i] = math.sqrt(max(s2 / n - m * m, 0.0))
