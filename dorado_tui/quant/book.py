"""A book of option and linear positions as parallel arrays, with full-repricing valuation.

One row per position. Options carry strike, time to expiry (years), implied vol, rate and
carry yield; linear positions (stock, ETF, future, FX spot) have `is_option` False and are worth
quantity × spot. `quantity` is signed and already includes the contract multiplier (shares or
units of the underlying per position), so every value and Greek here is in account currency.
`american` rows are priced with Bjerksund-Stensland 2002, the rest with Black-Scholes-Merton
(a Black-76 position is BSM with div = rate on the forward).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dorado_tui.quant._arrays import BoolArray, FloatArray
from dorado_tui.quant.pricing import american_price, bsm_price


@dataclass(frozen=True)
class OptionBook:
    """Positions (see module docstring); build with `OptionBook.create`."""

    underlying: NDArray[np.str_]
    spot: FloatArray
    quantity: FloatArray
    is_option: BoolArray
    strike: FloatArray
    t: FloatArray
    vol: FloatArray
    rate: FloatArray
    div: FloatArray
    is_call: BoolArray
    american: BoolArray
    size: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", int(self.spot.size))

    @staticmethod
    def create(
        underlying: ArrayLike, spot: ArrayLike, quantity: ArrayLike, *, is_option: ArrayLike = True,
        strike: ArrayLike = np.nan, t: ArrayLike = 0.0, vol: ArrayLike = 0.0, rate: ArrayLike = 0.0,
        div: ArrayLike = 0.0, is_call: ArrayLike = True, american: ArrayLike = False,
    ) -> OptionBook:  # fmt: skip
        """Broadcast every field to one length; raises ValueError naming a bad option row."""
        names = np.asarray(underlying, dtype=np.str_).ravel()
        n = names.size

        def f(a: ArrayLike) -> FloatArray:
            return np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=np.float64), (n,)))

        def b(a: ArrayLike) -> BoolArray:
            return np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=np.bool_), (n,)))

        book = OptionBook(names, f(spot), f(quantity), b(is_option), f(strike), f(t), f(vol),
                          f(rate), f(div), b(is_call), b(american))  # fmt: skip
        book.validate()
        return book

    def validate(self) -> None:
        """Every option row needs spot, strike > 0, t, vol >= 0 and finite rates."""
        opt = self.is_option
        ok = np.isfinite(self.spot) & (self.spot > 0) & np.isfinite(self.quantity)
        ok &= ~opt | ((self.strike > 0) & (self.t >= 0) & (self.vol >= 0))
        ok &= ~opt | (
            np.isfinite(self.rate)
            & np.isfinite(self.div)
            & np.isfinite(self.t)
            & np.isfinite(self.vol)
        )
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise ValueError(
                f"position {i} ({self.underlying[i]}) is invalid: spot={self.spot[i]}, strike={self.strike[i]}, "
                f"t={self.t[i]}, vol={self.vol[i]}, quantity={self.quantity[i]}"
            )

    def unit_values(self, spot: FloatArray, t: FloatArray, vol: FloatArray) -> FloatArray:
        """Per-unit value of every position under the given (broadcastable, trailing axis =
        positions) spot, time and vol; linear positions are worth their spot."""
        shape = np.broadcast_shapes(spot.shape, t.shape, vol.shape, (self.size,))
        out = np.broadcast_to(spot, shape).copy()
        opt = self.is_option
        euro = opt & ~self.american
        amer = opt & self.american
        for mask, pricer in ((euro, bsm_price), (amer, american_price)):
            if mask.any():
                s, tt, v = (np.broadcast_to(a, shape)[..., mask] for a in (spot, t, vol))
                out[..., mask] = pricer(
                    s, self.strike[mask], np.maximum(tt, 0.0), self.rate[mask], self.div[mask],
                    np.maximum(v, 0.0), self.is_call[mask],
                )  # fmt: skip
        return out

    def value(self) -> float:
        """Mark-to-model value of the whole book."""
        return float(np.sum(self.quantity * self.unit_values(self.spot, self.t, self.vol)))
