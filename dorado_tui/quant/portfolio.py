"""Portfolio Greeks: per position, aggregated by any labelling (underlying, asset class, strategy
layer, whole portfolio), and beta-weighted delta to a benchmark (SPY).

Units (account currency): delta in underlying units and `dollar_delta` = delta × spot;
`dollar_gamma` = the change of dollar delta for a 1 % move (gamma × spot² / 100); theta per
calendar day; vega per vol point; rho per 1 % of rate. Linear positions have delta = quantity.
American rows use the same BSM Greeks as their European twin (the early-exercise premium moves
price, not these first-order sensitivities, by more than a few percent only deep in the money).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dorado_tui.quant._arrays import FloatArray
from dorado_tui.quant.book import OptionBook
from dorado_tui.quant.pricing import bsm_greeks

GREEK_NAMES = ("value", "delta", "dollar_delta", "dollar_gamma", "gamma", "theta", "vega", "rho")


@dataclass(frozen=True)
class GreekTotals:
    """Sums per label; each array is aligned with `labels` (sorted)."""

    labels: tuple[str, ...]
    value: FloatArray
    delta: FloatArray
    dollar_delta: FloatArray
    dollar_gamma: FloatArray
    gamma: FloatArray
    theta: FloatArray
    vega: FloatArray
    rho: FloatArray

    def row(self, label: str) -> dict[str, float]:
        """All figures of one label."""
        i = self.labels.index(label)
        return {name: float(getattr(self, name)[i]) for name in GREEK_NAMES}


def position_greeks(book: OptionBook) -> dict[str, FloatArray]:
    """Every position's value and Greeks in account currency (quantity applied)."""
    n = book.size
    unit: dict[str, FloatArray] = {
        name: np.zeros(n) for name in ("value", "delta", "gamma", "theta", "vega", "rho")
    }
    unit["value"] = book.spot.copy()
    unit["delta"] = np.ones(n)
    opt = book.is_option
    if opt.any():
        g = bsm_greeks(book.spot[opt], book.strike[opt], book.t[opt], book.rate[opt], book.div[opt],
                       book.vol[opt], book.is_call[opt])  # fmt: skip
        for name in ("delta", "gamma", "theta", "vega", "rho"):
            unit[name][opt] = getattr(g, name)
        unit["value"][opt] = book.unit_values(book.spot, book.t, book.vol)[opt]
    out = {name: book.quantity * values for name, values in unit.items()}
    out["dollar_delta"] = out["delta"] * book.spot
    out["dollar_gamma"] = out["gamma"] * book.spot**2 / 100.0
    return out


def aggregate(per_position: dict[str, FloatArray], labels: ArrayLike) -> GreekTotals:
    """Sum position figures by label (e.g. book.underlying, an asset-class or layer array, or a
    constant for the portfolio total)."""
    keys = np.asarray(labels, dtype=np.str_).ravel()
    size = per_position["delta"].size
    if keys.size != size:
        raise ValueError(f"{keys.size} labels for {size} positions")
    names, inverse = np.unique(keys, return_inverse=True)
    sums = [
        np.bincount(inverse, weights=per_position[g], minlength=names.size).astype(np.float64)
        for g in GREEK_NAMES
    ]
    return GreekTotals(tuple(str(x) for x in names), *sums)


def aggregate_book(book: OptionBook, by: Sequence[str] | None = None) -> GreekTotals:
    """Greeks of `book` summed by `by` (default: underlying)."""
    labels = book.underlying if by is None else np.asarray(by, dtype=np.str_)
    return aggregate(position_greeks(book), labels)


def betas(asset_returns: ArrayLike, benchmark_returns: ArrayLike) -> FloatArray:
    """OLS beta of each asset's returns (rows of (assets, days), or one series) to the benchmark
    over days where both are finite."""
    a = np.atleast_2d(np.asarray(asset_returns, dtype=np.float64))
    m = np.asarray(benchmark_returns, dtype=np.float64).ravel()
    if a.shape[1] != m.size:
        raise ValueError(f"asset history has {a.shape[1]} days, benchmark {m.size}")
    out = np.full(a.shape[0], np.nan)
    for i, row in enumerate(a):
        ok = np.isfinite(row) & np.isfinite(m)
        if ok.sum() >= 3:
            mm = m[ok] - m[ok].mean()
            out[i] = float(np.dot(row[ok] - row[ok].mean(), mm) / np.dot(mm, mm))
    return out


def beta_weighted_delta(
    dollar_delta: ArrayLike, beta: ArrayLike, benchmark_price: float
) -> tuple[float, float]:
    """(benchmark-share equivalent delta, its dollar value): Σ β_i·dollar delta_i / benchmark.

    A position's dollar delta times its beta is the dollar exposure to a benchmark move; divide by
    the benchmark price to read it as SPY shares."""
    if not benchmark_price > 0:
        raise ValueError(f"benchmark price must be > 0, got {benchmark_price}")
    dollars = float(
        np.sum(np.asarray(dollar_delta, dtype=np.float64) * np.asarray(beta, dtype=np.float64))
    )
    return dollars / benchmark_price, dollars
