"""Numba kernels of the generalized Black-Scholes family (BSM, Black-76, Garman-Kohlhagen).

All three are one formula with a carry yield q: BSM q = dividend yield, Garman-Kohlhagen q =
foreign rate, Black-76 q = r on the forward. ``rho_mode`` says what rho holds fixed: the
underlying spot and q (BSM, GK: ∂V/∂r) or the forward (Black-76: ∂V/∂r = -t·V).
Invalid rows (spot or strike <= 0, t or vol < 0, anything non-finite) give NaN and are counted
so the caller can raise one clear error.
"""

from __future__ import annotations

import math

from dorado_tui.quant._arrays import Vec
from dorado_tui.quant._jit import jit, kernel, parallel_kernel, prange
from dorado_tui.quant._special import INV_SQRT_2PI, norm_cdf_with_pdf

RHO_SPOT = 0
RHO_FORWARD = 1
DAYS_PER_YEAR = 365.0
NAN6 = (math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)


@jit
def valid(s: float, k: float, t: float, r: float, q: float, v: float) -> bool:
    """True when the inputs describe a priceable option (NaN fails every comparison)."""
    return (
        s > 0.0 and k > 0.0 and t >= 0.0 and v >= 0.0 and math.isfinite(s) and math.isfinite(k)
        and math.isfinite(t) and math.isfinite(v) and math.isfinite(r) and math.isfinite(q)
    )  # fmt: skip


@jit
def pdf_d2(d2: float, pdf1: float, sdq: float, kdr: float) -> float:
    """φ(d2) from φ(d1) by the identity K·e^(-rt)·φ(d2) = S·e^(-qt)·φ(d1), saving an exp;
    computed directly when φ(d1) underflowed (|d1| > 38) and the identity would lose it."""
    if pdf1 > 1e-300:
        return pdf1 * sdq / kdr
    return INV_SQRT_2PI * math.exp(-0.5 * d2 * d2)


@jit
def black_price(s: float, k: float, t: float, r: float, q: float, v: float, call: bool) -> float:
    """Undiscounted-carry Black-Scholes price of one option (inputs already validated)."""
    w = 1.0 if call else -1.0
    dq = math.exp(-q * t)
    dr = math.exp(-r * t)
    sd = v * math.sqrt(t)
    if sd <= 0.0:
        return max(w * (s * dq - k * dr), 0.0)
    d1 = (math.log(s / k) + (r - q) * t) / sd + 0.5 * sd
    d2 = d1 - sd
    pdf1 = INV_SQRT_2PI * math.exp(-0.5 * d1 * d1)
    sdq = s * dq
    kdr = k * dr
    n1 = norm_cdf_with_pdf(w * d1, pdf1)
    n2 = norm_cdf_with_pdf(w * d2, pdf_d2(d2, pdf1, sdq, kdr))
    return max(w * (sdq * n1 - kdr * n2), 0.0)  # rounding must not make a price negative


@jit
def _degenerate_greeks(
    s: float, k: float, t: float, r: float, q: float, v: float, call: bool, rho_mode: int
) -> tuple[float, float, float, float, float, float]:
    """No diffusion left (t == 0 or vol == 0): the option is its discounted forward intrinsic."""
    w = 1.0 if call else -1.0
    dq = math.exp(-q * t)
    dr = math.exp(-r * t)
    moneyness = w * (s * dq - k * dr)
    if t == 0.0:
        price = max(w * (s - k), 0.0)
        delta = w * (1.0 if price > 0.0 else (0.5 if s == k else 0.0))
        return price, delta, 0.0, 0.0, 0.0, 0.0
    if moneyness > 0.0:
        theta = w * (q * s * dq - r * k * dr) / DAYS_PER_YEAR
        rho = (w * k * t * dr if rho_mode == RHO_SPOT else -t * moneyness) * 0.01
        return moneyness, w * dq, 0.0, theta, 0.0, rho
    vega = s * dq * INV_SQRT_2PI * math.sqrt(t) * 0.01 if moneyness == 0.0 else 0.0
    return 0.0, (0.5 * w * dq if moneyness == 0.0 else 0.0), 0.0, 0.0, vega, 0.0


