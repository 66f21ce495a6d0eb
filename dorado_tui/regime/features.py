"""Point-in-time macro feature pipeline: levels, rolling z-scores and rates of change per day.

Every value for day t is computed from data dated on or before t: only trailing rolling windows,
as-of (forward-fill) alignment, no centring, no back-fill, no whole-sample normalisation. Frames
with ragged, gappy columns go through pandas' trailing `rolling` (z-scores, moving averages);
realised vol comes from the quant core. Nothing here looks at a later row, which
`tests/unit/regime/test_regime_point_in_time.py` proves by truncation and perturbation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dorado_tui.regime.indicators import realized_vol
from dorado_tui.regime.inputs import MarketFrames, RegimeDataError, asof_align


@dataclass(frozen=True)
class FeatureSpec:
    """Where each macro input lives and which derived windows to compute.

    Missing optional inputs are skipped (the fitted model records its exact feature list, so a
    model trained with them refuses data without them).
    """

    equity: str = "SPY"
    vix: str = "VIX"
    vix3m: str = "VIX3M"
    credit_spread: str = "credit_spread"
    curve: str = "curve_2s10s"
    #: style ratios (numerator, denominator) used when both symbols are present
    ratios: tuple[tuple[str, str], ...] = (("QQQ", "IWM"), ("SPY", "TLT"), ("GLD", "SPY"))
    #: macro columns starting with these prefixes are rate differentials / funding rates
    rate_diff_prefix: str = "rate_diff"
    funding_prefix: str = "funding"
    z_windows: tuple[int, ...] = (63, 126, 252)
    roc_window: int = 21
    vol_window: int = 21
    ratio_window: int = 63
    fast_ma: int = 50
    slow_ma: int = 200
    funding_avg: int = 7


#: how each level's rate of change is measured: log change for positive levels, difference
#: for series that cross zero or are already ratios/returns
_LOG_CHANGE = {"vix", "spy_rv"}


def rolling_zscore(frame: pd.DataFrame, window: int) -> pd.DataFrame:
    """(x - trailing mean) / trailing std over `window` days, NaN until the window is full."""
    roll = frame.rolling(window, min_periods=window)
    std = roll.std(ddof=0)
    return (frame - roll.mean()) / std.where(std > 0)


def macro_levels(data: MarketFrames, spec: FeatureSpec = FeatureSpec()) -> pd.DataFrame:
    """The base level features on the equity calendar (one row per equity trading day)."""
    closes, macro = data.closes, data.macro
    if spec.equity not in closes.columns:
        raise RegimeDataError(f"regime data: the macro features need {spec.equity} closes")
    spy = closes[spec.equity].dropna()
    calendar = pd.DatetimeIndex(spy.index)
    out = pd.DataFrame(index=calendar)
    out["spy_trend"] = spy.rolling(spec.fast_ma, min_periods=spec.fast_ma).mean() / spy.rolling(
        spec.slow_ma, min_periods=spec.slow_ma).mean() - 1.0
    out["spy_rv"] = realized_vol(spy, spec.vol_window)
    out["spy_ret63"] = np.log(spy / spy.shift(63))
    if spec.vix in closes.columns:
        vix = asof_align(closes[spec.vix].dropna(), calendar).iloc[:, 0]
        out["vix"] = vix
        if spec.vix3m in closes.columns:
            out["vix_term"] = vix / asof_align(closes[spec.vix3m].dropna(), calendar).iloc[:, 0]
    for name, column in (("credit_spread", spec.credit_spread), ("curve_2s10s", spec.curve)):
        if column in macro.columns:
            out[name] = asof_align(macro[column].dropna(), calendar).iloc[:, 0]
    for num, den in spec.ratios:
        if num in closes.columns and den in closes.columns:
            both = asof_align(closes[[num, den]].dropna(), calendar)
            ratio = np.log(both[num] / both[den])
            out[f"ratio_{num}_{den}"] = ratio - ratio.shift(spec.ratio_window)
    for column in macro.columns:
        name = str(column)
        if name.startswith(spec.rate_diff_prefix):
            out[name] = asof_align(macro[column].dropna(), calendar).iloc[:, 0]
        elif name.startswith(spec.funding_prefix):
            # funding prints on the crypto calendar: average it there, then align as-of
            avg = macro[column].dropna().rolling(spec.funding_avg, min_periods=1).mean()
            out[name] = asof_align(avg, calendar).iloc[:, 0]
    return out


def derive(levels: pd.DataFrame, spec: FeatureSpec = FeatureSpec()) -> pd.DataFrame:
    """Levels plus rolling z-scores (each window) and rates of change, column-wise."""
    parts = [levels]
    for window in spec.z_windows:
        parts.append(rolling_zscore(levels, window).add_suffix(f"_z{window}"))
    roc = pd.DataFrame(index=levels.index)
    for name in levels.columns:
        col = levels[name]
        if name in _LOG_CHANGE:
            roc[f"{name}_roc{spec.roc_window}"] = np.log(col / col.shift(spec.roc_window))
        else:
            roc[f"{name}_roc{spec.roc_window}"] = col - col.shift(spec.roc_window)
    parts.append(roc)
    return pd.concat(parts, axis=1)


def macro_features(data: MarketFrames, spec: FeatureSpec = FeatureSpec()) -> pd.DataFrame:
    """All macro features, one row per equity trading day (rows before warm-up hold NaN)."""
    return derive(macro_levels(data, spec), spec).replace([np.inf, -np.inf], np.nan)
