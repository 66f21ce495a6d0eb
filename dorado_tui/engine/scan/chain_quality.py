"""Chain validation (PRD "Chain Data Quality Handling") and our own IV/Greeks from raw prices.

For one expiry: completeness (share of contracts without Greeks, strikes listed on one side only,
contracts without a quote), spread quality per contract ((ask − bid) / mid: flagged above 15 %,
excluded from strike selection above the scoring exclusion), and an independent IV and Greeks
for every strike computed from mid prices, next to the venue's.

Own IV: the forward F and discount factor D come from put-call parity, C − P = D·(F − K), fitted
by least squares over the near-the-money strikes quoted on both sides (no rate or dividend
input needed); each strike's vol is the Black-76 inversion of its out-of-the-money mid (the
smile is one per strike, so the in-the-money right uses it too). ETF options are American, which
breaks parity (a 3.5 % dividend yield moves TLT's implied forward by 0.7 %): their mids are first
"de-Americanized" — the Bjerksund-Stensland early-exercise premium at the current fit is taken
off and the fit repeated (two rounds converge to ~1e-4 of the forward on the simulated chains).
Spot delta = Black delta × F/S, gamma × (F/S)².
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorado_tui.domain.instruments import ExerciseStyle, OptionChain, OptionContract, Right
from dorado_tui.quant.iv import implied_vol
from dorado_tui.quant.pricing import black76_greeks, early_exercise_premium

Array = NDArray[Any]

YEAR_SECONDS = 365.0 * 86400.0
#: PRD: more than 10 % of the contracts without Greeks → retry with backoff, then alert.
MAX_MISSING_GREEKS = 0.10
#: PRD: spreads wider than 15 % of mid are flagged in the approval payload.
SPREAD_FLAG = 0.15
#: Venue Greeks older than this (behind the quote) are stale.
STALE_GREEKS_SECONDS = 300.0
#: Median |venue IV − our IV| above this (vol points as a fraction) flags a model mismatch.
IV_MISMATCH = 0.01
#: |ln K/F| band of the strikes the parity fit uses: wide for European options (more strikes, a
#: steadier discount factor), narrow for American ones (early-exercise premia grow away from the money)
PARITY_BAND = {True: 0.03, False: 0.08}


@dataclass(frozen=True)
class ParityFit:
    """Forward and discount factor implied by put-call parity (fallback: spot and 1)."""

    forward: float
    discount: float
    pairs: int
    note: str = ""

    def rate(self, t: float) -> float:
        return -math.log(self.discount) / t if t > 0 else 0.0


@dataclass(frozen=True)
class ValidatedChain:
    """One expiry's contracts as arrays, with our IV/Greeks beside the venue's and the verdicts."""

    underlying: str
    expiry: date
    spot: float
    t: float
    fetched_at: datetime
    contracts: tuple[OptionContract, ...]
    strikes: Array
    is_call: Array
    bid: Array
    ask: Array
    venue_delta: Array
    venue_iv: Array
    own_iv: Array
    own_delta: Array
    own_gamma: Array
    own_theta: Array
    own_vega: Array
    open_interest: Array
    spread_quality: Array
    eligible: Array  # usable for strike selection: two-sided quote within the spread limit
    parity: ParityFit
    missing_greeks_share: float
    quality: float
    flags: tuple[str, ...] = field(default=())

    @property
    def mid(self) -> Array:
        return np.asarray(0.5 * (self.bid + self.ask))

    def selection_delta(self) -> Array:
        """The delta strikes are chosen on: the venue's, ours where the venue sent none."""
        return np.asarray(np.where(np.isfinite(self.venue_delta), self.venue_delta, self.own_delta))

    def index(self, right: Right, strike: float) -> int | None:
        hit = np.flatnonzero((self.is_call == (right is Right.CALL)) & np.isclose(self.strikes, strike))
        return int(hit[0]) if hit.size else None

    def vol_at(self, strike: float) -> float:
        """Our smile read at any strike (linear between strikes, flat beyond)."""
        ok = np.isfinite(self.own_iv)
        if not ok.any():
            return math.nan
        ks, vs = self.strikes[ok], self.own_iv[ok]
        order = np.argsort(ks, kind="stable")
        return float(np.interp(strike, ks[order], vs[order]))


def _arrays(contracts: tuple[OptionContract, ...]) -> dict[str, Array]:
    def opt(x: float | None) -> float:
        return math.nan if x is None else float(x)

    return {
        "strikes": np.array([c.strike for c in contracts], dtype=float),
        "is_call": np.array([c.right is Right.CALL for c in contracts], dtype=bool),
        "bid": np.array([c.bid for c in contracts], dtype=float),
        "ask": np.array([c.ask for c in contracts], dtype=float),
        "venue_delta": np.array([opt(c.delta) for c in contracts], dtype=float),
        "venue_iv": np.array([opt(c.implied_vol) for c in contracts], dtype=float),
        "open_interest": np.array([c.open_interest for c in contracts], dtype=float),
    }


