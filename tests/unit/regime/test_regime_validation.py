"""Validation figures and retraining schedules on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dorado_tui.regime.schedule import retrain_positions, segments
from dorado_tui.regime.validation import brier, calibration, classification_report, confusion


def test_confusion_counts_true_rows_by_predicted_columns() -> None:
    out = confusion(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
    assert out.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]


def test_brier_of_certain_right_and_coin_flip() -> None:
    probs = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert brier(probs, np.array([0, 0])) == pytest.approx(0.25)


def test_calibration_bins_hold_mean_prediction_and_hit_rate() -> None:
    conf = np.array([0.15, 0.18, 0.92, 0.95])
    hits = np.array([0.0, 1.0, 1.0, 1.0])
    table = calibration(conf, hits, bins=10)
    assert [(r["lo"], r["n"]) for r in table] == [(0.1, 2), (0.9, 2)]
    assert table[0]["predicted"] == pytest.approx(0.165) and table[0]["observed"] == 0.5


def test_report_compares_with_the_baseline() -> None:
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    report = classification_report(probs, np.array([0, 1, 1]), ("a", "b"), baseline=np.array([0, 0, 0]))
    assert report["accuracy"] == pytest.approx(2 / 3)
    assert report["baseline_accuracy"] == pytest.approx(1 / 3)
    assert report["confusion"] == [[1, 0], [1, 1]]


def test_monthly_schedule_starts_after_the_minimum_then_each_month() -> None:
    index = pd.bdate_range("2024-01-01", "2024-04-30")
    pos = retrain_positions(index, np.ones(len(index), bool), 30, "ME")
    assert index[pos[0]] == index[30]
    assert [index[p].strftime("%m-%d") for p in pos[1:]] == ["03-01", "04-01"]
    assert segments(pos, len(index))[-1] == (pos[-1], len(index))


def test_schedule_of_a_cut_history_is_a_prefix_of_the_full_one() -> None:
    index = pd.bdate_range("2020-01-01", "2022-12-30")
    valid = np.ones(len(index), bool)
    full = retrain_positions(index, valid, 100, "QE")
    for k in range(101, len(index), 37):
        assert retrain_positions(index[:k], valid[:k], 100, "QE") == [p for p in full if p < k]


def test_unknown_schedule_is_refused() -> None:
    index = pd.bdate_range("2024-01-01", periods=50)
    with pytest.raises(ValueError, match="unknown retraining schedule 'fortnight'"):
        retrain_positions(index, np.ones(50, bool), 10, "fortnight")
