"""FX and crypto models: forward labels on hand-built paths, stage-1 maths, walk-forward report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from regime_synthetic import Synthetic

from dorado_tui.domain.regime import FX_REGIMES
from dorado_tui.regime.crypto import CryptoConfig, fit_crypto, validate_crypto
from dorado_tui.regime.crypto_features import (
    CRYPTO_FEATURES,
    CryptoSpec,
    crypto_samples,
    trend_labels,
)
from dorado_tui.regime.fx import FXConfig, validate_fx
from dorado_tui.regime.fx_features import FX_FEATURES, FXSpec, fx_samples, pair_labels
from dorado_tui.regime.indicators import rolling_hurst

DAYS = pd.bdate_range("2024-01-01", periods=3)


def _fx_case(end_move: float, rate_diff: float, ret60: float, z60: float) -> str:
    close = pd.Series([100.0, 100.0, 100.0 * np.exp(end_move)], index=DAYS)
    feats = pd.DataFrame({"rate_diff": rate_diff, "ret60": ret60, "z60": z60, "rv20": 0.10}, index=DAYS)
    label = pair_labels(close, feats, FXSpec(horizon=2)).iloc[0]
    return FX_REGIMES[int(label)]


def test_fx_label_carry_when_the_high_yielder_rallies() -> None:
    assert _fx_case(+0.05, rate_diff=2.0, ret60=0.03, z60=1.0) == "carry"


def test_fx_label_momentum_when_the_trend_wins_against_carry() -> None:
    assert _fx_case(-0.008, rate_diff=2.0, ret60=-0.03, z60=-1.0) == "momentum"


def test_fx_label_mean_reversion_when_a_stretched_pair_snaps_back() -> None:
    assert _fx_case(-0.008, rate_diff=2.0, ret60=0.03, z60=2.0) == "mean_reversion"


def test_fx_label_risk_off_unwind_when_carry_crashes() -> None:
    # carry long loses 5 % against a 1.5 σ band of 0.1·√(2/252)·1.5 ≈ 1.3 %
    assert _fx_case(-0.05, rate_diff=2.0, ret60=-0.03, z60=-1.0) == "risk_off_unwind"


def test_fx_labels_past_the_data_are_unknown() -> None:
    close = pd.Series([100.0, 101.0, 102.0], index=DAYS)
    feats = pd.DataFrame({"rate_diff": 1.0, "ret60": 0.1, "z60": 1.0, "rv20": 0.1}, index=DAYS)
    labels = pair_labels(close, feats, FXSpec(horizon=2))
    assert labels.iloc[1:].isna().all()


def test_crypto_straight_line_is_a_trend_and_zigzag_is_not() -> None:
    days = pd.date_range("2024-01-01", periods=15)
    line = pd.Series(np.exp(0.01 * np.arange(15)) * 100, index=days)
    zig = pd.Series(100 * np.exp(0.03 * (np.arange(15) % 2)), index=days)
    vol = pd.Series(0.5, index=days)
    spec = CryptoSpec(horizon=14)
    up = trend_labels(line, vol, spec).iloc[0]
    flat = trend_labels(zig, vol, spec).iloc[0]
    expected_strength = 1.0 * 0.14 / (0.5 * np.sqrt(14 / 365))
    assert up["trend"] == 1.0 and up["strength"] == pytest.approx(expected_strength)
    assert flat["trend"] == 0.0
    assert trend_labels(line, vol, spec).iloc[1:].isna().all().all()


def test_stage_one_numpy_probability_equals_scikit_learn(synth: Synthetic) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rows = crypto_samples(synth.data).frame.dropna(subset=["target"])
    model = fit_crypto(rows, CryptoConfig(n_estimators=5))
    x = rows.loc[:, list(CRYPTO_FEATURES)].to_numpy()
    scaler = StandardScaler().fit(x)
    ref = LogisticRegression(C=0.1, l1_ratio=1.0, solver="liblinear", random_state=0)
    ref.fit(scaler.transform(x), rows["target"].to_numpy(dtype=int))
    np.testing.assert_allclose(model.p_trend(rows), ref.predict_proba(scaler.transform(x))[:, 1], atol=1e-12)
    assert set(model.active_features()) <= set(CRYPTO_FEATURES)


def _ar1_prices(phi: float, n: int, rng: np.random.Generator) -> pd.Series:
    eps = rng.standard_normal(n)
    r = np.empty(n)
    r[0] = eps[0]
    for t in range(1, n):
        r[t] = phi * r[t - 1] + eps[t]
    return pd.Series(100 * np.exp(np.cumsum(0.01 * r)))


def test_rolling_hurst_orders_persistent_random_and_antipersistent_paths() -> None:
    rng = np.random.default_rng(5)
    means = [float(rolling_hurst(_ar1_prices(phi, 1500, rng), 100).mean()) for phi in (0.6, 0.0, -0.6)]
    assert means[0] > means[1] + 0.05 > means[2] + 0.1


def test_fx_walk_forward_report_is_out_of_sample_and_complete(synth: Synthetic) -> None:
    report, preds = validate_fx(fx_samples(synth.data), FXConfig(n_estimators=20, every="YE", min_train=400))
    assert report["n"] == int(np.sum(report["confusion"]))
    assert report["classes"] == list(FX_REGIMES)
    assert 0.0 <= report["accuracy"] <= 1.0 and "baseline_accuracy" in report
    assert sum(b["n"] for b in report["calibration"]) == report["n"]
    assert report["models"] >= 3
    assert preds[list(FX_REGIMES)].sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert list(FX_FEATURES) == list(fx_samples(synth.data).features)


def test_crypto_walk_forward_reports_both_stages(synth: Synthetic) -> None:
    report, _ = validate_crypto(crypto_samples(synth.data), CryptoConfig(n_estimators=20, every="YE", min_train=400))
    assert report["stage1"]["classes"] == ["trending", "no_trend"]
    assert report["stage1"]["n"] == int(np.sum(report["stage1"]["confusion"]))
    assert {"spearman", "r2", "mae", "n"} <= set(report["stage2"])
    assert 0.0 <= report["stage1"]["p_trend_ece"] <= 1.0
