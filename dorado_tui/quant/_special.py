"""Normal distribution functions for the kernels: CDF, PDF, bivariate CDF, inverse CDF guess.

The univariate CDF is our own rather than ``math.erfc``: glibc's erfc evaluates two
exponentials per call, and Black-Scholes needs two CDFs per option, so sharing the density
we already compute halves the transcendental work of the pricing kernel (measured in
benchmarks/bench_quant.py). The tail is Q(x) = φ(x)·R(x) with the Mills ratio R written as
h(t)/(x + 4), t = (x - 4)/(x + 4), and h a degree-20 Chebyshev interpolant fitted to a
long-double reference (series below 3, Laplace continued fraction above): h is within 3.6e-15
relative of it on [0, 12]; Q is within 4e-15 of scipy.special.ndtr for |x| <= 3 and beyond adds
the ~x²·ε of rounding x²/2 inside the exponential; N(x) + N(-x) = 1 holds to rounding (tests).
"""

from __future__ import annotations

import math

import numpy as np

from dorado_tui.quant._arrays import Vec
from dorado_tui.quant._jit import inline_jit, jit

INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2π)
SQRT_2PI = 2.5066282746310002
_K = 4.0
# h(t) = R(x)·(x + 4) with t = (x - 4)/(x + 4) in [-1, 1), as power-series coefficients of the
# degree-20 Chebyshev interpolant (well conditioned: |a_j| < 2), evaluated by Estrin's scheme
# because a 20-step Horner/Clenshaw chain is latency-bound (~2× slower than glibc erfc).
_A = (
    1.8932190633084827, -1.5237709108199515, 0.9704095548682672, -0.4675409630010555,
    0.15139176228441978, -0.018900450797214512, -0.008722294833856845, 0.004087854995831571,
    0.00033424110517867256, -0.0005792653581194382, -4.767025555314665e-06,
    8.80822434990698e-05, 1.7496103487383125e-06, -1.4814769449076922e-05,
    -1.4917759209380748e-06, 2.531347299820807e-06, 5.777067243163667e-07,
    -3.7122958640180464e-07, -1.363997067417443e-07, 3.275775429922992e-08,
    1.578261151473153e-08,
)  # fmt: skip
(_A0, _A1, _A2, _A3, _A4, _A5, _A6, _A7, _A8, _A9, _A10,
 _A11, _A12, _A13, _A14, _A15, _A16, _A17, _A18, _A19, _A20) = _A  # fmt: skip


@jit
def norm_pdf(x: float) -> float:
    """Standard normal density φ(x)."""
    return INV_SQRT_2PI * math.exp(-0.5 * x * x)


@inline_jit
def upper_tail(a: float, pdf_a: float) -> float:
    """Q(a) = 1 - N(a) for a >= 0, given pdf_a = φ(a) (so callers can share the exponential)."""
    inv = 1.0 / (a + _K)
    t = (a - _K) * inv
    t2 = t * t
    t4 = t2 * t2
    t8 = t4 * t4
    q0 = (_A0 + _A1 * t) + (_A2 + _A3 * t) * t2
    q1 = (_A4 + _A5 * t) + (_A6 + _A7 * t) * t2
    q2 = (_A8 + _A9 * t) + (_A10 + _A11 * t) * t2
    q3 = (_A12 + _A13 * t) + (_A14 + _A15 * t) * t2
    q4 = (_A16 + _A17 * t) + (_A18 + _A19 * t) * t2
    h = (q0 + q1 * t4) + (q2 + q3 * t4) * t8 + (q4 + _A20 * t4) * (t8 * t8)
    return pdf_a * h * inv


@inline_jit
def norm_cdf_with_pdf(x: float, pdf_x: float) -> float:
    """N(x) given φ(x); relative accuracy in both tails."""
    q = upper_tail(abs(x), pdf_x)
    return q if x < 0.0 else 1.0 - q


@jit
def norm_cdf(x: float) -> float:
    """Standard normal CDF N(x)."""
    return norm_cdf_with_pdf(x, norm_pdf(x))


