"""Price structure: swing pivots, classic floor pivots, and support/resistance levels clustered
from pivots and scored by touches.

Swing pivots are fractal pivots: bar i is a swing high when its high exceeds the `left` highs
before it and is not exceeded by the `right` highs after it (ties resolve to the earliest bar),
so a pivot is only CONFIRMED `right` bars later — callers scanning live data must not use the
last `right` bars' pivots as known at their own time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dorado_tui.quant._arrays import BoolArray, FloatArray


@dataclass(frozen=True)
class FloorPivots:
    """Classic floor-trader pivots from the previous period's high, low and close."""

    pivot: FloatArray
    r1: FloatArray
    r2: FloatArray
    r3: FloatArray
    s1: FloatArray
    s2: FloatArray
    s3: FloatArray


@dataclass(frozen=True)
class Level:
    """A support/resistance level: the mean of clustered pivot prices, scored by touches."""

    price: float
    touches: int  # bars whose high or low came within the tolerance band
    pivots: int  # swing pivots that formed the cluster
    last_touch: int  # bar index of the most recent touch
    kind: str  # "support" (below the last close) or "resistance"


def _windows(x: FloatArray, size: int) -> FloatArray:
    return np.lib.stride_tricks.sliding_window_view(x, size, axis=-1)


def swing_pivots(
    high: ArrayLike, low: ArrayLike, left: int = 3, right: int = 3
) -> tuple[BoolArray, BoolArray]:
    """(is_swing_high, is_swing_low) masks of shape (bars,) or (symbols, bars)."""
    if left < 1 or right < 1:
        raise ValueError(f"left and right must be >= 1, got {left}, {right}")
    h = np.asarray(high, dtype=np.float64)
    lo = np.asarray(low, dtype=np.float64)
    if h.shape != lo.shape:
        raise ValueError(f"high and low shapes differ: {h.shape} vs {lo.shape}")
    return _pivot_mask(h, left, right, 1.0), _pivot_mask(lo, left, right, -1.0)


def _pivot_mask(x: FloatArray, left: int, right: int, sign: float) -> BoolArray:
    y = sign * x
    out = np.zeros(x.shape, dtype=bool)
    n = x.shape[-1]
    if n < left + right + 1:
        return out
    before = _windows(y, left)[..., : n - left - right, :].max(axis=-1)
    after = _windows(y, right)[..., left + 1 :, :].max(axis=-1)
    centre = y[..., left : n - right]
    with np.errstate(invalid="ignore"):
        out[..., left : n - right] = (centre > before) & (centre >= after)
    return out


def floor_pivots(high: ArrayLike, low: ArrayLike, close: ArrayLike) -> FloorPivots:
    """Pivot P = (H + L + C)/3 of the PREVIOUS period; R1 = 2P - L, S1 = 2P - H, R2 = P + (H - L),
    S2 = P - (H - L), R3 = H + 2(P - L), S3 = L - 2(H - P)."""
    h, lo, c = (np.asarray(a, dtype=np.float64) for a in (high, low, close))
    p = (h + lo + c) / 3.0
    rng = h - lo
    return FloorPivots(
        p, 2 * p - lo, p + rng, h + 2 * (p - lo), 2 * p - h, p - rng, lo - 2 * (h - p)
    )


def _clusters(prices: FloatArray, tolerance: float) -> list[FloatArray]:
    """Greedy single pass over sorted prices: a price joins the current cluster while it lies
    within `tolerance` (fraction) of the cluster's running mean."""
    groups: list[list[float]] = []
    for price in np.sort(prices):
        if groups and abs(price - np.mean(groups[-1])) <= tolerance * np.mean(groups[-1]):
            groups[-1].append(float(price))
        else:
            groups.append([float(price)])
    return [np.array(g) for g in groups]


def support_resistance(
    high: ArrayLike, low: ArrayLike, close: ArrayLike, left: int = 3, right: int = 3,
    tolerance: float = 0.005, min_touches: int = 2,
) -> list[Level]:  # fmt: skip
    """Support and resistance levels of one symbol, strongest first (touches, then recency).

    Swing highs and lows are pooled and clustered within `tolerance` (fraction of price); each
    cluster's mean is a level, and every bar whose high or low lies within ±tolerance of it
    counts as a touch. Levels with fewer than `min_touches` touches are dropped.
    """
    h, lo, c = (np.asarray(a, dtype=np.float64).ravel() for a in (high, low, close))
    if not (h.size == lo.size == c.size):
        raise ValueError(f"high, low, close lengths differ: {h.size}, {lo.size}, {c.size}")
    if not tolerance > 0:
        raise ValueError(f"tolerance must be > 0, got {tolerance}")
    is_high, is_low = swing_pivots(h, lo, left, right)
    prices = np.concatenate([h[is_high], lo[is_low]])
    last = c[np.isfinite(c)][-1] if np.isfinite(c).any() else np.nan
    levels = []
    for group in _clusters(prices[np.isfinite(prices)], tolerance):
        level = float(group.mean())
        band = tolerance * level
        touched: NDArray[np.bool_] = (np.abs(h - level) <= band) | (np.abs(lo - level) <= band)
        count = int(touched.sum())
        if count >= min_touches:
            kind = "support" if level < last else "resistance"
            levels.append(
                Level(level, count, int(group.size), int(np.flatnonzero(touched)[-1]), kind)
            )
    return sorted(levels, key=lambda lv: (-lv.touches, -lv.last_touch))
