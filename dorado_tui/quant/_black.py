"""Numba kernels of the generalized Black-Scholes family (BSM, Black-76, Garman-Kohlhagen).

All three are one formula with a carry yield q: BSM q = dividend yield, Garman-Kohlhagen q =
foreign rate, Black-76 q = r on the forward. ``rho_mode`` says what rho holds fixed: the
underlying spot and q (BSM, GK: ∂V/∂r) or the forward (Black-76: ∂V/∂r = -t·V).
Invalid rows (spot or strike <= 0, t or vol < 0, anything non-finite) give NaN and are counted
so the caller can raise one clear error.
"""

from __future__ import annotations

import math

from dorado_tui.quant._arrays import Arg, Vec
from dorado_tui.quant._jit import inline_jit, kernel
from dorado_tui.quant._special import INV_SQRT_2PI, norm_cdf_with_pdf
from dorado_tui.quant._vmath import at, vexp, vlog

RHO_SPOT = 0
RHO_FORWARD = 1
DAYS_PER_YEAR = 365.0
NAN6 = (math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)


@inline_jit
def valid(s: float, k: float, t: float, r: float, q: float, v: float) -> bool:
    """True when the inputs describe a priceable option (NaN fails every comparison)."""
    positive = (s > 0.0) & (k > 0.0) & (t >= 0.0) & (v >= 0.0)
    finite = math.isfinite(s) & math.isfinite(k) & math.isfinite(t) & math.isfinite(v)
    return positive & finite & math.isfinite(r) & math.isfinite(q)


@inline_jit
def black_price(s: float, k: float, t: float, r: float, q: float, v: float, call: bool) -> float:
    """Black-Scholes price of one option with carry yield q (inputs already validated);
    branch-free so the calling loop vectorizes. No diffusion left (t or vol 0): the
    discounted forward intrinsic."""
    w = 1.0 if call else -1.0
    sd = v * math.sqrt(t)
    live = sd > 0.0
    sd1 = sd if live else 1.0
    sdq = s * vexp(-q * t)
    kdr = k * vexp(-r * t)
    d1 = (vlog(s / k) + (r - q) * t) / sd1 + 0.5 * sd1
    d2 = d1 - sd1
    n1 = norm_cdf_with_pdf(w * d1, INV_SQRT_2PI * vexp(-0.5 * d1 * d1))
    n2 = norm_cdf_with_pdf(w * d2, INV_SQRT_2PI * vexp(-0.5 * d2 * d2))
    diffusive = w * (sdq * n1 - kdr * n2)
    # max(., 0): rounding must not make a price negative
    return max(diffusive if live else w * (sdq - kdr), 0.0)


@inline_jit
def black_greeks(
    s: float, k: float, t: float, r: float, q: float, v: float, call: bool, rho_mode: int
) -> tuple[float, float, float, float, float, float]:
    """Price, delta, gamma, theta (per calendar day), vega (per vol point), rho (per 1 %);
    branch-free (selects) so the calling loop vectorizes. With no diffusion left (t or vol 0)
    the option is its discounted forward intrinsic: gamma 0, theta the carry of an in-the-money
    option (0 at expiry), vega φ(0)·S·e^{-qt}·√t only exactly at the money."""
    w = 1.0 if call else -1.0
    sqrt_t = math.sqrt(t)
    sd = v * sqrt_t
    live = sd > 0.0
    sd1 = sd if live else 1.0
    t1 = t if t > 0.0 else 1.0
    dq = vexp(-q * t)
    dr = vexp(-r * t)
    sdq = s * dq
    kdr = k * dr
    d1 = (vlog(s / k) + (r - q) * t) / sd1 + 0.5 * sd1
    d2 = d1 - sd1
    pdf1 = INV_SQRT_2PI * vexp(-0.5 * d1 * d1)
    n1 = norm_cdf_with_pdf(w * d1, pdf1)
    n2 = norm_cdf_with_pdf(w * d2, INV_SQRT_2PI * vexp(-0.5 * d2 * d2))
    spot_rho = rho_mode == RHO_SPOT
    fwd = w * (sdq - kdr)  # discounted forward moneyness: the no-diffusion value if > 0
    itm = fwd > 0.0
    atm = fwd == 0.0
    if live:
        price = max(w * (sdq * n1 - kdr * n2), 0.0)
        delta = w * dq * n1
        gamma = dq * pdf1 / (s * sd1)
        vega = sdq * pdf1 * sqrt_t
        theta = -0.5 * vega * v / t1 + w * (q * sdq * n1 - r * kdr * n2)
        rho = w * kdr * t * n2 if spot_rho else -t * price
    else:
        price = max(fwd, 0.0)
        delta = w * dq if itm else (0.5 * w * dq if atm else 0.0)
        gamma = 0.0
        vega = sdq * INV_SQRT_2PI * sqrt_t if atm else 0.0
        theta = w * (q * sdq - r * kdr) if itm and t > 0.0 else 0.0
        rho = (w * kdr * t if spot_rho else -t * price) if itm else 0.0
    return price, delta, gamma, theta / DAYS_PER_YEAR, vega * 0.01, rho * 0.01


@kernel
def price_serial(s: Arg, k: Arg, t: Arg, r: Arg, q: Arg, v: Arg, call: Arg, out: Vec) -> int:
    """Fill `out` with prices; returns the number of invalid rows. Every input is an array of
    len(out) or a scalar (see `_vmath.at`)."""
    bad = 0
    for i in range(out.size):
        a, b, c, d, e, f = at(s, i), at(k, i), at(t, i), at(r, i), at(q, i), at(v, i)
        ok = valid(a, b, c, d, e, f)
        out[i] = black_price(a, b, c, d, e, f, at(call, i)) if ok else math.nan
        bad += not ok
    return bad


@kernel
def greeks_serial(
    s: Arg, k: Arg, t: Arg, r: Arg, q: Arg, v: Arg, call: Arg, rho_mode: int,
    price: Vec, delta: Vec, gamma: Vec, theta: Vec, vega: Vec, rho: Vec,
) -> int:  # fmt: skip
    """Fill the six output arrays with price and Greeks; returns the number of invalid rows."""
    bad = 0
    for i in range(price.size):
        a, b, c, d, e, f = at(s, i), at(k, i), at(t, i), at(r, i), at(q, i), at(v, i)
        ok = valid(a, b, c, d, e, f)
        g = black_greeks(a, b, c, d, e, f, at(call, i), rho_mode) if ok else NAN6
        price[i], delta[i], gamma[i], theta[i], vega[i], rho[i] = g
        bad += not ok
    return bad
