"""FX regime samples: point-in-time features per pair and labels from forward factor returns.

Labels (horizon h trading days of the pair, default 20) compare what three FX factor positions,
taken at the close of day t from information at t, earned over (t, t+h], carry included:

- carry:          long the higher-yielding currency, sign(rate_diff_t)
- momentum:       sign of the pair's 60-day return at t
- mean_reversion: against the 60-day z-score at t, −sign(z60_t)

each earning  position × (log P_{t+h}/P_t + rate_diff_t/100 · h/252).  The label is
**risk_off_unwind** when the carry position lost more than `unwind_sigma` (1.5) standard
deviations of the horizon (σ = 20-day realised vol at t scaled to h) — a carry crash; otherwise
the factor with the highest return, ties resolved carry → momentum → mean_reversion (when
positions agree, the environment rewarded carry first). The label for t is known at t+h.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dorado_tui.domain.regime import FX_REGIMES
from dorado_tui.regime.classifier_walk import Samples, label_dates
from dorado_tui.regime.features import rolling_zscore
from dorado_tui.regime.indicators import realized_vol, rsi
from dorado_tui.regime.inputs import MarketFrames, RegimeDataError, asof_align

FX_FEATURES = (
    "rate_diff", "rate_diff_mom20", "carry_to_vol", "rv20", "vol_of_vol20", "vix",
    "ret20", "ret60", "usd_ret20", "dev_sma200", "rsi14", "z60", "credit_z252",
    "gold_ret20", "eq_fx_corr30",
)


@dataclass(frozen=True)
class FXSpec:
    pairs: tuple[str, ...] = ("USDJPY", "AUDUSD")
    #: macro column holding each pair's base-minus-quote 2-year rate differential (percent);
    #: a pair not listed uses `rate_diff_<PAIR>`
    rate_diff_columns: tuple[tuple[str, str], ...] = (("USDJPY", "rate_diff_us_jp"),
                                                       ("AUDUSD", "rate_diff_au_us"))
    horizon: int = 20
    unwind_sigma: float = 1.5
    equity: str = "SPY"
    gold: str = "GLD"
    vix: str = "VIX"
    credit_spread: str = "credit_spread"


def _usd_return20(closes: pd.DataFrame, calendar: pd.DatetimeIndex) -> pd.Series:
    """A dollar-index stand-in (no DXY in the universe): mean 20-day USD return over the pairs
    quoted against it, sign-adjusted so positive means a stronger dollar."""
    legs = []
    for pair in ("USDJPY", "USDCHF", "USDCAD"):
        if pair in closes:
            legs.append(np.log(asof_align(closes[pair].dropna(), calendar).iloc[:, 0]).diff(20))
    for pair in ("EURUSD", "GBPUSD", "AUDUSD", "NZDUSD"):
        if pair in closes:
            legs.append(-np.log(asof_align(closes[pair].dropna(), calendar).iloc[:, 0]).diff(20))
    return pd.concat(legs, axis=1).mean(axis=1) if legs else pd.Series(np.nan, index=calendar)


def _context(data: MarketFrames, spec: FXSpec, calendar: pd.DatetimeIndex) -> pd.DataFrame:
    """Cross-asset inputs (VIX, credit, gold, equity returns) aligned as-of on a pair's calendar."""
    closes, macro = data.closes, data.macro
    out = pd.DataFrame(index=calendar)
    out["vix"] = asof_align(closes[spec.vix].dropna(), calendar).iloc[:, 0] if spec.vix in closes else np.nan
    if spec.credit_spread in macro:
        credit = macro[[spec.credit_spread]].dropna()
        out["credit_z252"] = asof_align(rolling_zscore(credit, 252), calendar).iloc[:, 0]
    else:
        out["credit_z252"] = np.nan
    if spec.gold in closes:
        out["gold_ret20"] = asof_align(np.log(closes[spec.gold].dropna()).diff(20), calendar).iloc[:, 0]
    else:
        out["gold_ret20"] = np.nan
    equity = asof_align(closes[spec.equity].dropna(), calendar).iloc[:, 0]
    out["equity_ret"] = np.log(equity).diff()
    out["usd_ret20"] = _usd_return20(closes, calendar)
    return out


