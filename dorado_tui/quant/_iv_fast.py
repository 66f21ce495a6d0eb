"""SIMD fast path of the implied-vol solver: a fixed number of branch-free Householder steps.

`_iv.implied_one` is the reference solver (early exits, bisection fallback, one option at a
time). Here the same normalized equations run with a fixed count of steps, every branch a
select and exp/log the inlinable `_vmath` versions, so LLVM vectorizes the loop across options;
each lane then reports whether its last step was already below 1e-7 relative (so the cubic
step left ~1e-21). Lanes that did not converge, or fall outside the no-arbitrage bounds, are
re-solved by the reference solver, which also assigns every reason code, so results never
depend on the fast path except in speed.
"""

from __future__ import annotations

import math

from dorado_tui.quant._arrays import Arg, Vec
from dorado_tui.quant._iv import (
    OK,
    _curvature,
    _householder,
    _mills,
    implied_one,
)
from dorado_tui.quant._jit import inline_jit, kernel
from dorado_tui.quant._special import INV_SQRT_2PI
from dorado_tui.quant._vmath import at, vexp, vlog

_LN_SQRT_2PI = 0.9189385332046728
_STEPS = 3  # Householder steps, written out in `fast_one` (covers ~99.9 % of chains)
_BIG = 1e300  # 'no upper bound yet'
_DONE = 1e-7


@inline_jit
def _low(x: float, s: float, ln_beta: float) -> tuple[float, float]:
    """ln b - ln β and its Householder step (see `_iv._low_step`), branch-free."""
    d1 = x / s + 0.5 * s
    d2 = d1 - s
    diff = _mills(-d1) - _mills(-d2)
    safe = diff if diff > 0.0 else 1.0
    f = -x * x / (2.0 * s * s) - s * s / 8.0 - _LN_SQRT_2PI + vlog(safe) - ln_beta
    fp = 1.0 / safe
    g2, g3 = _curvature(x, s)
    step = _householder(f, fp, g2 - fp, g3 - 3.0 * g2 * fp + 2.0 * fp * fp)
    return (f, step) if diff > 0.0 else (-1.0, 0.5 * s)


@inline_jit
def _high(x: float, s: float, beta: float, ex: float) -> tuple[float, float]:
    """b - β and its Householder step above the inflection (see `_iv._high_step`)."""
    d1 = x / s + 0.5 * s
    d2 = d1 - s
    bp = vexp(-x * x / (2.0 * s * s) - s * s / 8.0 - _LN_SQRT_2PI)
    r1 = _mills(d1)
    r2 = _mills(abs(d2))
    b = ex - bp * (r1 + r2) if d2 < 0.0 else ex - 1.0 / ex - bp * (r1 - r2)
    f = b - beta
    g2, g3 = _curvature(x, s)
    return f, _householder(f, bp, g2, g3)


@inline_jit
def _asymptote(x: float, ln_beta: float, s_c: float, s: float) -> float:
    """One fixed-point step of the small-s asymptote (as `_iv._low_seed`)."""
    denom = x * x - 0.25 * s * s * s * s
    rhs = -ln_beta - s * s / 8.0 - _LN_SQRT_2PI + 3.0 * vlog(s) - vlog(max(denom, 1e-300))
    return min(abs(x) / math.sqrt(2.0 * max(rhs, 1e-300)), 0.99 * s_c) if rhs > 0.0 else s


