"""Correlation matrix of many return series and its principal components.

`pca` answers the regime question "how much of the universe moves as one": the first PC's share
of variance (high in crises) and how many components explain 80 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dorado_tui.quant._arrays import FloatArray


@dataclass(frozen=True)
class PCA:
    """Eigen-decomposition of a correlation matrix, largest first."""

    eigenvalues: FloatArray
    explained: FloatArray  # share of total variance per component
    components: FloatArray  # columns are unit eigenvectors, sign fixed so the largest |loading| > 0
    n_for_80: int  # components needed to explain >= 80 %
    first_share: float  # explained[0]


def correlation_matrix(returns: ArrayLike, min_days: int = 20) -> FloatArray:
    """Pearson correlation of (days, assets) returns over the days on which every asset has a
    return; a constant series gets NaN correlations (and 1 on the diagonal)."""
    r = np.atleast_2d(np.asarray(returns, dtype=np.float64))
    complete = r[np.isfinite(r).all(axis=1)]
    if complete.shape[0] < min_days:
        raise ValueError(f"only {complete.shape[0]} complete days of returns; need {min_days}")
    centered = complete - complete.mean(axis=0)
    scale = np.sqrt((centered**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = centered / scale
        corr = z.T @ z
    corr = np.clip(corr, -1.0, 1.0)
    np.fill_diagonal(corr, 1.0)
    return np.asarray(corr, dtype=np.float64)


def pca(corr: ArrayLike, threshold: float = 0.80) -> PCA:
    """Principal components of a correlation matrix (NaN entries, from constant series, count as 0)."""
    c = np.asarray(corr, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {c.shape}")
    c = np.where(np.isfinite(c), c, 0.0)
    values, vectors = np.linalg.eigh((c + c.T) / 2.0)
    order = np.argsort(values)[::-1]
    values = np.maximum(values[order], 0.0)
    vectors = vectors[:, order]
    signs: NDArray[np.float64] = np.sign(
        vectors[np.abs(vectors).argmax(axis=0), np.arange(vectors.shape[1])]
    )
    vectors = vectors * np.where(signs == 0, 1.0, signs)
    explained = values / values.sum()
    n80 = int(np.searchsorted(np.cumsum(explained), threshold - 1e-12) + 1)
    return PCA(values, explained, vectors, min(n80, values.size), float(explained[0]))
