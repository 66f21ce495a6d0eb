"""Crypto trend samples: point-in-time features per coin and forward trend labels.

Features follow PRD §3.5.3 where the universe has the data: momentum (7/14/30-day returns),
trend quality (ADX 14, distance to SMA 20, SMA 20 vs 50, rolling Hurst exponent — the key
feature: H > 0.55 trending, H < 0.45 mean-reverting), volatility (14-day realised vol and its
60-day z-score), funding (7-day average), cross-asset (BTC and SPY 7-day returns, the BTC/ETH
ratio's 7-day change as a dominance stand-in). Exchange reserves and stablecoin supply are not
in the data and are left out.

Labels over the next h days (default 14, on the coin's own 7-day calendar), known at t+h:
- **trend exists** when the forward move is both efficient and large: efficiency ratio
  ER = |log P_{t+h}/P_t| / Σ|daily log returns| ≥ `min_efficiency` (0.35) and
  |log P_{t+h}/P_t| ≥ `min_sigma` (1.0) × σ_t·√(h/365) (σ_t = 14-day realised vol at t);
- **strength** = ER × |log P_{t+h}/P_t| / (σ_t·√(h/365)), the vol-scaled size of a clean move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dorado_tui.regime.classifier_walk import Samples, label_dates
from dorado_tui.regime.features import rolling_zscore
from dorado_tui.regime.indicators import adx, close_range, rolling_hurst
from dorado_tui.regime.inputs import MarketFrames, RegimeDataError, asof_align

CRYPTO_DAYS = 365
CRYPTO_FEATURES = (
    "ret7", "ret14", "ret30", "ret7_minus_30", "adx14", "dist_sma20", "sma20_vs_sma50", "hurst",
    "rv14", "vol_z60", "funding_7d", "btc_ret7", "spy_ret7", "btc_eth_ratio_chg7",
)


@dataclass(frozen=True)
class CryptoSpec:
    coins: tuple[str, ...] = ("BTC", "ETH")
    horizon: int = 14
    hurst_window: int = 100
    min_efficiency: float = 0.35
    min_sigma: float = 1.0
    funding_prefix: str = "funding_"
    equity: str = "SPY"


def coin_features(data: MarketFrames, coin: str, spec: CryptoSpec = CryptoSpec()) -> pd.DataFrame:
    """CRYPTO_FEATURES for one coin on its own calendar (trailing windows only)."""
    close = data.closes[coin].dropna()
    cal = pd.DatetimeIndex(close.index)
    logp = np.log(close)
    rets = logp.diff()
    out = pd.DataFrame(index=cal)
    for n in (7, 14, 30):
        out[f"ret{n}"] = logp.diff(n)
    out["ret7_minus_30"] = out["ret7"] - out["ret30"]
    if coin in data.highs and coin in data.lows:
        high = asof_align(data.highs[coin].dropna(), cal).iloc[:, 0]
        low = asof_align(data.lows[coin].dropna(), cal).iloc[:, 0]
    else:
        high, low = close_range(close)
    out["adx14"] = adx(high, low, close, 14)
    out["dist_sma20"] = close / close.rolling(20, min_periods=20).mean() - 1
    out["sma20_vs_sma50"] = close.rolling(20, min_periods=20).mean() / close.rolling(50, min_periods=50).mean() - 1
    out["hurst"] = rolling_hurst(close, spec.hurst_window)
    out["rv14"] = rets.rolling(14, min_periods=14).std() * np.sqrt(CRYPTO_DAYS)
    out["vol_z60"] = rolling_zscore(out[["rv14"]], 60).iloc[:, 0]
    funding = f"{spec.funding_prefix}{coin}"
    if funding not in data.macro:
        raise RegimeDataError(f"crypto trend: macro series {funding} (perp funding rate) is missing")
    out["funding_7d"] = asof_align(data.macro[funding].dropna().rolling(7, min_periods=1).mean(), cal).iloc[:, 0]
    btc = asof_align(data.closes["BTC"].dropna(), cal).iloc[:, 0] if "BTC" in data.closes else close
    out["btc_ret7"] = np.log(btc).diff(7)
    spy = asof_align(data.closes[spec.equity].dropna(), cal).iloc[:, 0]
    out["spy_ret7"] = np.log(spy).diff(7)
    if "BTC" in data.closes and "ETH" in data.closes:
        ratio = np.log(asof_align(data.closes[["BTC", "ETH"]].dropna(), cal))
        out["btc_eth_ratio_chg7"] = (ratio["BTC"] - ratio["ETH"]).diff(7)
    else:
        out["btc_eth_ratio_chg7"] = 0.0
    return out.loc[:, list(CRYPTO_FEATURES)].replace([np.inf, -np.inf], np.nan)


def trend_labels(close: pd.Series, rv14: pd.Series, spec: CryptoSpec = CryptoSpec()) -> pd.DataFrame:
    """Forward `trend` (0/1) and `strength` per day, NaN where the horizon runs past the data."""
    h = spec.horizon
    logp = np.log(close)
    move = logp.shift(-h) - logp
    path = logp.diff().abs().rolling(h, min_periods=h).sum().shift(-h)
    efficiency = (move.abs() / path).where(path > 0)
    scale = rv14 * np.sqrt(h / CRYPTO_DAYS)
    size = move.abs() / scale
    trend = ((efficiency >= spec.min_efficiency) & (size >= spec.min_sigma)).astype(float)
    unknown = move.isna() | efficiency.isna() | scale.isna()
    return pd.DataFrame({"trend": trend.where(~unknown), "strength": (efficiency * size).where(~unknown)})


def crypto_samples(data: MarketFrames, spec: CryptoSpec = CryptoSpec()) -> Samples:
    """Stacked samples for every coin present; `target` is the trend label, `strength` the
    stage-2 target."""
    parts = []
    for coin in spec.coins:
        if coin not in data.closes:
            continue
        feats = coin_features(data, coin, spec)
        close = data.closes[coin].dropna()
        labels = trend_labels(close, feats["rv14"], spec)
        frame = feats.copy()
        frame["target"] = labels["trend"]
        frame["strength"] = labels["strength"]
        frame["label_date"] = label_dates(pd.DatetimeIndex(close.index), spec.horizon)
        frame.loc[frame["target"].isna(), "label_date"] = pd.NaT
        frame["asset"] = coin
        frame["date"] = frame.index
        parts.append(frame[frame[list(CRYPTO_FEATURES)].notna().all(axis=1)])
    if not parts:
        raise RegimeDataError(f"crypto trend: none of {', '.join(spec.coins)} is in the data")
    stacked = pd.concat(parts).sort_values(["date", "asset"], kind="stable").reset_index(drop=True)
    return Samples(stacked, CRYPTO_FEATURES)
