"""Option prices and Greeks: Black-Scholes-Merton, Black-76, Garman-Kohlhagen, American (BS2002).

Units, everywhere in this module:
- ``t`` in years (ACT/365 calendar time is the caller's convention; any consistent year works),
  rates, yields and ``vol`` as decimals per year, all continuously compounded;
- ``theta`` per CALENDAR day: -∂V/∂t / 365 with t the time to expiry, i.e. the value change
  as one calendar day passes (negative for a long option's decay),
  ``vega`` per vol point (∂V/∂σ × 0.01), ``rho`` per 1 % of rate (∂V/∂r × 0.01),
  ``delta`` and ``gamma`` per unit of the underlying (spot, or the forward for Black-76).
Every function broadcasts its arguments like numpy (scalars fine) and returns float64 arrays of
the broadcast shape. At expiry (t = 0) an option is worth its intrinsic value; with vol = 0 its
discounted forward intrinsic. Invalid inputs (spot/strike <= 0, t/vol < 0, non-finite) raise
ValueError naming the count and the first offender; nothing is priced half-way.

Why hand-written kernels: py_vollib_vectorized (the library a user would otherwise pick) is
quoted at ~2.6 s for 10^6 prices and Greeks, computes Greeks by finite differences, and does not
even compile under the locked numba 0.61; a NumPy/SciPy closed form takes ~100-270 ms here and
a dozen full-size temporaries. These kernels are branch-free and SIMD-vectorized (own normal
CDF in `_special.py`, own exp/log in `_vmath.py`): ~15 ns of CPU per option for the price and
five analytic Greeks, run in chunks on the cores (benchmarks/bench_quant.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dorado_tui.quant import _american, _black
from dorado_tui.quant._arrays import Flat, FloatArray, first_bad_index, flatten, kernel_inputs
from dorado_tui.quant._threads import run_chunked

Args = tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike, ArrayLike, ArrayLike]
_RULE = "spot and strike must be > 0, t and vol >= 0, every input finite"


@dataclass(frozen=True)
class Greeks:
    """Price and first-order Greeks, each an array of the broadcast input shape (units above)."""

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    theta: FloatArray
    vega: FloatArray
    rho: FloatArray


def _raise_invalid(name: str, bad: int, flat: Flat, values: FloatArray) -> None:
    mask = np.isnan(values.reshape(-1))
    index = first_bad_index(mask, flat.shape)
    row = int(np.flatnonzero(mask)[0])
    labels = ("spot", "strike", "t", "rate", "carry", "vol")
    shown = ", ".join(
        f"{label}={float(arr[row if arr.size > 1 else 0])!r}"
        for label, arr in zip(labels, flat.floats, strict=True)
    )
    raise ValueError(
        f"{name}: {bad} of {flat.size} inputs invalid ({_RULE}); first at index {index}: {shown}"
    )


def _prices(name: str, args: Args, is_call: ArrayLike) -> FloatArray:
    flat = flatten(args, is_call)
    out = np.empty(flat.size)
    bad = sum(run_chunked(_black.price_serial, flat.size, (*kernel_inputs(flat), out)))
    if bad:
        _raise_invalid(name, bad, flat, out)
    return out.reshape(flat.shape)


def _american_rows(name: str, args: Args, is_call: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """(American, European) prices. The European price comes from the same vectorized kernel
    as `bsm_price`, so American >= European holds bit for bit and the premium is exactly 0
    where early exercise never pays."""
    flat = flatten(args, is_call)
    bs2002 = np.empty(flat.size)
    bad = sum(run_chunked(_american.american_serial, flat.size, (*_full(flat), bs2002)))
    if bad:
        _raise_invalid(name, bad, flat, np.where(_valid_mask(flat), 0.0, np.nan))
    european = _prices(name, args, is_call).reshape(-1)
    s, k = (np.broadcast_to(a, (flat.size,)) for a in flat.floats[:2])
    intrinsic = np.maximum(np.where(np.broadcast_to(flat.flags, (flat.size,)), s - k, k - s), 0.0)
    floor = np.maximum(european, intrinsic)
    american = np.where(np.isnan(bs2002), floor, np.maximum(bs2002, floor))
    return american.reshape(flat.shape), european.reshape(flat.shape)


def _full(flat: Flat) -> tuple[FloatArray, ...]:
    """Inputs as full-length arrays (the American kernel indexes every input)."""
    arrays = (*flat.floats, flat.flags)
    return tuple(np.ascontiguousarray(np.broadcast_to(a, (flat.size,))) for a in arrays)


def _valid_mask(flat: Flat) -> NDArray[np.bool_]:
    s, k, t, r, q, v = (np.broadcast_to(a, (flat.size,)) for a in flat.floats)
    finite = (
        np.isfinite(s)
        & np.isfinite(k)
        & np.isfinite(t)
        & np.isfinite(v)
        & np.isfinite(r)
        & np.isfinite(q)
    )
    return np.asarray(finite & (s > 0) & (k > 0) & (t >= 0) & (v >= 0), dtype=np.bool_)


def _greeks(name: str, args: Args, is_call: ArrayLike, rho_mode: int) -> Greeks:
    flat = flatten(args, is_call)
    out = np.empty((6, flat.size))
    inputs = kernel_inputs(flat)
    bad = sum(run_chunked(_black.greeks_serial, flat.size, (*inputs, rho_mode, *out)))
    if bad:
        _raise_invalid(name, bad, flat, out[0])
    rows = [out[j].reshape(flat.shape) for j in range(6)]
    return Greeks(*rows)


def bsm_price(
    spot: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike, div: ArrayLike,
    vol: ArrayLike, is_call: ArrayLike,
) -> FloatArray:  # fmt: skip
    """European Black-Scholes-Merton price with continuous dividend yield `div`."""
    return _prices("bsm_price", (spot, strike, t, rate, div, vol), is_call)


def bsm_greeks(
    spot: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike, div: ArrayLike,
    vol: ArrayLike, is_call: ArrayLike,
) -> Greeks:  # fmt: skip
    """BSM price and analytic Greeks; rho is ∂V/∂r with the dividend yield held fixed."""
    return _greeks("bsm_greeks", (spot, strike, t, rate, div, vol), is_call, _black.RHO_SPOT)


def black76_price(
    forward: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike, vol: ArrayLike,
    is_call: ArrayLike,
) -> FloatArray:  # fmt: skip
    """Black-76 price of a European option on a forward or future (discounted at `rate`)."""
    return _prices("black76_price", (forward, strike, t, rate, rate, vol), is_call)


def black76_greeks(
    forward: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike, vol: ArrayLike,
    is_call: ArrayLike,
) -> Greeks:  # fmt: skip
    """Black-76 price and Greeks: delta/gamma per unit of forward, rho = ∂V/∂r at fixed forward."""
    args = (forward, strike, t, rate, rate, vol)
    return _greeks("black76_greeks", args, is_call, _black.RHO_FORWARD)


def gk_price(
    spot: ArrayLike, strike: ArrayLike, t: ArrayLike, r_domestic: ArrayLike,
    r_foreign: ArrayLike, vol: ArrayLike, is_call: ArrayLike,
) -> FloatArray:  # fmt: skip
    """Garman-Kohlhagen FX option price in domestic currency per unit of foreign notional."""
    args = (spot, strike, t, r_domestic, r_foreign, vol)
    return _prices("gk_price", args, is_call)


def gk_greeks(
    spot: ArrayLike, strike: ArrayLike, t: ArrayLike, r_domestic: ArrayLike,
    r_foreign: ArrayLike, vol: ArrayLike, is_call: ArrayLike,
) -> Greeks:  # fmt: skip
    """Garman-Kohlhagen price and Greeks; rho is the domestic rho (foreign rate held fixed)."""
    args = (spot, strike, t, r_domestic, r_foreign, vol)
    return _greeks("gk_greeks", args, is_call, _black.RHO_SPOT)


def american_price(
    spot: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike, div: ArrayLike,
    vol: ArrayLike, is_call: ArrayLike,
) -> FloatArray:  # fmt: skip
    """American price by Bjerksund-Stensland (2002), never below European or intrinsic.

    `div` is the continuous carry yield: the dividend yield for stocks/ETFs, the foreign rate
    for FX, and `rate` itself for options on futures.
    """
    return _american_rows("american_price", (spot, strike, t, rate, div, vol), is_call)[0]


def early_exercise_premium(
    spot: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike, div: ArrayLike,
    vol: ArrayLike, is_call: ArrayLike,
) -> FloatArray:  # fmt: skip
    """American minus European price (>= 0): what the right to exercise early is worth."""
    american, european = _american_rows(
        "early_exercise_premium", (spot, strike, t, rate, div, vol), is_call
    )
    premium: FloatArray = american - european
    return premium
