"""Macro HMM: filtering against hmmlearn, naming by profile, restarts, configuration."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from regime_synthetic import Synthetic
from scipy.stats import multivariate_normal

from dorado_tui.regime.labels import LabelRules, name_state, name_states
from dorado_tui.regime.macro import FittedMacro, MacroConfig, fit_macro, gaussian_loglik


def _hmmlearn_twin(model: FittedMacro) -> object:
    from hmmlearn.hmm import GaussianHMM

    twin = GaussianHMM(n_components=model.n_states, covariance_type="full")
    twin.startprob_, twin.transmat_ = model.startprob, model.transmat
    twin.means_, twin.covars_ = model.means, model.covars
    return twin


def test_filter_equals_hmmlearn_posterior_at_the_end_of_every_prefix(fitted: FittedMacro,
                                                                     features: pd.DataFrame) -> None:
    rows = features.loc[fitted.train_start:]
    y = fitted.reduce(rows)
    ours = fitted.filter(rows).to_numpy()
    twin = _hmmlearn_twin(fitted)
    for end in (5, 40, 333, len(rows) - 1):
        # the smoother's posterior at the *last* observation is the filtered probability
        reference = twin.predict_proba(y[: end + 1])[-1]
        np.testing.assert_allclose(ours[end], reference, atol=1e-8)


def test_gaussian_loglik_matches_scipy(fitted: FittedMacro, features: pd.DataFrame) -> None:
    y = fitted.reduce(features.loc[fitted.train_start:].iloc[:50])
    ours = gaussian_loglik(y, fitted.means, fitted.covars)
    for k in range(fitted.n_states):
        ref = multivariate_normal(fitted.means[k], fitted.covars[k]).logpdf(y)
        np.testing.assert_allclose(ours[:, k], ref, rtol=1e-10)


def test_regime_probabilities_do_not_depend_on_state_order(fitted: FittedMacro, features: pd.DataFrame) -> None:
    perm = np.roll(np.arange(fitted.n_states), 2)
    shuffled = replace(
        fitted, startprob=fitted.startprob[perm], transmat=fitted.transmat[np.ix_(perm, perm)],
        means=fitted.means[perm], covars=fitted.covars[perm],
        state_labels=tuple(fitted.state_labels[i] for i in perm),
        state_profiles=tuple(fitted.state_profiles[i] for i in perm))
    rows = features.loc[fitted.train_start:]
    a = fitted.to_labels(fitted.filter(rows))
    b = shuffled.to_labels(shuffled.filter(rows))
    pd.testing.assert_frame_equal(a, b[a.columns], atol=1e-10)


def test_probabilities_sum_to_one_every_day(fitted: FittedMacro, features: pd.DataFrame) -> None:
    labels = fitted.to_labels(fitted.filter(features.loc[fitted.train_start:]))
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, atol=1e-12)


def test_best_restart_is_kept_and_run_to_convergence(fitted: FittedMacro) -> None:
    assert len(fitted.restart_scores) == 3
    assert fitted.log_likelihood >= max(fitted.restart_scores) - 1e-6


def test_planted_crisis_days_are_named_crisis_on_synthetic_data(fitted: FittedMacro, features: pd.DataFrame,
                                                                synth: Synthetic) -> None:
    rows = features.loc[fitted.train_start:]
    regimes = fitted.to_labels(fitted.filter(rows)).idxmax(axis=1)
    planted = synth.planted.reindex(regimes.index)
    assert "crisis" in fitted.state_labels
    assert (regimes[planted == "crisis"] == "crisis").mean() >= 0.8
    assert (regimes[planted == "calm"].isin(["risk_on", "goldilocks"])).mean() >= 0.6


@pytest.mark.parametrize("n", [3, 7])
def test_state_count_outside_four_to_six_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match=f"n_states must be 4–6, got {n}"):
        MacroConfig(n_states=n)


def test_too_little_data_is_refused(features: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"needs ≥ 120 complete days to train, got 50"):
        fit_macro(features.dropna().iloc[:50], MacroConfig())


def _profile(**kw: float) -> dict[str, float]:
    base = dict.fromkeys(("vol", "trend", "credit", "vol_change", "trend_change", "credit_change", "stress"), 0.0)
    base.update(kw)
    return base


@pytest.mark.parametrize(("profile", "expected"), [
    (_profile(vol=2.0, stress=2.0, vol_change=0.5), "crisis"),
    (_profile(vol=2.0, stress=2.0, vol_change=-0.5, credit_change=-0.4), "recovery"),
    (_profile(vol=0.8, stress=0.9, vol_change=-0.3, trend_change=0.2), "recovery"),
    (_profile(vol=0.8, stress=0.9, vol_change=0.3), "risk_off"),
    (_profile(vol=-0.9, trend=0.3, stress=-0.9), "risk_on"),
    (_profile(vol=-0.9, trend=-0.8, stress=-0.1), "transition"),
    (_profile(vol=0.1, trend=0.2, vol_change=0.6), "transition"),
    (_profile(vol=0.1, trend=0.4), "goldilocks"),
])
def test_naming_rules(profile: dict[str, float], expected: str) -> None:
    assert name_state(profile, LabelRules()) == expected


def test_most_stressed_state_is_crisis_from_one_sigma() -> None:
    profiles = [_profile(vol=1.2, stress=1.5, vol_change=0.4), _profile(vol=1.1, stress=1.0, vol_change=0.4),
                _profile(vol=-0.8, trend=0.4, stress=-0.9)]
    assert name_states(profiles) == ["crisis", "risk_off", "risk_on"]


def test_cached_whitening_loglik_equals_the_reference(fitted: FittedMacro, features: pd.DataFrame) -> None:
    y = fitted.reduce(features.loc[fitted.train_start:].iloc[:200])
    np.testing.assert_allclose(fitted.loglik(y), gaussian_loglik(y, fitted.means, fitted.covars), rtol=1e-10)


def test_incremental_daily_step_equals_a_full_refilter(fitted: FittedMacro, features: pd.DataFrame) -> None:
    from dorado_tui.regime.macro_outputs import MacroLive
    from dorado_tui.regime.macro_walk import latest_reading

    rows = features.loc[fitted.train_start:]
    live = MacroLive(fitted, rows.iloc[:-2])
    live.update(rows.index[-2], rows.iloc[-2])
    stepped = live.update(rows.index[-1], rows.iloc[-1])
    full = latest_reading(fitted, features)
    assert stepped.asof == full.asof == rows.index[-1]
    assert stepped.regime == full.regime and stepped.transition_alert == full.transition_alert
    assert stepped.drivers == full.drivers and len(full.drivers) == 5
    for name, p in full.probabilities.items():
        assert stepped.probabilities[name] == pytest.approx(p, abs=1e-12)
        assert stepped.trend_3d[name] == pytest.approx(full.trend_3d[name], abs=1e-12)


def test_drivers_name_the_input_whose_move_changed_the_regime(fitted: FittedMacro, features: pd.DataFrame) -> None:
    from dorado_tui.regime.macro_outputs import drivers

    rows = features.loc[fitted.train_start:].copy()
    probs = fitted.filter(rows).to_numpy()
    labels = fitted.to_labels(probs)
    # a day whose regime differs from three days before: something moved it
    pos = next(i for i in range(len(rows) - 1, 10, -1) if labels[i].argmax() != labels[i - 3].argmax())
    regime = fitted.labels[int(labels[pos].argmax())]
    scores = drivers(fitted, fitted.inputs(rows), probs, pos, regime)
    assert len(scores) == 5
    assert max(scores.values()) > 0.05  # freezing the top driver undoes a real share of the move
    assert list(scores) == sorted(scores, key=lambda k: -abs(scores[k]))


def test_trend_is_the_three_day_change_of_each_probability() -> None:
    from dorado_tui.regime.macro_outputs import trend

    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.4, 0.6]])
    np.testing.assert_allclose(trend(probs, 3), [-0.5, 0.5])
    np.testing.assert_allclose(trend(probs, 1), [-0.1, 0.1])  # short history: from the first row


@pytest.mark.parametrize(("rows", "alert"), [
    ([[0.95, 0.05]] * 4, False),                                   # steady and sure
    ([[0.95, 0.05]] * 3 + [[0.55, 0.45]], True),                   # confidence below 0.6
    ([[0.9, 0.1], [0.85, 0.15], [0.8, 0.2], [0.72, 0.28]], False),  # drift of 0.18 < 0.2
    ([[0.9, 0.1], [0.85, 0.15], [0.75, 0.25], [0.65, 0.35]], True),  # drift of 0.25
    ([[0.3, 0.7], [0.9, 0.1], [0.9, 0.1], [0.9, 0.1]], True),       # leader changed 3 days ago
])
def test_transition_alert_rules(rows: list[list[float]], alert: bool) -> None:
    from dorado_tui.regime.macro_outputs import transition_alert

    assert transition_alert(np.array(rows), 3) is alert


def test_forward_filter_carries_missing_days_and_survives_impossible_ones() -> None:
    from dorado_tui.regime.macro import forward_filter

    start, trans = np.array([1.0, 0.0]), np.array([[0.9, 0.1], [0.2, 0.8]])
    loglik = np.array([[0.0, -50.0], [np.nan, np.nan], [-1e5, 0.0]])
    post = forward_filter(loglik, start, np.eye(2))
    np.testing.assert_allclose(post[1], post[0])  # no observation: the prediction stands
    np.testing.assert_allclose(post[2], [0.0, 1.0])  # state 1 unreachable yet certain: uniform restart
    second = forward_filter(loglik[:2], start, trans)[1]
    np.testing.assert_allclose(second, post[0] @ trans)
