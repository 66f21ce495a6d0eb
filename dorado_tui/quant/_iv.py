"""Reference implied-vol solver for one option (the vectorized pass is `_iv_fast.py`).

Work in Jäckel's normalized coordinates (x = ln(F/K) <= 0, s = σ·√t, β = out-of-the-money
undiscounted price / √(F·K)), where b(x, s) = e^{x/2}·N(x/s + s/2) - e^{-x/2}·N(x/s - s/2)
increases in s from 0 to e^{x/2} with an inflection at s_c = √(2|x|). Below s_c we solve
ln b(s) = ln β: writing b = b'·(R(-d1) - R(-d2)) with the Mills ratio R and the analytic
ln b' = -x²/(2s²) - s²/8 - ln √(2π), the objective never underflows, even for prices of 1e-300.
Above s_c we solve b(s) = β. Both use Householder's third-order step, safeguarded by a bracket, from a
seed: the tangent at s_c near the inflection, the small-s asymptote b ≈ b'·s³/(x² - s⁴/4) for
tiny prices, the large-s asymptote above s_c; 2-3 evaluations per option on typical chains. (This is the strategy of "Let's Be
Rational", without its rational-cubic seeds: measured here it stays within the 200 ms / 10^6
budget, see benchmarks/bench_quant.py.)
"""

from __future__ import annotations

import math

from dorado_tui.quant._jit import inline_jit, jit
from dorado_tui.quant._special import INV_SQRT_2PI, norm_ppf_guess, upper_tail

OK = 0
BELOW_INTRINSIC = 1
ABOVE_BOUND = 2
NO_TIME_VALUE = 3
INVALID_INPUT = 4
NOT_CONVERGED = 5

_LN_SQRT_2PI = 0.9189385332046728
_MAX_STEPS = 40
_DONE = 1e-7  # relative step after which the next Householder step is not needed


@inline_jit
def _mills(a: float) -> float:
    """Mills ratio R(a) = Q(a)/φ(a) for a >= 0."""
    return upper_tail(a, 1.0)


@inline_jit
def _householder(f: float, fp: float, h2: float, h3: float) -> float:
    """Third-order step given f, f' and h2 = f''/f', h3 = f'''/f'."""
    nu = -f / fp
    return nu * (1.0 + 0.5 * h2 * nu) / (1.0 + nu * (h2 + h3 * nu / 6.0))


@inline_jit
def _curvature(x: float, s: float) -> tuple[float, float]:
    """b''/b' and b'''/b' of the normalized Black price in s."""
    g = x * x / (s * s * s) - 0.25 * s
    return g, g * g - 3.0 * x * x / (s * s * s * s) - 0.25


@jit
def _low_step(x: float, s: float, ln_beta: float) -> tuple[float, float]:
    """Objective ln b - ln β (and a Householder step) below the inflection point."""
    d1 = x / s + 0.5 * s
    d2 = d1 - s
    diff = _mills(-d1) - _mills(-d2)
    if not diff > 0.0:  # only in the far tail where R's rounding dominates: nudge upwards
        return -1.0, 0.5 * s
    f = -x * x / (2.0 * s * s) - s * s / 8.0 - _LN_SQRT_2PI + math.log(diff) - ln_beta
    fp = 1.0 / diff  # (ln b)' = b'/b
    g2, g3 = _curvature(x, s)
    h2 = g2 - fp
    h3 = g3 - 3.0 * g2 * fp + 2.0 * fp * fp
    return f, _householder(f, fp, h2, h3)


@jit
def _high_step(x: float, s: float, beta: float) -> tuple[float, float]:
    """Objective b - β (and a Householder step) above the inflection point (d1 >= 0)."""
    d1 = x / s + 0.5 * s
    d2 = d1 - s
    bp = math.exp(-x * x / (2.0 * s * s) - s * s / 8.0 - _LN_SQRT_2PI)
    ex = math.exp(0.5 * x)
    if d2 < 0.0:
        b = ex - bp * (_mills(d1) + _mills(-d2))
    else:
        b = ex - 1.0 / ex - bp * (_mills(d1) - _mills(d2))
    f = b - beta
    g2, g3 = _curvature(x, s)
    return f, _householder(f, bp, g2, g3)


@jit
def _low_seed(x: float, ln_beta: float, s_c: float) -> float:
    """Asymptotic solution of ln β ≈ ln b' + ln(s³/(x² - s⁴/4)) (valid for |d1| >> 1)."""
    s = s_c * 0.5
    for _ in range(3):
        denom = x * x - 0.25 * s**4
        rhs = -ln_beta - s * s / 8.0 - _LN_SQRT_2PI + 3.0 * math.log(s) - math.log(denom)
        if not rhs > 0.0:
            return s
        s = min(abs(x) / math.sqrt(2.0 * rhs), 0.99 * s_c)
    return s


