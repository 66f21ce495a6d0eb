"""Implied volatility, vectorized, with a reason code wherever no volatility exists.

``implied_vol(price, spot, strike, t, rate, div, is_call, model="bsm")`` inverts
- ``"bsm"``: Black-Scholes-Merton, ``div`` = continuous dividend yield;
- ``"black76"``: Black-76, ``spot`` is the forward/futures price and ``div`` is ignored;
- ``"gk"``: Garman-Kohlhagen, ``rate`` = domestic and ``div`` = foreign rate;
- ``"american"``: American exercise priced by Bjerksund-Stensland 2002 (`pricing.american_price`),
  ``div`` = carry yield as there; solved by a safeguarded secant (|σ error| <= 1e-8 wherever
  the price is not pinned to intrinsic). Prices inside the exercise region (worth exactly
  intrinsic at every small vol) are NO_TIME_VALUE.
Units as in `dorado_tui.quant.pricing` (t in years, decimals per year). The solver (see
`_iv.py`) reaches |σ error| <= 1e-10 wherever the option's time value is >= 1e-8, from T of
minutes to years and deep in or out of the money. Outside the no-arbitrage bounds the vol is
NaN and `reason` says why:

====================  ====  =========================================================
code                  int   meaning
====================  ====  =========================================================
OK                    0     solved
BELOW_INTRINSIC       1     price below the (forward, discounted) intrinsic value
ABOVE_BOUND           2     price at/above the upper bound (spot·e^{-qt} call, K·e^{-rt} put)
NO_TIME_VALUE         3     price equals intrinsic (to rounding): any vol down to 0 fits
INVALID_INPUT         4     price < 0, spot/strike <= 0, t <= 0, or a non-finite input
NOT_CONVERGED         5     solver did not converge (not observed; reported, never hidden)
====================  ====  =========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dorado_tui.quant import _iv, _iv_american, _iv_fast
from dorado_tui.quant._arrays import FloatArray, flatten, kernel_inputs
from dorado_tui.quant._threads import run_chunked

MODELS = ("bsm", "black76", "gk", "american")


class IVReason(IntEnum):
    """Why an implied vol is (or is not) available; values are stable and persisted."""

    OK = _iv.OK
    BELOW_INTRINSIC = _iv.BELOW_INTRINSIC
    ABOVE_BOUND = _iv.ABOVE_BOUND
    NO_TIME_VALUE = _iv.NO_TIME_VALUE
    INVALID_INPUT = _iv.INVALID_INPUT
    NOT_CONVERGED = _iv.NOT_CONVERGED


@dataclass(frozen=True)
class IVResult:
    """Implied vols (NaN where none exists) and `IVReason` codes (int8), same shape."""

    iv: FloatArray
    reason: NDArray[np.int8]

    @property
    def ok(self) -> NDArray[np.bool_]:
        """Mask of solved entries."""
        solved: NDArray[np.bool_] = self.reason == IVReason.OK
        return solved


def implied_vol(
    price: ArrayLike, spot: ArrayLike, strike: ArrayLike, t: ArrayLike, rate: ArrayLike,
    div: ArrayLike, is_call: ArrayLike, model: str = "bsm",
) -> IVResult:  # fmt: skip
    """Implied volatility of European option prices (see the module docstring for units/codes).

    Raises ValueError for an unknown model or shapes that do not broadcast; bad values do not
    raise, they come back as NaN with a reason so one bad quote does not lose a whole chain.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    carry = rate if model == "black76" else div
    flat = flatten((price, spot, strike, t, rate, carry), is_call)
    out = np.empty(flat.size)
    reason = np.empty(flat.size, dtype=np.int8)
    if model == "american":
        _iv_american.american_iv_serial(*flat.floats, flat.flags, out, reason)
    else:
        run_chunked(_iv_fast.iv_fast_serial, flat.size, (*kernel_inputs(flat), out, reason))
    return IVResult(out.reshape(flat.shape), reason.reshape(flat.shape))
