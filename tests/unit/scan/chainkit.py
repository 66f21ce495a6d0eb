"""Synthetic option chains priced with textbook Black-Scholes-Merton (independent of the simulator)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from dorado_tui.domain.instruments import (
    ExerciseStyle,
    OptionChain,
    OptionContract,
    Right,
    option_instrument,
)
from dorado_tui.quant.pricing import bsm_greeks

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


def smile(k: np.ndarray, spot: float, atm: float = 0.20, skew: float = -0.10) -> np.ndarray:
    """A downward-sloping smile in log-moneyness."""
    return np.maximum(atm + skew * np.log(k / spot), 0.05)


def bsm_chain(spot: float = 100.0, expiry: date = date(2026, 4, 17), step: float = 1.0, width: float = 0.25,
              rate: float = 0.04, div: float = 0.01, atm: float = 0.20, skew: float = -0.10,
              half_spread: float = 0.02, now: datetime = NOW, expiry_close: datetime | None = None,
              exercise: ExerciseStyle = ExerciseStyle.EUROPEAN, oi: int = 5000,
              underlying: str = "XYZ") -> OptionChain:
    """Every strike within ±width of spot on a `step` grid, both rights, quotes at mid ± half_spread."""
    close = expiry_close or datetime(expiry.year, expiry.month, expiry.day, 21, 0, tzinfo=UTC)
    t = (close - now).total_seconds() / (365.0 * 86400.0)
    ks = np.arange(math.ceil(spot * (1 - width) / step), math.floor(spot * (1 + width) / step) + 1) * step
    strikes = np.concatenate([ks, ks])
    calls = np.concatenate([np.zeros(ks.size, bool), np.ones(ks.size, bool)])
    vol = smile(strikes, spot, atm, skew)
    g = bsm_greeks(spot, strikes, t, rate, div, vol, calls)
    out = []
    for i in range(strikes.size):
        price = float(g.price[i])
        bid = max(math.floor((price - half_spread) * 100 + 1e-9) / 100, 0.0)
        ask = math.ceil((price + half_spread) * 100 - 1e-9) / 100
        inst = option_instrument(underlying, expiry, Right.CALL if calls[i] else Right.PUT, float(strikes[i]), exercise)
        out.append(OptionContract(inst, bid, ask, float(g.delta[i]), float(g.gamma[i]), float(g.theta[i]),
                                  float(g.vega[i]), float(vol[i]), oi, 100, now, now, spot))
    return OptionChain(underlying, spot, (expiry,), tuple(out), now, source="synthetic")


def with_contracts(chain: OptionChain, fn) -> OptionChain:  # type: ignore[no-untyped-def]
    return replace(chain, contracts=tuple(fn(c) for c in chain.contracts))


def without_greeks(chain: OptionChain, every: int) -> OptionChain:
    """Every `every`-th contract sent without Greeks (a partial chain)."""
    return replace(chain, contracts=tuple(
        replace(c, delta=None, gamma=None, theta=None, vega=None, implied_vol=None, greeks_time=None)
        if i % every == 0 else c for i, c in enumerate(chain.contracts)))


def stale(chain: OptionChain, minutes: int) -> OptionChain:
    return with_contracts(chain, lambda c: replace(c, greeks_time=c.quote_time - timedelta(minutes=minutes)))
