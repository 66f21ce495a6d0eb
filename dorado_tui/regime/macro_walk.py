"""Walk-forward macro regime history: expanding-window retraining, filtered out-of-sample output.

Each model is trained on the rows before its first day and serves its period; its filter runs
from the first complete row of the history, so the reading for day t depends on data ≤ t only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dorado_tui.domain.regime import MACRO_REGIMES
from dorado_tui.regime.macro import LOG_FEATURES, FittedMacro, MacroConfig, fit_macro, model_inputs
from dorado_tui.regime.macro_outputs import AlertRules, MacroDay, read_day
from dorado_tui.regime.schedule import retrain_positions, segments

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class MacroWalk:
    """Out-of-sample history: regime probabilities per day and which model produced them."""

    label_probs: pd.DataFrame          # columns: MACRO_REGIMES (0 where a model lacks the name)
    model_end: pd.Series               # training end date of the model serving each day
    models: tuple[FittedMacro, ...]

    @property
    def regimes(self) -> pd.Series:
        return self.label_probs.idxmax(axis=1)


def complete_rows(features: pd.DataFrame, config: MacroConfig) -> np.ndarray:
    """Boolean mask of rows with every model input present."""
    return np.isfinite(model_inputs(features, config.features, LOG_FEATURES)).all(axis=1)


def filtered_labels(model: FittedMacro, features: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """State probabilities and regime probabilities (all MACRO_REGIMES columns), filter run
    from the first complete row."""
    probs = model.filter(features).to_numpy()
    labels = np.asarray(model.to_labels(probs))
    full = pd.DataFrame(0.0, index=features.index, columns=list(MACRO_REGIMES))
    full.loc[:, list(model.labels)] = labels
    return probs, full


def walk_forward(features: pd.DataFrame, config: MacroConfig = MacroConfig(), every: str | int = "ME",
                 min_train: int = 504, progress: Progress | None = None) -> MacroWalk:
    """Retrain on an expanding window at every period start and record the filtered output."""
    valid = complete_rows(features, config)
    if not valid.any():
        raise ValueError("macro walk-forward: no day has every model input")
    first = int(np.flatnonzero(valid)[0])
    feats = features.iloc[first:]
    positions = retrain_positions(pd.DatetimeIndex(feats.index), valid[first:], min_train, every)
    if not positions:
        raise ValueError(f"macro walk-forward: fewer than {min_train} complete days to train on")
    parts, ends, models = [], [], []
    spans = segments(positions, len(feats))
    for i, (start, stop) in enumerate(spans):
        model = fit_macro(feats.iloc[:start], config)
        _, labels = filtered_labels(model, feats.iloc[:stop])
        parts.append(labels.iloc[start:stop])
        ends.append(pd.Series(model.train_end, index=feats.index[start:stop]))
        models.append(model)
        if progress is not None:
            progress(i + 1, len(spans))
    return MacroWalk(pd.concat(parts), pd.concat(ends), tuple(models))


def latest_reading(model: FittedMacro, features: pd.DataFrame, asof: pd.Timestamp | None = None,
                   alert: AlertRules = AlertRules()) -> MacroDay:
    """The reading for `asof` (default: the last row) with one fitted model, filter from the
    first complete row up to `asof`."""
    feats = features.loc[:asof] if asof is not None else features
    valid = np.isfinite(model.reduce(feats)).all(axis=1)
    if not valid.any():
        raise ValueError("macro reading: no day has every model input")
    feats = feats.iloc[int(np.flatnonzero(valid)[0]):]
    probs = model.filter(feats).to_numpy()
    return read_day(model, pd.Timestamp(feats.index[-1]), model.inputs(feats), probs, len(feats) - 1, alert)
