"""Chain-quality defects of the PRD, injected on purpose so the resolver's defences get tested.

The five defects (PRD "Chain Data Quality Handling"): stale Greeks, wide spreads on illiquid
strikes, partial chains / missing Greeks, an IV model that disagrees with the prices, and pacing
limits (raised by the venue, see `dorado_tui.venues.simulation`). Whether a chain is hit is
decided from (seed, underlying, expiry, minute): the same request at the same simulated minute
is hit the same way, and a retry a minute later draws again. Each hit is named in the chain's
`notes` ("defect:stale_greeks", …) for tests and diagnostics; strategy code must not read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dorado_tui.market.config import DefectRates
from dorado_tui.market.seeds import Tag, hash_uniform

STALE_LAG_MINUTES = (10, 60)
STALE_SPOT_MOVE = (0.006, 0.015)  # the stale snapshot's spot differs by 0.6 %–1.5 %
WIDE_FACTOR = (3.0, 8.0)
WIDE_QUALITY = (0.2, 0.6)  # (ask − bid) / mid of a blown-out quote
MISSING_GREEKS_SHARE = (0.15, 0.4)
DROPPED_SHARE = (0.05, 0.15)
IV_OFFSET = (0.02, 0.05)

#: Recompute (iv, delta, gamma, theta, vega) for a spot factor and an IV offset.
Regreek = Callable[[float, float], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


@dataclass
class ChainArrays:
    """A chain for one expiry as arrays; NaN marks a value the venue did not send."""

    strikes: np.ndarray
    is_call: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    iv: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    theta: np.ndarray
    vega: np.ndarray
    open_interest: np.ndarray
    volume: np.ndarray
    moneyness_sd: np.ndarray  # |ln(K/F)| / (σ√T): how far out of the money
    keep: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    greeks_lag_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.keep.size == 0:
            self.keep = np.ones(len(self.strikes), dtype=bool)


def _between(u: float | np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    return np.asarray(bounds[0] + (bounds[1] - bounds[0]) * np.asarray(u))


def inject(chain: ChainArrays, rates: DefectRates, seed: int, key: tuple[int, int, int],
           regreek: Regreek) -> ChainArrays:
    """Apply the configured defects in place; `key` is (underlying, expiry, minute)."""
    u = hash_uniform(seed, Tag.DEFECT, *key, np.arange(8))
    strike_key = np.round(chain.strikes * 1000).astype(np.int64) * 2 + chain.is_call.astype(np.int64)
    per_contract = hash_uniform(seed, Tag.DEFECT, *key, strike_key, 99)
    if u[0] < rates.stale_greeks:
        sign = 1.0 if u[1] < 0.5 else -1.0
        factor = 1.0 + sign * float(_between(u[2], STALE_SPOT_MOVE))
        chain.iv, chain.delta, chain.gamma, chain.theta, chain.vega = regreek(factor, 0.0)
        chain.greeks_lag_s = 60.0 * float(np.round(_between(u[3], STALE_LAG_MINUTES)))
        chain.notes.append("defect:stale_greeks")
    if u[4] < rates.iv_mismatch:
        offset = float(_between(u[5], IV_OFFSET)) * (1.0 if u[1] >= 0.5 else -1.0)
        chain.iv, chain.delta, chain.gamma, chain.theta, chain.vega = regreek(1.0, offset)
        chain.notes.append("defect:iv_mismatch")
    if rates.wide_spreads > 0:
        _widen(chain, per_contract, rates.wide_spreads)
    if u[6] < rates.partial_chain:
        _partial(chain, per_contract, float(u[7]))
    return chain


def _widen(chain: ChainArrays, u: np.ndarray, rate: float) -> None:
    illiquid = (chain.moneyness_sd > 1.0) | (chain.open_interest < np.median(chain.open_interest))
    hit = illiquid & (u < rate)
    if not hit.any():
        return
    mid = 0.5 * (chain.bid + chain.ask)
    v = u * 7.0 % 1.0
    # at least the PRD's 15 % spread-quality flag, so the defence has something to flag
    half = np.maximum(0.5 * (chain.ask - chain.bid) * _between(v, WIDE_FACTOR), 0.5 * mid * _between(v, WIDE_QUALITY))
    chain.bid = np.where(hit, np.maximum(np.floor((mid - half) * 100) / 100, 0.0), chain.bid)
    chain.ask = np.where(hit, np.ceil((mid + half) * 100) / 100, chain.ask)
    chain.notes.append(f"defect:wide_spreads:{int(hit.sum())}")


def _partial(chain: ChainArrays, u: np.ndarray, share_u: float) -> None:
    missing_share = float(_between(share_u, MISSING_GREEKS_SHARE))
    dropped_share = float(_between(share_u, DROPPED_SHARE))
    v = u * 13.0 % 1.0
    missing = v < missing_share
    for name in ("iv", "delta", "gamma", "theta", "vega"):
        setattr(chain, name, np.where(missing, np.nan, getattr(chain, name)))
    dropped = (v >= missing_share) & (v < missing_share + dropped_share)
    chain.keep = chain.keep & ~dropped
    no_quote = (v >= missing_share + dropped_share) & (v < missing_share + dropped_share + 0.03)
    chain.bid = np.where(no_quote, 0.0, chain.bid)
    chain.ask = np.where(no_quote, 0.0, chain.ask)
    chain.notes.append(f"defect:partial_chain:missing_greeks={int(missing.sum())},dropped={int(dropped.sum())}")
