"""Out-of-sample validation figures: accuracy, confusion matrix, calibration, Brier score."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts[i, j] = days whose true class is i and predicted class is j."""
    out = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(out, (y_true.astype(int), y_pred.astype(int)), 1)
    return out


def calibration(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Reliability table: per bin of predicted probability, its mean and the observed hit rate.

    For a classifier `confidence` is the probability given to the predicted class and `correct`
    whether that class was right; for a binary model pass P(positive) and the outcome.
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append({"lo": float(edges[b]), "hi": float(edges[b + 1]), "n": int(mask.sum()),
                         "predicted": float(confidence[mask].mean()), "observed": float(correct[mask].mean())})
    return rows


def expected_calibration_error(table: list[dict[str, float]]) -> float:
    """Sample-weighted mean |predicted − observed| over the reliability bins."""
    total = sum(r["n"] for r in table)
    return float(sum(r["n"] * abs(r["predicted"] - r["observed"]) for r in table) / total) if total else float("nan")


def brier(probs: np.ndarray, y_true: np.ndarray) -> float:
    """Multi-class Brier score: mean squared distance between the probabilities and one-hot truth."""
    onehot = np.zeros_like(probs)
    onehot[np.arange(len(y_true)), y_true.astype(int)] = 1.0
    return float(((probs - onehot) ** 2).sum(axis=1).mean())


def classification_report(probs: np.ndarray, y_true: np.ndarray, classes: Sequence[str],
                          baseline: np.ndarray | None = None) -> dict[str, Any]:
    """Accuracy, confusion matrix, calibration and Brier for out-of-sample predictions.

    `baseline`, when given, is a naive prediction (e.g. the training window's most frequent
    class) whose accuracy is reported alongside, so a model is never praised for base rates.
    """
    if len(y_true) == 0:
        return {"n": 0, "classes": list(classes)}
    pred = probs.argmax(axis=1)
    correct = (pred == y_true).astype(float)
    table = calibration(probs.max(axis=1), correct)
    out: dict[str, Any] = {
        "n": len(y_true), "classes": list(classes), "accuracy": float(correct.mean()),
        "confusion": confusion(y_true, pred, len(classes)).tolist(),
        "calibration": table, "ece": expected_calibration_error(table), "brier": brier(probs, y_true),
        "class_share": {c: float((y_true == i).mean()) for i, c in enumerate(classes)},
    }
    if baseline is not None:
        out["baseline_accuracy"] = float((baseline == y_true).mean())
    return out
