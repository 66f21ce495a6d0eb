"""No lookahead: deleting or perturbing every datum after day t leaves every output for days ≤ t
unchanged — features, macro walk-forward, correlation history, FX and crypto walk-forward, and the
radar's published states."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from regime_synthetic import Synthetic

from dorado_tui.domain.clock import FixedClock
from dorado_tui.regime.classifier_walk import walk_forward as classifier_walk
from dorado_tui.regime.correlation import correlation_history
from dorado_tui.regime.crypto import CryptoConfig, fit_crypto
from dorado_tui.regime.crypto_features import crypto_samples
from dorado_tui.regime.features import macro_features
from dorado_tui.regime.fx import FXConfig, fit_fx
from dorado_tui.regime.fx_features import fx_samples
from dorado_tui.regime.inputs import MarketFrames
from dorado_tui.regime.macro import MacroConfig
from dorado_tui.regime.macro_walk import walk_forward
from dorado_tui.regime.radar import RadarConfig, RegimeRadar

CUT = pd.Timestamp("2010-03-17")  # a Wednesday ~6 years into the synthetic history


def _perturbed(data: MarketFrames, t: pd.Timestamp, seed: int = 99) -> MarketFrames:
    """Every value dated after t replaced by something else (prices scaled by random factors)."""
    rng = np.random.default_rng(seed)

    def shake(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        later = out.index > t
        out.loc[later] = out.loc[later] * np.exp(rng.normal(0, 0.2, size=out.loc[later].shape))
        return out

    return MarketFrames(shake(data.closes), shake(data.macro))


@pytest.fixture(scope="module")
def variants(synth: Synthetic) -> dict[str, MarketFrames]:
    return {"cut": synth.data.until(CUT), "perturbed": _perturbed(synth.data, CUT)}


def _same_through(full: pd.DataFrame, other: pd.DataFrame, t: pd.Timestamp) -> None:
    left, right = full.loc[:t], other.loc[:t]
    assert len(left) > 0
    pd.testing.assert_frame_equal(left, right, check_exact=True)


def test_perturbation_really_changes_later_data(synth: Synthetic, variants: dict[str, MarketFrames]) -> None:
    later = synth.data.closes.index > CUT
    assert not np.allclose(synth.data.closes.loc[later, "SPY"].dropna(),
                           variants["perturbed"].closes.loc[later, "SPY"].dropna())


@pytest.mark.parametrize("kind", ["cut", "perturbed"])
def test_macro_features_through_t_ignore_later_data(synth: Synthetic, variants: dict[str, MarketFrames],
                                                    kind: str) -> None:
    _same_through(macro_features(synth.data), macro_features(variants[kind]), CUT)


@pytest.mark.parametrize("kind", ["cut", "perturbed"])
def test_correlation_history_through_t_ignores_later_data(synth: Synthetic, variants: dict[str, MarketFrames],
                                                          kind: str) -> None:
    _same_through(correlation_history(synth.data), correlation_history(variants[kind]), CUT)


def test_macro_walk_forward_through_t_ignores_later_data(synth: Synthetic,
                                                         variants: dict[str, MarketFrames]) -> None:
    config = MacroConfig(n_restarts=2)
    runs = {name: walk_forward(macro_features(d), config, every="YE", min_train=504)
            for name, d in {"full": synth.data, **variants}.items()}
    assert runs["full"].model_end.loc[:CUT].nunique() >= 2  # several retrainings before t
    for name in variants:
        _same_through(runs["full"].label_probs, runs[name].label_probs, CUT)
    assert runs["full"].label_probs.index[-1] > CUT


def _keyed(preds: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    keyed = preds.copy()
    keyed.index = pd.MultiIndex.from_arrays([frame.loc[preds.index, "date"], frame.loc[preds.index, "asset"]])
    return keyed.sort_index()


@pytest.mark.parametrize("model", ["fx", "crypto"])
def test_classifier_walk_forward_through_t_ignores_later_data(synth: Synthetic,
                                                              variants: dict[str, MarketFrames],
                                                              model: str) -> None:
    if model == "fx":
        make, fit = fx_samples, (lambda rows: fit_fx(rows, FXConfig(n_estimators=20)))
    else:
        make, fit = crypto_samples, (lambda rows: fit_crypto(rows, CryptoConfig(n_estimators=20)))
    outputs = {}
    for name, data in {"full": synth.data, **variants}.items():
        samples = make(data)
        preds = classifier_walk(samples, fit, every="YE", min_train=400)
        outputs[name] = _keyed(preds, samples.frame)
    full = outputs["full"].loc[:CUT]
    assert full.index.get_level_values(0).nunique() > 100
    assert full["model_start"].nunique() >= 2
    for name in variants:
        pd.testing.assert_frame_equal(full, outputs[name].loc[:CUT], check_exact=True)


def test_training_rows_labels_were_known_before_the_model_took_over(synth: Synthetic) -> None:
    samples = fx_samples(synth.data)
    seen: list[pd.Timestamp] = []

    def spy_fit(rows: pd.DataFrame) -> object:
        seen.append(rows["label_date"].max())
        return fit_fx(rows, FXConfig(n_estimators=5))

    preds = classifier_walk(samples, spy_fit, every="YE", min_train=400)
    starts = sorted(preds["model_start"].unique())
    assert len(seen) == len(starts)
    for last_label, start in zip(seen, starts, strict=True):
        assert last_label < start


def test_radar_states_for_t_ignore_later_data(synth: Synthetic, variants: dict[str, MarketFrames],
                                              tmp_path: Path) -> None:
    clock = FixedClock(datetime(2010, 3, 18, 21, 0, tzinfo=UTC))
    config = RadarConfig(macro=MacroConfig(n_restarts=2), fx=FXConfig(n_estimators=20, every="YE", min_train=400),
                         crypto=CryptoConfig(n_estimators=20, every="YE", min_train=400))
    radar = RegimeRadar(tmp_path, clock, config)
    trained = radar.train(synth.data.until(pd.Timestamp("2009-12-31")))
    assert all(r.error is None for r in trained), trained
    states = {name: radar.compute(d, CUT) for name, d in {"full": synth.data, **variants}.items()}
    assert states["full"].problems == {}
    assert {s.model.value for s in states["full"].states} == {"macro", "correlation", "fx", "crypto"}
    for name in variants:
        assert states[name].states == states["full"].states
