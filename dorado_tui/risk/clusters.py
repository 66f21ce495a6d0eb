"""Correlated clusters of underlyings and the return covariance the portfolio's VaR uses.

Clusters come from average-linkage hierarchical clustering (scipy) on the distance 1 − ρ, cut
at 1 − threshold: underlyings join when their average correlation is at least the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
TRADING_DAYS = 252.0


@dataclass(frozen=True)
class Correlations:
    """A correlation matrix of daily returns with the names of its rows."""

    names: tuple[str, ...]
    matrix: FloatArray

    def __post_init__(self) -> None:
        n = len(self.names)
        if self.matrix.shape != (n, n):
            raise ValueError(f"correlation matrix is {self.matrix.shape}, expected ({n}, {n})")
        if not np.allclose(self.matrix, self.matrix.T, atol=1e-9):
            raise ValueError("correlation matrix is not symmetric")
        if np.any(np.abs(self.matrix) > 1 + 1e-9) or not np.all(np.isfinite(self.matrix)):
            raise ValueError("correlation matrix has entries outside [-1, 1]")


def cluster_labels(corr: FloatArray, threshold: float) -> IntArray:
    """Cluster label (0-based, by first appearance) per row of a correlation matrix."""
    n = corr.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    distance = np.clip(1.0 - corr, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    raw = fcluster(tree, t=1.0 - threshold + 1e-12, criterion="distance")
    _, first = np.unique(raw, return_index=True)
    order = {label: i for i, label in enumerate(raw[np.sort(first)])}
    return np.array([order[label] for label in raw], dtype=np.int64)


def align(names: Sequence[str], corr: Correlations | None, threshold: float) -> tuple[IntArray, FloatArray]:
    """Cluster labels and correlation matrix for `names` in order.

    Names missing from the matrix get their own cluster, and correlation 1 with every other
    name for VaR (the conservative choice when nothing is known).
    """
    n = len(names)
    rho = np.ones((n, n))
    known: NDArray[np.bool_] = np.zeros(n, dtype=bool)
    if corr is not None:
        where = {name: i for i, name in enumerate(corr.names)}
        idx = np.array([where.get(name, -1) for name in names], dtype=np.int64)
        known = idx >= 0
        sub = idx[known]
        rho[np.ix_(known, known)] = corr.matrix[np.ix_(sub, sub)]
    np.fill_diagonal(rho, 1.0)
    labels = np.empty(n, dtype=np.int64)
    known_labels = cluster_labels(rho[np.ix_(known, known)], threshold)
    labels[known] = known_labels
    next_label = int(known_labels.max()) + 1 if known_labels.size else 0
    labels[~known] = np.arange(next_label, next_label + int((~known).sum()))
    return labels, rho


def daily_covariance(rho: FloatArray, names: Sequence[str], annual_vol: Mapping[str, float]) -> FloatArray:
    """Daily return covariance from correlations and annualized vols (NaN where a vol is unknown)."""
    sigma = np.array([annual_vol.get(name, np.nan) for name in names], dtype=np.float64)
    sigma = sigma / np.sqrt(TRADING_DAYS)
    return rho * np.outer(sigma, sigma)
