"""Model outputs → published `RegimeState` values (one per model per day)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from dorado_tui.domain.regime import CORRELATION_REGIMES, CRYPTO_REGIMES, RegimeModel, RegimeState
from dorado_tui.regime.correlation import CorrelationConfig
from dorado_tui.regime.macro_outputs import MacroDay

#: width of the soft margin around the correlation thresholds (share / correlation units)
CORRELATION_MARGIN = 0.05


def _day(ts: pd.Timestamp) -> Any:
    return pd.Timestamp(ts).date()


def macro_state(day: MacroDay, computed_at: datetime, horizon: timedelta, version: str) -> RegimeState:
    return RegimeState(RegimeModel.MACRO, _day(day.asof), day.regime, day.confidence, day.probabilities,
                       computed_at, horizon, day.transition_alert, day.trend_3d, day.drivers, version)


def correlation_state(row: pd.Series, asof: pd.Timestamp, config: CorrelationConfig, computed_at: datetime,
                      horizon: timedelta) -> RegimeState:
    """The day's correlation regime. Its "probability" is a soft margin, not a calibrated
    probability: logistic(margin / 0.05), ≥ 0.5 exactly when the regime is concentrated."""
    p = 1.0 / (1.0 + math.exp(-float(row["margin"]) / CORRELATION_MARGIN))
    probs = dict(zip(CORRELATION_REGIMES, (p, 1.0 - p), strict=True))
    extra = {k: float(row[k]) for k in ("n_components", "first_pc_share", "top_k_share", "implied_corr",
                                        "mean_corr", "margin")}
    return RegimeState(RegimeModel.CORRELATION, _day(asof), str(row["regime"]), max(p, 1 - p), probs,
                       computed_at, horizon, model_version=f"pca-w{config.window}-{config.variance:g}", extra=extra)


def fx_state(reading: dict[str, Any], asof: pd.Timestamp, computed_at: datetime, horizon: timedelta,
             version: str) -> RegimeState:
    probs: dict[str, float] = reading["probabilities"]
    regime = max(probs, key=lambda k: probs[k])
    return RegimeState(RegimeModel.FX, _day(asof), regime, probs[regime], probs, computed_at, horizon,
                       model_version=version, extra=dict(reading["per_asset"]))


def crypto_state(reading: dict[str, Any], asof: pd.Timestamp, computed_at: datetime, horizon: timedelta,
                 version: str) -> RegimeState:
    p = float(reading["p_trend"])
    probs = dict(zip(CRYPTO_REGIMES, (p, 1.0 - p), strict=True))
    regime = CRYPTO_REGIMES[0] if p >= 0.5 else CRYPTO_REGIMES[1]
    return RegimeState(RegimeModel.CRYPTO, _day(asof), regime, max(p, 1 - p), probs, computed_at, horizon,
                       model_version=version, extra=dict(reading["per_asset"]))