@jit
def norm_ppf_guess(p: float) -> float:
    """Rough inverse normal CDF (|error| < 4.5e-4, Abramowitz-Stegun 26.2.23): solver seeds only."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    q = p if p < 0.5 else 1.0 - p
    t = math.sqrt(-2.0 * math.log(q))
    z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (
        1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t
    )
    return -z if p < 0.5 else z


def _gauss_legendre_half(n: int) -> tuple[Vec, Vec]:
    nodes, weights = np.polynomial.legendre.leggauss(n)
    return nodes[: n // 2].copy(), weights[: n // 2].copy()


# Genz (2004) uses 6-, 12- and 20-point Gauss-Legendre rules depending on |ρ|.
_X6, _W6 = _gauss_legendre_half(6)
_X12, _W12 = _gauss_legendre_half(12)
_X20, _W20 = _gauss_legendre_half(20)


@jit
def _bvn_upper_moderate(h: float, k: float, r: float, x: Vec, w: Vec) -> float:
    """P(X > h, Y > k) for |ρ| < 0.925 by Gauss-Legendre on the Plackett integral (Genz)."""
    hk = h * k
    hs = 0.5 * (h * h + k * k)
    asr = math.asin(r)
    total = 0.0
    for i in range(x.size):
        for sign in (-1.0, 1.0):
            sn = math.sin(0.5 * asr * (sign * x[i] + 1.0))
            total += w[i] * math.exp((sn * hk - hs) / (1.0 - sn * sn))
    return total * asr / (4.0 * math.pi) + norm_cdf(-h) * norm_cdf(-k)


@jit
def _bvn_upper_strong(h: float, k: float, r: float) -> float:
    """P(X > h, Y > k) for |ρ| >= 0.925 (Genz's expansion around ρ = ±1)."""
    if r < 0.0:
        k = -k
    hk = h * k
    bvn = 0.0
    if abs(r) < 1.0:
        a_s = (1.0 - r) * (1.0 + r)
        a = math.sqrt(a_s)
        b_s = (h - k) ** 2
        c = (4.0 - hk) / 8.0
        d = (12.0 - hk) / 16.0
        bvn = (
            a
            * math.exp(-(b_s / a_s + hk) / 2.0)
            * (1.0 - c * (b_s - a_s) * (1.0 - d * b_s / 5.0) / 3.0 + c * d * a_s * a_s / 5.0)
        )
        if hk > -160.0:
            b = math.sqrt(b_s)
            bvn -= (
                math.exp(-hk / 2.0) * SQRT_2PI * norm_cdf(-b / a) * b
                * (1.0 - c * b_s * (1.0 - d * b_s / 5.0) / 3.0)
            )  # fmt: skip
        a = a / 2.0
        for i in range(_X20.size):
            for sign in (-1.0, 1.0):
                xs = (a * (sign * _X20[i] + 1.0)) ** 2
                rs = math.sqrt(1.0 - xs)
                bvn += (
                    a
                    * _W20[i]
                    * (
                        math.exp(-b_s / (2.0 * xs) - hk / (1.0 + rs)) / rs
                        - math.exp(-(b_s / xs + hk) / 2.0) * (1.0 + c * xs * (1.0 + d * xs))
                    )
                )
        bvn = -bvn / (2.0 * math.pi)
    if r > 0.0:
        return bvn + norm_cdf(-max(h, k))
    return -bvn + max(0.0, norm_cdf(-h) - norm_cdf(-k))


@jit
def bivariate_cdf(a: float, b: float, rho: float) -> float:
    """M(a, b; ρ) = P(X <= a, Y <= b) for standard normals with correlation ρ (Genz 2004, ~1e-15)."""
    h = -a
    k = -b
    r = abs(rho)
    if r < 0.3:
        return _bvn_upper_moderate(h, k, rho, _X6, _W6)
    if r < 0.75:
        return _bvn_upper_moderate(h, k, rho, _X12, _W12)
    if r < 0.925:
        return _bvn_upper_moderate(h, k, rho, _X20, _W20)
    return _bvn_upper_strong(h, k, rho)


def bvn_table(rho: float) -> tuple[Vec, Vec, Vec, float]:
    """Precomputed Gauss-Legendre terms of `bivariate_cdf` for one fixed |ρ| < 0.925:
    (sin values, 1/(1 - sin²), weights, asin(ρ)/(4π)), so `bivariate_cdf_fixed` needs no sin."""
    if not abs(rho) < 0.925:
        raise ValueError(f"fixed-ρ tables need |ρ| < 0.925, got {rho}")
    x, w = (_X6, _W6) if abs(rho) < 0.3 else (_X12, _W12) if abs(rho) < 0.75 else (_X20, _W20)
    asr = math.asin(rho)
    sn = np.concatenate([np.sin(0.5 * asr * (1.0 - x)), np.sin(0.5 * asr * (1.0 + x))])
    return sn, 1.0 / (1.0 - sn * sn), np.concatenate([w, w]), asr / (4.0 * math.pi)


@jit
def bivariate_cdf_fixed(a: float, b: float, sn: Vec, inv: Vec, w: Vec, scale: float) -> float:
    """M(a, b; ρ) for the ρ a `bvn_table` was built for (same algorithm, sines precomputed)."""
    hk = a * b
    hs = 0.5 * (a * a + b * b)
    total = 0.0
    for i in range(sn.size):
        total += w[i] * math.exp((sn[i] * hk - hs) * inv[i])
    return total * scale + norm_cdf(a) * norm_cdf(b)