def parity_fit(strikes: Array, is_call: Array, mid: Array, quoted: Array,
               spot: float, t: float, band: float = PARITY_BAND[False]) -> ParityFit:
    """Least-squares fit of C − P = D·F − D·K over strikes quoted on both sides near the money."""
    calls = {float(k): m for k, m, c, q in zip(strikes, mid, is_call, quoted, strict=True) if c and q}
    puts = {float(k): m for k, m, c, q in zip(strikes, mid, is_call, quoted, strict=True) if not c and q}
    ks = np.array(sorted(k for k in calls.keys() & puts.keys() if abs(math.log(k / spot)) <= band))
    if ks.size < 3:
        return ParityFit(spot, 1.0, int(ks.size), "too few two-sided strike pairs for put-call parity: "
                         "forward = spot, no discounting")
    y = np.array([calls[k] - puts[k] for k in ks])
    slope = float(np.polyfit(ks, y, 1)[0])
    lo, hi = math.exp(-0.20 * t), math.exp(0.01 * t)
    discount = float(min(max(-slope, lo), hi))
    # with the discount factor pinned (clamped or not), the forward is the mean of K + (C − P)/D:
    # a slope distorted by early-exercise premia then cannot drag the forward along
    forward = float(np.mean(ks + y / discount))
    if not (0.8 * spot < forward < 1.2 * spot):
        return ParityFit(spot, 1.0, int(ks.size), f"parity forward {forward:.2f} implausible: forward = spot")
    return ParityFit(forward, discount, int(ks.size))


def own_greeks(strikes: Array, is_call: Array, mid: Array, quoted: Array,
               fit: ParityFit, spot: float, t: float) -> tuple[Array, ...]:
    """(iv, delta, gamma, theta, vega) per contract from out-of-the-money mids."""
    n = strikes.size
    if n == 0 or t <= 0:
        nan = np.full(n, math.nan)
        return nan, nan, nan, nan, nan
    rate = fit.rate(t)
    otm = np.where(is_call, strikes >= fit.forward, strikes < fit.forward) & quoted
    solved = implied_vol(np.where(otm, mid, 0.0), fit.forward, strikes, t, rate, 0.0, is_call, model="black76")
    vol_by_strike: dict[float, float] = {}
    for k, v, use in zip(strikes.tolist(), solved.iv.tolist(), otm.tolist(), strict=True):
        if use and math.isfinite(v):
            vol_by_strike[k] = v
    if not vol_by_strike:  # nothing out of the money quoted: invert what there is
        fallback = implied_vol(np.where(quoted, mid, 0.0), fit.forward, strikes, t, rate, 0.0, is_call,
                               model="black76")
        for k, v in zip(strikes.tolist(), fallback.iv.tolist(), strict=True):
            if math.isfinite(v):
                vol_by_strike.setdefault(k, v)
    iv = np.array([vol_by_strike.get(k, math.nan) for k in strikes.tolist()])
    ok = np.isfinite(iv)
    delta, gamma, theta, vega = (np.full(n, math.nan) for _ in range(4))
    if ok.any():
        g = black76_greeks(fit.forward, strikes[ok], t, rate, iv[ok], is_call[ok])
        scale = fit.forward / spot
        delta[ok], gamma[ok] = g.delta * scale, g.gamma * scale * scale
        theta[ok], vega[ok] = g.theta, g.vega
    return iv, delta, gamma, theta, vega


def _european_fit(a: dict[str, Array], mid: Array, quoted: Array, spot: float, t: float,
                  american: bool, rounds: int = 2) -> tuple[ParityFit, Array]:
    """Parity fit on mids, with the early-exercise premium removed first for American options."""
    band = PARITY_BAND[american]
    fit = parity_fit(a["strikes"], a["is_call"], mid, quoted, spot, t, band)
    european = mid
    for _ in range(rounds if american else 0):
        iv = own_greeks(a["strikes"], a["is_call"], european, quoted, fit, spot, t)[0]
        if not np.isfinite(iv).any():
            break
        vol = np.where(np.isfinite(iv), iv, np.nanmedian(iv))
        rate = fit.rate(t)
        carry = rate - math.log(fit.forward / spot) / t
        premium = early_exercise_premium(spot, a["strikes"], t, rate, carry, vol, a["is_call"])
        european = np.where(quoted, np.maximum(mid - premium, 0.0), mid)
        fit = parity_fit(a["strikes"], a["is_call"], european, quoted, spot, t, band)
    return fit, european