@inline_jit
def _seed(x: float, beta: float, ln_beta: float, s_c: float, ex: float, low: bool) -> float:
    """The reference solver's seeds, computed for both regions and selected."""
    bp_c = ex * INV_SQRT_2PI
    b_c = 0.5 * ex - _mills(s_c) * bp_c
    tangent = max(s_c - (b_c - beta) / bp_c, 0.05 * s_c)
    s = _asymptote(x, ln_beta, s_c, s_c * 0.5)  # unrolled: an inner loop stops vectorization
    s = _asymptote(x, ln_beta, s_c, s)
    s = _asymptote(x, ln_beta, s_c, s)
    low_seed = tangent if beta >= 0.01 * b_c else s
    p = (ex - beta) / (ex + 1.0 / ex)
    pq = min(max(p, 1e-300), 1.0 - p)
    u = math.sqrt(-2.0 * vlog(pq))
    z = u - (2.515517 + 0.802853 * u + 0.010328 * u * u) / (
        1.0 + 1.432788 * u + 0.189269 * u * u + 0.001308 * u * u * u
    )
    high_seed = max(2.0 * z if p < 0.5 else -2.0 * z, s_c)
    return low_seed if low else high_seed


@inline_jit
def _step(
    x: float, ln_beta: float, beta: float, ex: float, low: bool,
    state: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:  # fmt: skip
    """One safeguarded Householder step on (s, lo, hi, last relative step)."""
    sd, lo, hi, _ = state
    fl, stl = _low(x, sd, ln_beta)
    fh, sth = _high(x, sd, beta, ex)
    f = fl if low else fh
    step = stl if low else sth
    hi = min(hi, sd) if f > 0.0 else hi
    lo = max(lo, sd) if f < 0.0 else lo
    nxt = sd + step
    last = abs(step) / sd
    inside = (nxt > lo) & (nxt < hi)
    bisect = 0.5 * (lo + hi) if hi < _BIG else 2.0 * max(sd, lo)
    return (nxt if inside | (last <= _DONE) else bisect), lo, hi, last


@inline_jit
def fast_one(
    price: float, s: float, k: float, t: float, r: float, q: float, call: bool
) -> tuple[float, bool]:
    """(implied vol, solved) for one option by the vectorizable fixed-step path."""
    w = 1.0 if call else -1.0
    fwd = s * vexp((r - q) * t)
    c = price * vexp(r * t)
    intrinsic = max(w * (fwd - k), 0.0)
    x = -abs(vlog(fwd / k))
    beta = (c - intrinsic) / math.sqrt(fwd * k)
    ex = vexp(0.5 * x)
    # Prices below ~1e-290 (subnormal territory for vexp/vlog) go to the reference solver.
    usable = (price >= 0.0) & (t > 0.0) & (beta > 1e-290) & (beta < ex) & (c < (fwd if call else k))
    beta_ = beta if usable else 0.5 * ex
    ln_beta = vlog(beta_)
    s_c = math.sqrt(-2.0 * x)
    low = (s_c > 0.0) & (beta_ < 0.5 * ex - _mills(s_c) * ex * INV_SQRT_2PI)
    sd = _seed(x, beta_, ln_beta, s_c, ex, low)
    lo = 0.0 if low else s_c
    hi = s_c if low else _BIG
    state = (sd, lo, hi, 1.0)
    state = _step(x, ln_beta, beta_, ex, low, state)  # unrolled, _STEPS times
    state = _step(x, ln_beta, beta_, ex, low, state)
    state = _step(x, ln_beta, beta_, ex, low, state)
    sd, _, _, last = state
    solved = usable & (last <= _DONE) & (sd > 0.0) & math.isfinite(sd)
    return sd / math.sqrt(t), solved


@kernel
def iv_fast_serial(
    p: Arg, s: Arg, k: Arg, t: Arg, r: Arg, q: Arg, call: Arg, out: Vec, reason: Vec
) -> None:
    """Vectorized pass (inputs: arrays of len(out) or scalars, see `_vmath.at`), then the
    reference solver for every lane the fast path did not settle."""
    for i in range(out.size):
        out[i], solved = fast_one(
            at(p, i), at(s, i), at(k, i), at(t, i), at(r, i), at(q, i), at(call, i)
        )
        reason[i] = OK if solved else -1
    for i in range(out.size):
        if reason[i] != OK:
            out[i], reason[i] = implied_one(
                at(p, i), at(s, i), at(k, i), at(t, i), at(r, i), at(q, i), at(call, i)
            )
