"""Crypto trend model, two stages: L1 logistic "is there a trend?", xgboost "how strong?".

Stage 1 is an L1-penalised logistic regression on standardised features (robust, sparse,
readable coefficients); stage 2 an xgboost regressor of the forward trend strength, trained on
the days a trend did exist. Both are kept as plain arrays / xgboost JSON, and stage 1 predicts
with numpy (sigmoid of the linear score), which the tests hold against scikit-learn's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dorado_tui.domain.regime import CRYPTO_REGIMES
from dorado_tui.regime.classifier_walk import Progress, Samples, data_end, walk_forward
from dorado_tui.regime.crypto_features import CRYPTO_FEATURES, CryptoSpec
from dorado_tui.regime.validation import (
    calibration,
    classification_report,
    expected_calibration_error,
)


@dataclass(frozen=True)
class CryptoConfig:
    l1_c: float = 0.1
    n_estimators: int = 80
    max_depth: int = 3
    learning_rate: float = 0.1
    seed: int = 0
    every: str | int = "QE"
    min_train: int = 500
    spec: CryptoSpec = field(default_factory=CryptoSpec)

    def booster_params(self) -> dict[str, Any]:
        return {"objective": "reg:squarederror", "max_depth": self.max_depth, "eta": self.learning_rate,
                "seed": self.seed, "nthread": 1, "tree_method": "hist"}


@dataclass(frozen=True)
class CryptoModel:
    """Fitted two-stage model."""

    features: tuple[str, ...]
    scaler_mean: np.ndarray
    scaler_scale: np.ndarray
    coef: np.ndarray
    intercept: float
    booster: Any
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    n_train: int
    trend_share: float

    def p_trend(self, frame: pd.DataFrame) -> np.ndarray:
        """Stage 1: probability that a tradeable trend exists."""
        x = (frame.loc[:, list(self.features)].to_numpy(dtype=float) - self.scaler_mean) / self.scaler_scale
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))

    def strength(self, frame: pd.DataFrame) -> np.ndarray:
        """Stage 2: expected vol-scaled strength of the trend, given one exists."""
        import xgboost as xgb

        matrix = xgb.DMatrix(frame.loc[:, list(self.features)].to_numpy(dtype=float),
                             feature_names=list(self.features), nthread=1)
        return np.asarray(self.booster.predict(matrix), dtype=float)

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        p = self.p_trend(frame)
        return pd.DataFrame({"p_trend": p, "strength": self.strength(frame),
                             "majority": float(self.trend_share >= 0.5)}, index=frame.index)

    def active_features(self) -> dict[str, float]:
        """Stage-1 coefficients the L1 penalty kept (per standard deviation of the feature)."""
        return {f: float(c) for f, c in zip(self.features, self.coef, strict=True) if c != 0.0}


def fit_crypto(train: pd.DataFrame, config: CryptoConfig = CryptoConfig()) -> CryptoModel:
    """Fit both stages on labelled rows (already purged by the caller)."""
    import xgboost as xgb
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    y = train["target"].to_numpy(dtype=int)
    if len(train) < 50 or len(set(y)) < 2:
        raise ValueError(f"crypto model needs ≥ 50 samples of both classes, got {len(train)} "
                         f"with classes {sorted(set(y))}")
    x = train.loc[:, list(CRYPTO_FEATURES)].to_numpy(dtype=float)
    scaler = StandardScaler().fit(x)
    logit = LogisticRegression(C=config.l1_c, l1_ratio=1.0, solver="liblinear", random_state=config.seed)
    logit.fit(scaler.transform(x), y)
    trending = train[y == 1]
    matrix = xgb.DMatrix(trending.loc[:, list(CRYPTO_FEATURES)].to_numpy(dtype=float),
                         label=trending["strength"].to_numpy(dtype=float), feature_names=list(CRYPTO_FEATURES), nthread=1)
    booster = xgb.train(config.booster_params(), matrix, num_boost_round=config.n_estimators)
    return CryptoModel(CRYPTO_FEATURES, scaler.mean_.copy(), scaler.scale_.copy(), logit.coef_[0].copy(),
                       float(logit.intercept_[0]), booster, pd.Timestamp(train["date"].min()),
                       data_end(train), len(train), float(y.mean()))


def _strength_report(pred: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    from scipy.stats import spearmanr

    if len(actual) < 3:
        return {"n": len(actual)}
    resid = actual - pred
    return {"n": len(actual), "spearman": float(spearmanr(pred, actual).statistic),
            "r2": float(1 - (resid**2).sum() / ((actual - actual.mean()) ** 2).sum()),
            "mae": float(np.abs(resid).mean())}


def validate_crypto(samples: Samples, config: CryptoConfig = CryptoConfig(),
                    progress: Progress | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
    """Walk-forward report: stage 1 accuracy/confusion/calibration, stage 2 rank correlation."""
    preds = walk_forward(samples, lambda rows: fit_crypto(rows, config), config.every, config.min_train, progress)
    truth = samples.frame.loc[preds.index]
    known = truth["target"].notna().to_numpy()
    p = preds.loc[known, "p_trend"].to_numpy()
    y = truth.loc[known, "target"].to_numpy(dtype=int)
    # class order for the report: index 0 = trending, 1 = no_trend (CRYPTO_REGIMES)
    probs = np.column_stack([p, 1 - p])
    stage1 = classification_report(probs, 1 - y, CRYPTO_REGIMES,
                                   baseline=1 - preds.loc[known, "majority"].to_numpy(dtype=int))
    reliability = calibration(p, y.astype(float))
    stage1["p_trend_calibration"] = reliability
    stage1["p_trend_ece"] = expected_calibration_error(reliability)
    trend_rows = known & (truth["target"].to_numpy() == 1)
    stage2 = _strength_report(preds.loc[trend_rows, "strength"].to_numpy(),
                              truth.loc[trend_rows, "strength"].to_numpy(dtype=float))
    return {"stage1": stage1, "stage2": stage2, "models": int(preds["model_start"].nunique())}, preds


def crypto_reading(model: CryptoModel, samples: Samples, asof: pd.Timestamp) -> dict[str, Any]:
    """Per coin P(trend), strength and direction (sign of the 14-day return) on `asof`, and the
    universe's mean P(trend)."""
    rows = samples.frame[samples.frame["date"] == asof]
    if rows.empty:
        raise ValueError(f"crypto trend: no coin has complete features on {asof.date()}")
    out = model.predict(rows)
    per_coin: dict[str, float] = {}
    for asset, (_, row), ret14 in zip(rows["asset"], out.iterrows(), rows["ret14"], strict=True):
        per_coin[f"{asset}.p_trend"] = float(row["p_trend"])
        per_coin[f"{asset}.strength"] = float(row["strength"])
        per_coin[f"{asset}.direction"] = float(np.sign(ret14))
    return {"p_trend": float(out["p_trend"].mean()), "per_asset": per_coin}