@jit
def _high_seed(x: float, beta: float, s_c: float) -> float:
    """Large-s asymptote e^{x/2} - b ≈ (e^{x/2} + e^{-x/2})·N(-s/2)."""
    ex = math.exp(0.5 * x)
    p = (ex - beta) / (ex + 1.0 / ex)
    return max(-2.0 * norm_ppf_guess(p), s_c)


@jit
def normalized_vol(x: float, beta: float) -> tuple[float, int]:
    """s = σ√t with b(x, s) = β for x <= 0 and 0 < β < e^{x/2}; returns (s, reason)."""
    s_c = math.sqrt(-2.0 * x)
    # At the inflection d1 = 0: b(x, s_c) = e^{x/2}·(1/2 - R(s_c)/√(2π)), b'(s_c) = e^{x/2}/√(2π).
    bp_c = math.exp(0.5 * x) * INV_SQRT_2PI
    b_c = 0.5 * math.exp(0.5 * x) - _mills(s_c) * bp_c
    low = s_c > 0.0 and beta < b_c
    lo, hi = (0.0, s_c) if low else (s_c, math.inf)
    ln_beta = math.log(beta)
    if not low:
        s = _high_seed(x, beta, s_c)
    elif beta >= 0.01 * b_c:  # near the inflection the tangent there is the better seed
        s = max(s_c - (b_c - beta) / bp_c, 0.05 * s_c)
    else:
        s = _low_seed(x, ln_beta, s_c)
    for _ in range(_MAX_STEPS):
        f, step = _low_step(x, s, ln_beta) if low else _high_step(x, s, beta)
        if f > 0.0:
            hi = min(hi, s)
        elif f < 0.0:
            lo = max(lo, s)
        else:
            return s, OK
        nxt = s + step
        if abs(step) <= _DONE * s:  # cubic convergence: the error left is ~(1e-7)³, skip a check
            return nxt, OK
        if not (lo < nxt < hi):  # outside the bracket: bisect (doubling when unbounded)
            nxt = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * max(s, lo)
        s = nxt
    return s, NOT_CONVERGED


@jit
def _b_at(x: float, s: float) -> float:
    """Normalized OTM Black price b(x, s), x <= 0, s > 0."""
    d1 = x / s + 0.5 * s
    d2 = d1 - s
    bp = math.exp(-x * x / (2.0 * s * s) - s * s / 8.0 - _LN_SQRT_2PI)
    if d1 < 0.0:
        return bp * (_mills(-d1) - _mills(-d2))
    ex = math.exp(0.5 * x)
    if d2 < 0.0:
        return ex - bp * (_mills(d1) + _mills(-d2))
    return ex - 1.0 / ex - bp * (_mills(d1) - _mills(d2))


@jit
def implied_one(
    price: float, s: float, k: float, t: float, r: float, q: float, call: bool
) -> tuple[float, int]:
    """Implied vol of one European option in the generalized Black-Scholes model."""
    ok = price >= 0.0 and s > 0.0 and k > 0.0 and t > 0.0
    if not (ok and math.isfinite(price) and math.isfinite(s) and math.isfinite(k)
            and math.isfinite(t) and math.isfinite(r) and math.isfinite(q)):  # fmt: skip
        return math.nan, INVALID_INPUT
    fwd = s * math.exp((r - q) * t)
    c = price * math.exp(r * t)  # undiscounted
    intrinsic = max(fwd - k, 0.0) if call else max(k - fwd, 0.0)
    bound = fwd if call else k
    if c >= bound:
        return math.nan, ABOVE_BOUND
    time_value = c - intrinsic
    if time_value < 0.0:
        # Rounding of the forward can leave a tiny negative time value at true zero.
        tiny = 4.0 * 2.220446049250313e-16 * max(fwd, k)
        return math.nan, (NO_TIME_VALUE if time_value > -tiny else BELOW_INTRINSIC)
    x = -abs(math.log(fwd / k))
    beta = time_value / math.sqrt(fwd * k)
    if not beta > 0.0 or not beta < math.exp(0.5 * x):
        return math.nan, NO_TIME_VALUE if not beta > 0.0 else ABOVE_BOUND
    sd, reason = normalized_vol(x, beta)
    return sd / math.sqrt(t), reason