def _one_sided_strikes(strikes: Array, is_call: Array) -> int:
    calls, puts = set(strikes[is_call].tolist()), set(strikes[~is_call].tolist())
    return len(calls ^ puts)


def _flags(a: dict[str, Array], own_iv: Array, own_delta: Array, stale_s: float,
           near: Array) -> list[str]:
    flags = []
    both = near & np.isfinite(a["venue_iv"]) & np.isfinite(own_iv)
    if both.sum() >= 3:
        gap = float(np.median(np.abs(a["venue_iv"][both] - own_iv[both])))
        if gap > IV_MISMATCH:
            flags.append(f"iv_mismatch: venue IV differs from ours by {gap * 100:.1f} vol pts (median)")
    dboth = near & np.isfinite(a["venue_delta"]) & np.isfinite(own_delta)
    if stale_s > STALE_GREEKS_SECONDS:
        flags.append(f"stale_greeks: venue Greeks {stale_s / 60:.0f} min older than the quotes")
    elif dboth.sum() >= 3 and float(np.median(np.abs(a["venue_delta"][dboth] - own_delta[dboth]))) > 0.02:
        flags.append("stale_greeks: venue deltas disagree with deltas from current prices")
    return flags


def validate_chain(chain: OptionChain, expiry: date, expiry_close: datetime, now: datetime,
                   exclude_spread: float) -> ValidatedChain:
    """Arrays, our Greeks, completeness and quality of one expiry of `chain` at `now`."""
    contracts = tuple(c for c in chain.contracts if c.expiration == expiry)
    a = _arrays(contracts)
    spot = chain.underlying_price
    t = max((expiry_close - now).total_seconds() / YEAR_SECONDS, 1.0 / (365.0 * 24 * 60))
    mid = 0.5 * (a["bid"] + a["ask"])
    quoted = (a["bid"] > 0) & (a["ask"] >= a["bid"])
    with np.errstate(divide="ignore", invalid="ignore"):
        spread_q = np.where(quoted & (mid > 0), (a["ask"] - a["bid"]) / mid, np.inf)
    american = any(c.instrument.exercise is ExerciseStyle.AMERICAN for c in contracts)
    fit, european = _european_fit(a, mid, quoted, spot, t, american)
    own_iv, own_delta, own_gamma, own_theta, own_vega = own_greeks(a["strikes"], a["is_call"], european,
                                                                  quoted, fit, spot, t)
    n = max(len(contracts), 1)
    missing = int(np.isnan(a["venue_delta"]).sum()) + _one_sided_strikes(a["strikes"], a["is_call"])
    missing_share = missing / (n + _one_sided_strikes(a["strikes"], a["is_call"]))
    no_quote = float(((a["bid"] <= 0) & (a["ask"] <= 0)).sum()) / n  # no bid alone is normal far out
    stale_s = max(((c.quote_time - c.greeks_time).total_seconds() for c in contracts
                   if c.greeks_time is not None), default=0.0)
    near = np.abs(np.log(a["strikes"] / spot)) <= 0.05
    flags = _flags(a, own_iv, own_delta, stale_s, near)
    flags += [note for note in (fit.note,) if note]
    wide = int(((spread_q > SPREAD_FLAG) & quoted).sum())
    if wide:
        flags.append(f"wide_spreads: {wide} contracts quoted wider than {SPREAD_FLAG:.0%} of mid")
    penalty = missing_share + no_quote + 0.15 * any(f.startswith("stale_greeks") for f in flags) \
        + 0.15 * any(f.startswith("iv_mismatch") for f in flags)
    eligible = quoted & (spread_q <= exclude_spread) & np.isfinite(np.where(
        np.isfinite(a["venue_delta"]), a["venue_delta"], own_delta))
    return ValidatedChain(
        underlying=chain.underlying, expiry=expiry, spot=spot, t=t, fetched_at=chain.timestamp,
        contracts=contracts, strikes=a["strikes"], is_call=a["is_call"], bid=a["bid"], ask=a["ask"],
        venue_delta=a["venue_delta"], venue_iv=a["venue_iv"], own_iv=own_iv, own_delta=own_delta,
        own_gamma=own_gamma, own_theta=own_theta, own_vega=own_vega, open_interest=a["open_interest"],
        spread_quality=spread_q, eligible=eligible, parity=fit, missing_greeks_share=missing_share,
        quality=float(min(max(1.0 - penalty, 0.0), 1.0)), flags=tuple(flags))
