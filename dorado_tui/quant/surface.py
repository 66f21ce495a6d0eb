"""Implied-volatility surface figures from an option chain: ATM IV, constant-maturity IV,
term-structure ratio and the 25-delta risk reversal.

A chain is given as flat arrays (one entry per contract): `t` in years, `strike`, `iv`
(decimals, NaN where no IV was solved) and `is_call`, with the underlying's spot, rate and
dividend yield to build each expiry's forward F = S·e^{(r-q)t}. At each strike the smile uses
the out-of-the-money contract's IV (puts below F, calls at/above), falling back to the other.
Interpolation is linear in log-moneyness for strikes, linear in total variance σ²t across
expiries (the VIX convention), and linear in Black forward delta N(d1) for delta quotes.
Nothing extrapolates silently: outside the quoted range the result is NaN, except the
constant-maturity IV, which holds the nearest expiry's ATM vol flat (documented below).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

from dorado_tui.quant._arrays import BoolArray, FloatArray

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Smile:
    """One expiry's smile: strikes ascending with their (out-of-the-money) implied vols."""

    t: float
    forward: float
    strikes: FloatArray
    ivs: FloatArray


def smiles(
    t: ArrayLike, strike: ArrayLike, iv: ArrayLike, is_call: ArrayLike, spot: float,
    rate: float = 0.0, div: float = 0.0,
) -> list[Smile]:  # fmt: skip
    """Group a chain by expiry (ascending t), merging calls and puts into one smile each."""
    ts, ks, vs = (np.asarray(a, dtype=np.float64).ravel() for a in (t, strike, iv))
    calls = np.broadcast_to(np.asarray(is_call, dtype=bool), ts.shape).ravel()
    if not (ts.shape == ks.shape == vs.shape):
        raise ValueError(
            f"chain arrays differ in length: t {ts.size}, strike {ks.size}, iv {vs.size}"
        )
    out = []
    for expiry in np.unique(ts[np.isfinite(ts) & (ts > 0)]):
        fwd = spot * math.exp((rate - div) * expiry)
        rows = (ts == expiry) & np.isfinite(vs) & (vs > 0)
        out.append(_merge(float(expiry), fwd, ks[rows], vs[rows], calls[rows]))
    return [s for s in out if s.strikes.size > 0]


def _merge(t: float, fwd: float, ks: FloatArray, vs: FloatArray, calls: BoolArray) -> Smile:
    strikes = np.unique(ks)
    ivs = np.empty(strikes.size)
    for i, k in enumerate(strikes):
        here = ks == k
        preferred = here & (calls == (k >= fwd))
        pick = vs[preferred] if preferred.any() else vs[here]
        ivs[i] = float(np.mean(pick))
    return Smile(t, fwd, strikes, ivs)


def atm_iv(smile: Smile) -> float:
    """IV at the forward, linear in log-moneyness between the bracketing strikes (NaN outside)."""
    x = np.log(smile.strikes / smile.forward)
    if x.size == 0 or x[0] > 0.0 or x[-1] < 0.0:
        return math.nan
    return float(np.interp(0.0, x, smile.ivs))


def constant_maturity_iv(chain: list[Smile], target_t: float = 30.0 / DAYS_PER_YEAR) -> float:
    """ATM IV at a fixed maturity: total variance interpolated linearly in t between the expiries
    bracketing `target_t`; beyond the first/last expiry the nearest ATM vol is held flat."""
    points = [(s.t, atm_iv(s)) for s in chain]
    points = [(t, v) for t, v in points if math.isfinite(v)]
    if not points:
        return math.nan
    ts = np.array([p[0] for p in points])
    vols = np.array([p[1] for p in points])
    if target_t <= ts[0]:
        return float(vols[0])
    if target_t >= ts[-1]:
        return float(vols[-1])
    variance = float(np.interp(target_t, ts, vols**2 * ts))
    return math.sqrt(variance / target_t)


def term_structure_ratio(
    chain: list[Smile], near_t: float = 30.0 / DAYS_PER_YEAR, far_t: float = 91.0 / DAYS_PER_YEAR
) -> float:
    """Near over far constant-maturity IV (VIX/VIX3M style): > 1 is backwardation (stress)."""
    far = constant_maturity_iv(chain, far_t)
    return constant_maturity_iv(chain, near_t) / far if far > 0 else math.nan


def forward_deltas(smile: Smile) -> FloatArray:
    """Black forward call delta N(d1) of each strike at its own implied vol."""
    sd = smile.ivs * math.sqrt(smile.t)
    d1 = np.log(smile.forward / smile.strikes) / sd + 0.5 * sd
    return np.asarray(ndtr(d1), dtype=np.float64)


def iv_at_delta(smile: Smile, delta: float) -> float:
    """IV at a forward delta: calls 0 < delta < 1, puts -1 < delta < 0 (N(d1) - 1); NaN outside."""
    call_delta = delta + 1.0 if delta < 0 else delta
    if not 0.0 < call_delta < 1.0:
        raise ValueError(f"delta must be in (-1, 0) or (0, 1), got {delta}")
    d = forward_deltas(smile)[::-1]  # ascending as strikes descend
    v = smile.ivs[::-1]
    if d.size == 0 or not d[0] <= call_delta <= d[-1] or np.any(np.diff(d) < 0):
        return math.nan
    return float(np.interp(call_delta, d, v))


def risk_reversal_25d(smile: Smile) -> float:
    """25-delta risk reversal: IV(25Δ call) - IV(25Δ put); negative is the usual equity skew."""
    return iv_at_delta(smile, 0.25) - iv_at_delta(smile, -0.25)
