"""Small seeded regime-switching market for the regime unit tests (planted path recorded)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dorado_tui.regime.inputs import MarketFrames

REGIMES = ("calm", "normal", "stressed", "crisis", "recovery")
#: per regime: equity drift (annual), equity vol (annual), cross-asset correlation, VIX level,
#: VIX/VIX3M, credit spread (%)
PARAMS = {
    "calm": (0.14, 0.10, 0.15, 13.0, 0.86, 1.0),
    "normal": (0.07, 0.16, 0.30, 18.0, 0.93, 1.6),
    "stressed": (-0.10, 0.26, 0.55, 26.0, 1.02, 2.6),
    "crisis": (-0.60, 0.55, 0.85, 45.0, 1.18, 5.0),
    "recovery": (0.35, 0.28, 0.45, 27.0, 0.97, 3.2),
}
#: daily transition probabilities: persistent regimes, crisis reached through stress
TRANSITIONS = np.array([
    [0.990, 0.010, 0.000, 0.000, 0.000],
    [0.006, 0.988, 0.006, 0.000, 0.000],
    [0.000, 0.012, 0.978, 0.010, 0.000],
    [0.000, 0.000, 0.000, 0.975, 0.025],
    [0.006, 0.010, 0.000, 0.000, 0.984],
])
EQUITIES = ("SPY", "QQQ", "IWM")
#: loading on the common factor per asset (sign: bonds/gold/yen rally when equities fall)
LOADINGS = {"SPY": 1.0, "QQQ": 1.2, "IWM": 1.1, "TLT": -0.5, "GLD": -0.3, "USDJPY": 0.4,
            "AUDUSD": 0.6, "BTC": 1.5, "ETH": 1.8}
VOL_MULT = {"SPY": 1.0, "QQQ": 1.25, "IWM": 1.3, "TLT": 0.7, "GLD": 0.9, "USDJPY": 0.5,
            "AUDUSD": 0.6, "BTC": 4.0, "ETH": 5.0}


@dataclass(frozen=True)
class Synthetic:
    data: MarketFrames
    planted: pd.Series  # regime name per business day


def _path(rng: np.random.Generator, n: int) -> np.ndarray:
    states = np.empty(n, dtype=int)
    states[0] = 1
    cum = TRANSITIONS.cumsum(axis=1)
    draws = rng.random(n)
    for t in range(1, n):
        states[t] = int(np.searchsorted(cum[states[t - 1]], draws[t]))
    return states


def _ou(rng: np.random.Generator, targets: np.ndarray, speed: float, noise: float, start: float) -> np.ndarray:
    out = np.empty_like(targets)
    x = start
    shocks = rng.standard_normal(len(targets))
    for t, target in enumerate(targets):
        x = x + speed * (target - x) + noise * shocks[t]
        out[t] = x
    return out


def make_market(years: float = 8.0, seed: int = 3) -> Synthetic:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2004-01-02", periods=int(years * 252))
    n = len(days)
    states = _path(rng, n)
    p = np.array([PARAMS[r] for r in REGIMES])[states]
    drift, vol, rho = p[:, 0] / 252, p[:, 1] / np.sqrt(252), p[:, 2]
    common = rng.standard_normal(n)
    closes = {}
    for sym, load in LOADINGS.items():
        idio = rng.standard_normal(n)
        shock = np.sign(load) * np.sqrt(rho) * common + np.sqrt(1 - rho) * idio
        sigma = vol * VOL_MULT[sym]
        mu = drift * load if sym in EQUITIES or sym in ("BTC", "ETH") else drift * 0.1
        closes[sym] = 100 * np.exp(np.cumsum(mu - 0.5 * sigma**2 + sigma * shock))
    vix = np.maximum(_ou(rng, p[:, 3], 0.08, 1.2, 18.0), 9.0)
    term = _ou(rng, p[:, 4], 0.15, 0.01, 0.93)
    frame = pd.DataFrame(closes, index=days)
    frame["VIX"] = vix
    frame["VIX3M"] = vix / term
    macro = pd.DataFrame({
        "credit_spread": np.maximum(_ou(rng, p[:, 5], 0.03, 0.05, 1.6), 0.3),
        "curve_2s10s": _ou(rng, 1.0 - 0.2 * p[:, 5], 0.01, 0.03, 0.7),
        "rate_diff_us_jp": _ou(rng, np.full(n, 2.5), 0.005, 0.03, 2.5),
        "rate_diff_au_us": _ou(rng, np.full(n, 1.0), 0.005, 0.03, 1.0),
    }, index=days)
    frame = _crypto_weekends(frame, rng)
    funding = pd.DataFrame({"funding_BTC": 1e-4 * (1 + rng.standard_normal(len(frame))),
                            "funding_ETH": 1e-4 * (1 + rng.standard_normal(len(frame)))},
                           index=frame.index)
    macro = macro.join(funding, how="outer")
    planted = pd.Series(np.array(REGIMES)[states], index=days, name="planted")
    return Synthetic(MarketFrames(closes=frame, macro=macro), planted)


def _crypto_weekends(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Crypto trades every calendar day: weekend closes wander from Friday's, equities stay NaN."""
    full = pd.date_range(frame.index[0], frame.index[-1], freq="D")
    out = frame.reindex(full)
    for sym in ("BTC", "ETH"):
        weekend = out[sym].isna()
        walk = pd.Series(np.exp(0.02 * rng.standard_normal(len(full))), index=full).where(weekend, 1.0)
        out[sym] = out[sym].ffill() * walk.groupby((~weekend).cumsum()).cumprod()
    return out
