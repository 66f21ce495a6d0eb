"""Point-in-time regime history by walk-forward: what each model would have published each day.

Used to fill `regime_history` for a period (the chart of `dorado regime history`) and to score
models against the simulator's planted regimes. Every day's state comes from a model trained on
data before that day's period and from inputs dated on or before that day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from dorado_tui.domain.regime import FX_REGIMES, RegimeState
from dorado_tui.regime.classifier_walk import walk_forward as classifier_walk
from dorado_tui.regime.correlation import correlation_history
from dorado_tui.regime.crypto import fit_crypto
from dorado_tui.regime.crypto_features import crypto_samples
from dorado_tui.regime.features import macro_features
from dorado_tui.regime.fx import fit_fx
from dorado_tui.regime.fx_features import fx_samples
from dorado_tui.regime.inputs import MarketFrames
from dorado_tui.regime.macro import fit_macro
from dorado_tui.regime.macro_outputs import read_day
from dorado_tui.regime.macro_walk import complete_rows
from dorado_tui.regime.schedule import retrain_positions, segments
from dorado_tui.regime.states import correlation_state, crypto_state, fx_state, macro_state

Progress = Callable[[str, int, int], None]


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


def macro_history(data: MarketFrames, config: Any, start: pd.Timestamp, end: pd.Timestamp,
                  computed_at: datetime, progress: Progress = _noop) -> list[RegimeState]:
    """Macro states for [start, end], each from the expanding-window model serving that day."""
    feats = macro_features(data, config.features)
    valid = complete_rows(feats, config.macro)
    if not valid.any():
        return []
    first = int(np.flatnonzero(valid)[0])
    feats = feats.iloc[first:]
    positions = retrain_positions(pd.DatetimeIndex(feats.index), valid[first:], config.min_train_days,
                                  config.macro_every)
    dates = pd.DatetimeIndex(feats.index)
    spans = [(a, b) for a, b in segments(positions, len(feats)) if dates[a] <= end and dates[b - 1] >= start]
    out = []
    for i, (a, b) in enumerate(spans):
        model = fit_macro(feats.iloc[:a], config.macro)
        probs = model.filter(feats.iloc[:b]).to_numpy()
        inputs = model.inputs(feats.iloc[:b])
        version = f"walk-forward macro trained to {model.train_end.date()}"
        for pos in range(a, b):
            if start <= dates[pos] <= end:
                out.append(macro_state(read_day(model, dates[pos], inputs, probs, pos), computed_at,
                                       config.horizon, version))
        progress("macro", i + 1, len(spans))
    return out


def correlation_states(data: MarketFrames, config: Any, start: pd.Timestamp, end: pd.Timestamp,
                       computed_at: datetime) -> list[RegimeState]:
    hist = correlation_history(data, config.correlation).loc[start:end]
    return [correlation_state(row, pd.Timestamp(day), config.correlation, computed_at, config.horizon)
            for day, row in hist.iterrows()]


def _per_day(preds: pd.DataFrame, frame: pd.DataFrame) -> Any:
    """Predictions grouped by sample date, each row tagged with its asset."""
    keyed = preds.assign(date=frame.loc[preds.index, "date"], asset=frame.loc[preds.index, "asset"])
    return keyed.groupby("date")


def fx_history(data: MarketFrames, config: Any, start: pd.Timestamp, end: pd.Timestamp,
               computed_at: datetime, progress: Progress = _noop) -> list[RegimeState]:
    samples = fx_samples(data, config.fx.spec)
    preds = classifier_walk(samples, lambda rows: fit_fx(rows, config.fx), config.fx.every, config.fx.min_train,
                            lambda d, t: progress("fx", d, t), since=start)
    out = []
    for day, rows in _per_day(preds, samples.frame):
        if start <= day <= end:
            probs = rows[list(FX_REGIMES)]
            reading = {"probabilities": {str(k): float(v) for k, v in probs.mean().items()},
                       "per_asset": {f"{a}.{c}": float(rows.loc[i, c]) for i, a in rows["asset"].items()
                                     for c in FX_REGIMES}}
            version = f"walk-forward fx from {pd.Timestamp(rows['model_start'].iloc[0]).date()}"
            out.append(fx_state(reading, pd.Timestamp(day), computed_at, config.horizon, version))
    return out


def crypto_history(data: MarketFrames, config: Any, start: pd.Timestamp, end: pd.Timestamp,
                   computed_at: datetime, progress: Progress = _noop) -> list[RegimeState]:
    samples = crypto_samples(data, config.crypto.spec)
    preds = classifier_walk(samples, lambda rows: fit_crypto(rows, config.crypto), config.crypto.every,
                            config.crypto.min_train, lambda d, t: progress("crypto", d, t), since=start)
    out = []
    for day, rows in _per_day(preds, samples.frame):
        if start <= day <= end:
            per_asset: dict[str, float] = {}
            for i, asset in rows["asset"].items():
                per_asset[f"{asset}.p_trend"] = float(rows.loc[i, "p_trend"])
                per_asset[f"{asset}.strength"] = float(rows.loc[i, "strength"])
                per_asset[f"{asset}.direction"] = float(np.sign(samples.frame.loc[i, "ret14"]))
            reading = {"p_trend": float(rows["p_trend"].mean()), "per_asset": per_asset}
            version = f"walk-forward crypto from {pd.Timestamp(rows['model_start'].iloc[0]).date()}"
            out.append(crypto_state(reading, pd.Timestamp(day), computed_at, config.horizon, version))
    return out
