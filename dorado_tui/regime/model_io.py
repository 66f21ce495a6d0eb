"""Saving and loading each regime model as a checksummed artefact (see `artefacts`).

Each kind records the version of its feature definitions; a model built on other definitions
is refused even when the names match (a renamed window would otherwise be silently misread).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dorado_tui.regime.artefacts import Artefact, ModelArtefactError, load_latest, save_artefact
from dorado_tui.regime.crypto import CryptoModel
from dorado_tui.regime.crypto_features import CRYPTO_FEATURES
from dorado_tui.regime.fx import FXModel
from dorado_tui.regime.fx_features import FX_FEATURES
from dorado_tui.regime.macro import FittedMacro

#: bump when a feature's definition changes (window, transform, source)
FEATURE_VERSIONS = {"macro": 1, "fx": 1, "crypto": 1}
_MACRO_ARRAYS = ("scaler_mean", "scaler_scale", "pca_mean", "pca_components", "startprob",
                 "transmat", "means", "covars")


def _check_feature_version(art: Artefact, kind: str) -> None:
    got = art.manifest.get("meta", {}).get("feature_version")
    if got != FEATURE_VERSIONS[kind]:
        raise ModelArtefactError(art.path / "manifest.json", f"feature definitions v{got} differ from "
                                 f"this Dorado's v{FEATURE_VERSIONS[kind]} (retrain with `dorado regime train`)")


def _require(art: Artefact, names: tuple[str, ...]) -> None:
    missing = [n for n in names if n not in art.arrays]
    if missing:
        raise ModelArtefactError(art.path / "arrays.npz", f"arrays missing: {', '.join(missing)}")


def save_macro(models_dir: Path, model: FittedMacro, created_at: datetime,
               metrics: dict[str, Any] | None = None, config: dict[str, Any] | None = None) -> Artefact:
    meta = {"feature_version": FEATURE_VERSIONS["macro"], "log_features": list(model.log_features),
            "state_labels": list(model.state_labels), "state_profiles": list(model.state_profiles),
            "n_train": model.n_train, "log_likelihood": model.log_likelihood,
            "restart_scores": list(model.restart_scores), "config": config or {}}
    arrays = {name: getattr(model, name) for name in _MACRO_ARRAYS}
    return save_artefact(models_dir, "macro", features=model.feature_names, train_start=model.train_start.date(),
                         train_end=model.train_end.date(), created_at=created_at, arrays=arrays,
                         metrics=metrics, meta=meta)


def macro_from_artefact(art: Artefact) -> FittedMacro:
    _check_feature_version(art, "macro")
    _require(art, _MACRO_ARRAYS)
    meta, window = art.manifest["meta"], art.manifest["training_window"]
    labels = tuple(meta["state_labels"])
    if len(labels) != len(art.arrays["startprob"]):
        raise ModelArtefactError(art.path / "manifest.json", "state labels do not match the HMM's states")
    return FittedMacro(
        feature_names=art.features, log_features=tuple(meta["log_features"]),
        **{name: np.asarray(art.arrays[name], dtype=float) for name in _MACRO_ARRAYS},
        state_labels=labels, state_profiles=tuple(meta["state_profiles"]),
        train_start=pd.Timestamp(window["start"]), train_end=pd.Timestamp(window["end"]),
        n_train=int(meta["n_train"]), log_likelihood=float(meta["log_likelihood"]),
        restart_scores=tuple(meta["restart_scores"]),
    )


def load_macro(models_dir: Path, available: tuple[str, ...]) -> tuple[FittedMacro, Artefact]:
    """Latest macro model; refused when the data lacks one of its features."""
    art = load_latest(models_dir, "macro", available, exact=False)
    return macro_from_artefact(art), art


def save_fx(models_dir: Path, model: FXModel, created_at: datetime,
            metrics: dict[str, Any] | None = None, config: dict[str, Any] | None = None) -> Artefact:
    meta = {"feature_version": FEATURE_VERSIONS["fx"], "n_train": model.n_train,
            "class_counts": list(model.class_counts), "config": config or {}}
    return save_artefact(models_dir, "fx", features=model.features, train_start=model.train_start.date(),
                         train_end=model.train_end.date(), created_at=created_at,
                         arrays={"class_counts": np.array(model.class_counts)},
                         boosters={"classifier": model.booster}, metrics=metrics, meta=meta)


def load_fx(models_dir: Path) -> tuple[FXModel, Artefact]:
    art = load_latest(models_dir, "fx", FX_FEATURES)
    _check_feature_version(art, "fx")
    window = art.manifest["training_window"]
    model = FXModel(art.boosters["classifier"], art.features, pd.Timestamp(window["start"]),
                    pd.Timestamp(window["end"]), int(art.manifest["meta"]["n_train"]),
                    tuple(int(c) for c in art.manifest["meta"]["class_counts"]))
    return model, art


def save_crypto(models_dir: Path, model: CryptoModel, created_at: datetime,
                metrics: dict[str, Any] | None = None, config: dict[str, Any] | None = None) -> Artefact:
    meta = {"feature_version": FEATURE_VERSIONS["crypto"], "n_train": model.n_train,
            "trend_share": model.trend_share, "intercept": model.intercept, "config": config or {}}
    arrays = {"scaler_mean": model.scaler_mean, "scaler_scale": model.scaler_scale, "coef": model.coef}
    return save_artefact(models_dir, "crypto", features=model.features, train_start=model.train_start.date(),
                         train_end=model.train_end.date(), created_at=created_at, arrays=arrays,
                         boosters={"strength": model.booster}, metrics=metrics, meta=meta)


def load_crypto(models_dir: Path) -> tuple[CryptoModel, Artefact]:
    art = load_latest(models_dir, "crypto", CRYPTO_FEATURES)
    _check_feature_version(art, "crypto")
    _require(art, ("scaler_mean", "scaler_scale", "coef"))
    meta, window = art.manifest["meta"], art.manifest["training_window"]
    model = CryptoModel(art.features, art.arrays["scaler_mean"], art.arrays["scaler_scale"], art.arrays["coef"],
                        float(meta["intercept"]), art.boosters["strength"], pd.Timestamp(window["start"]),
                        pd.Timestamp(window["end"]), int(meta["n_train"]), float(meta["trend_share"]))
    return model, art
