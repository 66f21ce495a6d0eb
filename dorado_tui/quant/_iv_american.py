"""Numba kernel for the implied vol of American prices (Bjerksund-Stensland 2002).

The American price is increasing in σ but has no closed-form normalization, so the solver is a
safeguarded secant on f(σ) = ln(american(σ)/price): the European implied vol of the price is an
upper estimate (the early-exercise premium inflates it), the European implied vol of the price
less the premium at that estimate a close second point, and a bracket is kept so every step
that leaves it falls back to bisection. 4-8 American evaluations per option.
"""

from __future__ import annotations

import math

from dorado_tui.quant._american import american_one
from dorado_tui.quant._arrays import Vec
from dorado_tui.quant._iv import (
    ABOVE_BOUND,
    BELOW_INTRINSIC,
    INVALID_INPUT,
    NO_TIME_VALUE,
    NOT_CONVERGED,
    OK,
    implied_one,
)
from dorado_tui.quant._jit import jit, kernel

_VOL_FLOOR = 1e-6
_VOL_CEILING = 20.0


@jit
def _excess(
    price: float, s: float, k: float, t: float, r: float, q: float, vol: float, call: bool
) -> float:
    """ln(american(σ)/price): monotone in σ and as well scaled for 1e-12 prices as for 50."""
    value = american_one(s, k, t, r, q, vol, call)[0]
    return math.log(value / price) if value > 0.0 else -math.inf


@jit
def _secant(
    price: float, s: float, k: float, t: float, r: float, q: float, call: bool,
    lo: float, hi: float, a: float, b: float,
) -> tuple[float, int]:  # fmt: skip
    """Root of the excess in (lo, hi) from the points a, b (both inside); bisection whenever
    the secant leaves the bracket or a value is not finite."""
    fa = _excess(price, s, k, t, r, q, a, call)
    fb = _excess(price, s, k, t, r, q, b, call)
    for _ in range(80):
        if fb == 0.0:
            return b, OK
        if fb > 0.0:
            hi = min(hi, b)
        else:
            lo = max(lo, b)
        usable = math.isfinite(fa) and math.isfinite(fb) and fb != fa
        nxt = b - fb * (b - a) / (fb - fa) if usable else 0.5 * (lo + hi)
        if not (lo < nxt < hi):
            nxt = 0.5 * (lo + hi)
        if abs(nxt - b) <= 1e-13 * nxt or hi - lo <= 1e-13 * hi:
            return nxt, OK
        a, fa = b, fb
        b, fb = nxt, _excess(price, s, k, t, r, q, nxt, call)
    return b, NOT_CONVERGED


@jit
def american_implied_one(
    price: float, s: float, k: float, t: float, r: float, q: float, call: bool
) -> tuple[float, int]:
    """Implied vol of one American option price under BS2002 (reason codes as `_iv`)."""
    ok = price >= 0.0 and s > 0.0 and k > 0.0 and t > 0.0
    if not (ok and math.isfinite(price) and math.isfinite(s) and math.isfinite(k)
            and math.isfinite(t) and math.isfinite(r) and math.isfinite(q)):  # fmt: skip
        return math.nan, INVALID_INPUT
    if (call and q <= 0.0) or (not call and r <= 0.0):  # never exercised early: European
        return implied_one(price, s, k, t, r, q, call)
    intrinsic = max(s - k, 0.0) if call else max(k - s, 0.0)
    if price >= (s if call else k):
        return math.nan, ABOVE_BOUND
    if price < intrinsic - 4.0 * 2.220446049250313e-16 * max(s, k):
        return math.nan, BELOW_INTRINSIC
    if _excess(price, s, k, t, r, q, _VOL_FLOOR, call) >= 0.0:
        return math.nan, NO_TIME_VALUE  # inside the exercise region any small vol fits
    hi = _VOL_CEILING
    if _excess(price, s, k, t, r, q, hi, call) <= 0.0:
        return math.nan, ABOVE_BOUND
    upper, reason = implied_one(price, s, k, t, r, q, call)
    if reason != OK or not _VOL_FLOOR < upper < hi:
        upper = 0.5 * (_VOL_FLOOR + 1.0)
    both = american_one(s, k, t, r, q, upper, call)
    premium = both[0] - both[1]
    second, reason = implied_one(price - premium, s, k, t, r, q, call)
    if reason != OK or not _VOL_FLOOR < second < hi or second == upper:
        second = 0.9 * upper
    return _secant(price, s, k, t, r, q, call, _VOL_FLOOR, hi, upper, second)


@kernel
def american_iv_serial(
    p: Vec, s: Vec, k: Vec, t: Vec, r: Vec, q: Vec, call: Vec, out: Vec, reason: Vec
) -> None:
    """Fill `out` with American implied vols and `reason` with codes."""
    sp, ss, sk, st, sr, sq, sc = (
        p.size > 1, s.size > 1, k.size > 1, t.size > 1, r.size > 1, q.size > 1, call.size > 1
    )  # fmt: skip
    for i in range(out.size):
        out[i], reason[i] = american_implied_one(
            p[i * sp], s[i * ss], k[i * sk], t[i * st], r[i * sr], q[i * sq], call[i * sc]
        )
