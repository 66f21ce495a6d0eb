"""FX regime model: an xgboost classifier of the dominant FX factor, walk-forward validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dorado_tui.domain.regime import FX_REGIMES
from dorado_tui.regime.classifier_walk import Progress, Samples, data_end, walk_forward
from dorado_tui.regime.fx_features import FX_FEATURES, FXSpec
from dorado_tui.regime.validation import classification_report


@dataclass(frozen=True)
class FXConfig:
    """Booster settings (PRD §3.5.2) and the walk-forward schedule."""

    n_estimators: int = 100
    max_depth: int = 4
    min_child_weight: float = 10.0
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    learning_rate: float = 0.1
    seed: int = 0
    every: str | int = "QE"
    min_train: int = 500
    spec: FXSpec = field(default_factory=FXSpec)

    def booster_params(self, n_classes: int) -> dict[str, Any]:
        return {"objective": "multi:softprob", "num_class": n_classes, "max_depth": self.max_depth,
                "min_child_weight": self.min_child_weight, "subsample": self.subsample,
                "colsample_bytree": self.colsample_bytree, "eta": self.learning_rate,
                "seed": self.seed, "nthread": 1, "tree_method": "hist", "eval_metric": "mlogloss"}


@dataclass(frozen=True)
class FXModel:
    """A fitted FX classifier: booster (xgboost JSON-serialisable) and its training facts."""

    booster: Any
    features: tuple[str, ...]
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    n_train: int
    class_counts: tuple[int, ...]

    @property
    def majority(self) -> int:
        return int(np.argmax(self.class_counts))

    def probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        import xgboost as xgb

        matrix = xgb.DMatrix(frame.loc[:, list(self.features)].to_numpy(dtype=float),
                             feature_names=list(self.features), nthread=1)
        return np.asarray(self.booster.predict(matrix)).reshape(len(frame), len(FX_REGIMES))

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Class probabilities (columns FX_REGIMES) plus the training majority class."""
        out = pd.DataFrame(self.probabilities(frame), index=frame.index, columns=list(FX_REGIMES))
        out["majority"] = self.majority
        return out


def fit_fx(train: pd.DataFrame, config: FXConfig = FXConfig()) -> FXModel:
    """Fit on labelled rows (the caller has purged rows whose label was not yet known)."""
    import xgboost as xgb

    if len(train) < 50:
        raise ValueError(f"FX model needs ≥ 50 labelled samples, got {len(train)}")
    y = train["target"].to_numpy(dtype=int)
    matrix = xgb.DMatrix(train.loc[:, list(FX_FEATURES)].to_numpy(dtype=float), label=y,
                         feature_names=list(FX_FEATURES), nthread=1)
    booster = xgb.train(config.booster_params(len(FX_REGIMES)), matrix, num_boost_round=config.n_estimators)
    counts = tuple(int((y == k).sum()) for k in range(len(FX_REGIMES)))
    return FXModel(booster, FX_FEATURES, pd.Timestamp(train["date"].min()),
                   data_end(train), len(train), counts)


def validate_fx(samples: Samples, config: FXConfig = FXConfig(),
                progress: Progress | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
    """Walk-forward out-of-sample predictions and their report (accuracy vs the majority
    baseline, confusion matrix, calibration, Brier)."""
    preds = walk_forward(samples, lambda rows: fit_fx(rows, config), config.every, config.min_train, progress)
    truth = samples.frame.loc[preds.index, "target"]
    known = truth.notna().to_numpy()
    report = classification_report(preds.loc[known, list(FX_REGIMES)].to_numpy(),
                                   truth[known].to_numpy(dtype=int), FX_REGIMES,
                                   baseline=preds.loc[known, "majority"].to_numpy())
    report["models"] = int(preds["model_start"].nunique())
    return report, preds


def fx_reading(model: FXModel, samples: Samples, asof: pd.Timestamp) -> dict[str, Any]:
    """Universe reading for `asof`: mean probabilities over pairs with a row that day, and each
    pair's probabilities (keys `PAIR.class`)."""
    rows = samples.frame[samples.frame["date"] == asof]
    if rows.empty:
        raise ValueError(f"FX regime: no pair has complete features on {asof.date()}")
    probs = model.predict(rows)[list(FX_REGIMES)]
    mean = probs.mean(axis=0)
    per_pair = {f"{asset}.{cls}": float(p) for asset, (_, row) in zip(rows["asset"], probs.iterrows(), strict=True)
                for cls, p in row.items()}
    return {"probabilities": {str(k): float(v) for k, v in mean.items()}, "per_asset": per_pair}