def pair_features(data: MarketFrames, pair: str, spec: FXSpec = FXSpec()) -> pd.DataFrame:
    """FX_FEATURES for one pair on its own calendar (trailing windows only)."""
    close = data.closes[pair].dropna()
    cal = pd.DatetimeIndex(close.index)
    rate_col = dict(spec.rate_diff_columns).get(pair, f"rate_diff_{pair}")
    if rate_col not in data.macro:
        raise RegimeDataError(f"FX regime: macro series {rate_col} (the pair's rate differential) is missing")
    ctx = _context(data, spec, cal)
    rets = np.log(close).diff()
    out = pd.DataFrame(index=cal)
    out["rate_diff"] = asof_align(data.macro[rate_col].dropna(), cal).iloc[:, 0]
    out["rate_diff_mom20"] = out["rate_diff"].diff(20)
    out["rv20"] = realized_vol(close, 20)
    out["carry_to_vol"] = out["rate_diff"] / 100 / out["rv20"]
    out["vol_of_vol20"] = out["rv20"].rolling(20, min_periods=20).std() / out["rv20"].rolling(20, min_periods=20).mean()
    out["vix"] = ctx["vix"]
    out["ret20"], out["ret60"] = np.log(close).diff(20), np.log(close).diff(60)
    out["usd_ret20"] = ctx["usd_ret20"]
    out["dev_sma200"] = close / close.rolling(200, min_periods=200).mean() - 1
    out["rsi14"] = rsi(close, 14)
    out["z60"] = rolling_zscore(close.to_frame(), 60).iloc[:, 0]
    out["credit_z252"], out["gold_ret20"] = ctx["credit_z252"], ctx["gold_ret20"]
    out["eq_fx_corr30"] = rets.rolling(30, min_periods=30).corr(ctx["equity_ret"])
    return out.loc[:, list(FX_FEATURES)].replace([np.inf, -np.inf], np.nan)


def pair_labels(close: pd.Series, feats: pd.DataFrame, spec: FXSpec = FXSpec()) -> pd.Series:
    """Forward-factor label index into FX_REGIMES per day (NaN where the horizon runs past the
    data or an input is missing); rules in the module docstring."""
    h = spec.horizon
    fwd = np.log(close.shift(-h) / close) + feats["rate_diff"] / 100 * h / 252
    carry = np.sign(feats["rate_diff"]) * fwd
    momentum = np.sign(feats["ret60"]) * fwd
    reversion = -np.sign(feats["z60"]) * fwd
    perf = pd.concat([carry, momentum, reversion], axis=1).to_numpy()
    label = np.nanargmax(np.where(np.isnan(perf), -np.inf, perf), axis=1).astype(float)
    sigma = feats["rv20"] * np.sqrt(h / 252)
    label[(carry < -spec.unwind_sigma * sigma).to_numpy()] = FX_REGIMES.index("risk_off_unwind")
    label[np.isnan(perf).any(axis=1) | sigma.isna().to_numpy()] = np.nan
    return pd.Series(label, index=close.index)


def fx_samples(data: MarketFrames, spec: FXSpec = FXSpec()) -> Samples:
    """Stacked samples of every pair present (rows with incomplete features dropped)."""
    parts = []
    for pair in spec.pairs:
        if pair not in data.closes:
            continue
        feats = pair_features(data, pair, spec)
        close = data.closes[pair].dropna()
        frame = feats.copy()
        frame["target"] = pair_labels(close, feats, spec)
        frame["label_date"] = label_dates(pd.DatetimeIndex(close.index), spec.horizon)
        frame.loc[frame["target"].isna(), "label_date"] = pd.NaT
        frame["asset"] = pair
        frame["date"] = frame.index
        parts.append(frame[frame[list(FX_FEATURES)].notna().all(axis=1)])
    if not parts:
        raise RegimeDataError(f"FX regime: none of the pairs {', '.join(spec.pairs)} is in the data")
    stacked = pd.concat(parts).sort_values(["date", "asset"], kind="stable").reset_index(drop=True)
    return Samples(stacked, FX_FEATURES)