@jit
def black_greeks(
    s: float, k: float, t: float, r: float, q: float, v: float, call: bool, rho_mode: int
) -> tuple[float, float, float, float, float, float]:
    """Price, delta, gamma, theta (per calendar day), vega (per vol point), rho (per 1 %)."""
    sqrt_t = math.sqrt(t)
    sd = v * sqrt_t
    if sd <= 0.0:
        return _degenerate_greeks(s, k, t, r, q, v, call, rho_mode)
    w = 1.0 if call else -1.0
    dq = math.exp(-q * t)
    dr = math.exp(-r * t)
    d1 = (math.log(s / k) + (r - q) * t) / sd + 0.5 * sd
    d2 = d1 - sd
    pdf1 = INV_SQRT_2PI * math.exp(-0.5 * d1 * d1)
    sdq = s * dq
    kdr = k * dr
    n1 = norm_cdf_with_pdf(w * d1, pdf1)
    n2 = norm_cdf_with_pdf(w * d2, pdf_d2(d2, pdf1, sdq, kdr))
    price = max(w * (sdq * n1 - kdr * n2), 0.0)
    delta = w * dq * n1
    gamma = dq * pdf1 / (s * sd)
    vega_unit = sdq * pdf1 * sqrt_t
    theta = -0.5 * vega_unit * v / t + w * (q * sdq * n1 - r * kdr * n2)
    rho = w * kdr * t * n2 if rho_mode == RHO_SPOT else -t * price
    return price, delta, gamma, theta / DAYS_PER_YEAR, vega_unit * 0.01, rho * 0.01


@kernel
def price_serial(
    s: Vec, k: Vec, t: Vec, r: Vec, q: Vec,
    v: Vec, call: Vec, out: Vec,
) -> int:  # fmt: skip
    """Fill `out` with prices; returns the number of invalid rows."""
    ss, sk, st, sr, sq, sv, sc = (
        s.size > 1, k.size > 1, t.size > 1, r.size > 1, q.size > 1, v.size > 1, call.size > 1
    )  # fmt: skip
    bad = 0
    for i in range(out.size):
        a, b, c, d, e, f = s[i * ss], k[i * sk], t[i * st], r[i * sr], q[i * sq], v[i * sv]
        if valid(a, b, c, d, e, f):
            out[i] = black_price(a, b, c, d, e, f, call[i * sc])
        else:
            out[i] = math.nan
            bad += 1
    return bad


@parallel_kernel
def price_parallel(
    s: Vec, k: Vec, t: Vec, r: Vec, q: Vec,
    v: Vec, call: Vec, out: Vec,
) -> int:  # fmt: skip
    """Threaded `price_serial`."""
    ss, sk, st, sr, sq, sv, sc = (
        s.size > 1, k.size > 1, t.size > 1, r.size > 1, q.size > 1, v.size > 1, call.size > 1
    )  # fmt: skip
    bad = 0
    for i in prange(out.size):
        a, b, c, d, e, f = s[i * ss], k[i * sk], t[i * st], r[i * sr], q[i * sq], v[i * sv]
        if valid(a, b, c, d, e, f):
            out[i] = black_price(a, b, c, d, e, f, call[i * sc])
        else:
            out[i] = math.nan
            bad += 1
    return bad


@kernel
def greeks_serial(
    s: Vec, k: Vec, t: Vec, r: Vec, q: Vec,
    v: Vec, call: Vec, rho_mode: int, out: Vec,
) -> int:  # fmt: skip
    """Fill out[0..5, i] with price and Greeks; returns the number of invalid rows."""
    ss, sk, st, sr, sq, sv, sc = (
        s.size > 1, k.size > 1, t.size > 1, r.size > 1, q.size > 1, v.size > 1, call.size > 1
    )  # fmt: skip
    bad = 0
    for i in range(out.shape[1]):
        a, b, c, d, e, f = s[i * ss], k[i * sk], t[i * st], r[i * sr], q[i * sq], v[i * sv]
        if valid(a, b, c, d, e, f):
            g = black_greeks(a, b, c, d, e, f, call[i * sc], rho_mode)
        else:
            g = NAN6
            bad += 1
        out[0, i], out[1, i], out[2, i], out[3, i], out[4, i], out[5, i] = g
    return bad


@parallel_kernel
def greeks_parallel(
    s: Vec, k: Vec, t: Vec, r: Vec, q: Vec,
    v: Vec, call: Vec, rho_mode: int, out: Vec,
) -> int:  # fmt: skip
    """Threaded `greeks_serial`."""
    ss, sk, st, sr, sq, sv, sc = (
        s.size > 1, k.size > 1, t.size > 1, r.size > 1, q.size > 1, v.size > 1, call.size > 1
    )  # fmt: skip
    bad = 0
    for i in prange(out.shape[1]):
        a, b, c, d, e, f = s[i * ss], k[i * sk], t[i * st], r[i * sr], q[i * sq], v[i * sv]
        if valid(a, b, c, d, e, f):
            g = black_greeks(a, b, c, d, e, f, call[i * sc], rho_mode)
        else:
            g = NAN6
            bad += 1
        out[0, i], out[1, i], out[2, i], out[3, i], out[4, i], out[5, i] = g
    return bad
