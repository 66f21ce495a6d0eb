"""Acceptance on the real simulated market: the macro HMM recovers the planted regimes, the
correlation regime sees crises as concentrated and calm markets as diversified.

The planted regimes are calm, normal, stressed, crisis, recovery; the model speaks of risk_on,
goldilocks, transition, risk_off, crisis, recovery. A day agrees when the model's regime is one of
the names that describe the planted one (fixed, not fitted to the data):
calm → risk_on/goldilocks, normal → goldilocks/transition, stressed → risk_off/transition,
crisis → crisis, recovery → recovery.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from regime_sim import SimHistory, simulated_history

from dorado_tui.regime.correlation import correlation_history
from dorado_tui.regime.features import macro_features
from dorado_tui.regime.macro import MacroConfig, fit_macro
from dorado_tui.regime.macro_walk import walk_forward

AGREES = {"calm": {"risk_on", "goldilocks"}, "normal": {"goldilocks", "transition"},
          "stressed": {"risk_off", "transition"}, "crisis": {"crisis"}, "recovery": {"recovery"}}


def _scores(regimes: pd.Series, planted: pd.Series) -> tuple[float, float]:
    truth = planted.reindex(regimes.index)
    agree = np.array([r in AGREES[p] for p, r in zip(truth, regimes, strict=True)])
    crisis = truth == "crisis"
    return float(agree.mean()), float((regimes[crisis] == "crisis").mean())


def test_macro_hmm_recovers_the_planted_regimes(sim20: SimHistory) -> None:
    # the model published after 20 years: fitted on all of them, read with the forward filter
    feats = macro_features(sim20.data)
    model = fit_macro(feats)
    regimes = model.to_labels(model.filter(feats.loc[model.train_start:])).idxmax(axis=1)
    agreement, crisis = _scores(regimes, sim20.planted)
    assert (sim20.planted.reindex(regimes.index) == "crisis").sum() >= 60
    assert agreement >= 0.70, agreement
    assert crisis >= 0.80, crisis


def test_walk_forward_macro_stays_close_out_of_sample(sim20: SimHistory) -> None:
    """Every day read by a model trained only on earlier years (yearly retraining after 3 years).
    Measured on this market: 0.76 agreement and 0.77 crisis coverage — below the in-sample
    figures because the first models have seen one crisis or none."""
    walk = walk_forward(macro_features(sim20.data), MacroConfig(n_restarts=2), every="YE", min_train=756)
    agreement, crisis = _scores(walk.regimes, sim20.planted)
    assert agreement >= 0.65, agreement
    assert crisis >= 0.60, crisis


@pytest.mark.parametrize("seed", [7, 5])
def test_correlation_regime_concentrated_in_crises_diversified_when_calm(sim20: SimHistory, seed: int) -> None:
    # seed 5 was not among the seeds the implied-correlation threshold was read from
    sim = sim20 if seed == 7 else simulated_history(20, seed=seed)
    history = correlation_history(sim.data)
    planted = sim.planted.reindex(history.index)
    concentrated = history["regime"] == "concentrated"
    assert (planted == "crisis").sum() >= 30
    assert concentrated[planted == "crisis"].mean() >= 0.80
    assert (~concentrated[planted == "calm"]).mean() >= 0.75
