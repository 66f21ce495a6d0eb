"""Model artefacts: round trip, and refusal (file + reason) of corrupted or mismatched models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from regime_synthetic import Synthetic

from dorado_tui.regime.artefacts import (
    MANIFEST,
    ModelArtefactError,
    latest_path,
    list_versions,
    load_artefact,
    save_artefact,
)
from dorado_tui.regime.crypto import CryptoConfig, fit_crypto
from dorado_tui.regime.crypto_features import crypto_samples
from dorado_tui.regime.fx import FXConfig, fit_fx
from dorado_tui.regime.fx_features import fx_samples
from dorado_tui.regime.macro import FittedMacro
from dorado_tui.regime.model_io import (
    load_crypto,
    load_fx,
    load_macro,
    save_crypto,
    save_fx,
    save_macro,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture()
def saved_macro(tmp_path: Path, fitted: FittedMacro) -> Path:
    art = save_macro(tmp_path, fitted, NOW, metrics={"log_likelihood": fitted.log_likelihood})
    return art.path


def test_macro_round_trip_predicts_identically(tmp_path: Path, fitted: FittedMacro, features: pd.DataFrame,
                                               saved_macro: Path) -> None:
    loaded, art = load_macro(tmp_path, tuple(features.columns))
    rows = features.loc[fitted.train_start:]
    pd.testing.assert_frame_equal(loaded.filter(rows), fitted.filter(rows), check_exact=True)
    assert loaded.state_labels == fitted.state_labels
    assert art.manifest["training_window"] == {"start": str(fitted.train_start.date()),
                                               "end": str(fitted.train_end.date())}
    assert art.manifest["features"] == list(fitted.feature_names)
    assert art.version.startswith("macro-20240501T120000-")
    assert latest_path(tmp_path, "macro") == saved_macro


def test_xgboost_models_round_trip_through_json(tmp_path: Path, synth: Synthetic) -> None:
    fx_rows = fx_samples(synth.data).frame.dropna(subset=["target"])
    fx = fit_fx(fx_rows, FXConfig(n_estimators=10))
    save_fx(tmp_path, fx, NOW)
    fx_back, fx_art = load_fx(tmp_path)
    np.testing.assert_array_equal(fx_back.probabilities(fx_rows.iloc[:50]), fx.probabilities(fx_rows.iloc[:50]))
    assert sorted(fx_art.manifest["files"]) == ["arrays.npz", "classifier.json"]

    cr_rows = crypto_samples(synth.data).frame.dropna(subset=["target"])
    crypto = fit_crypto(cr_rows, CryptoConfig(n_estimators=10))
    save_crypto(tmp_path, crypto, NOW)
    back, _ = load_crypto(tmp_path)
    pd.testing.assert_frame_equal(back.predict(cr_rows.iloc[:50]), crypto.predict(cr_rows.iloc[:50]))


def test_corrupted_array_file_is_refused_naming_it(tmp_path: Path, saved_macro: Path,
                                                   features: pd.DataFrame) -> None:
    target = saved_macro / "arrays.npz"
    blob = bytearray(target.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    target.write_bytes(bytes(blob))
    with pytest.raises(ModelArtefactError) as err:
        load_macro(tmp_path, tuple(features.columns))
    assert err.value.message == f"refusing model file {target}: sha256 checksum mismatch (corrupted or modified)"


def test_truncated_manifest_is_refused(tmp_path: Path, saved_macro: Path) -> None:
    manifest = saved_macro / MANIFEST
    manifest.write_text(manifest.read_text()[:40])
    with pytest.raises(ModelArtefactError, match=rf"refusing model file {manifest}: manifest is not valid JSON"):
        load_artefact(saved_macro, "macro")


def test_edited_manifest_is_refused(tmp_path: Path, saved_macro: Path) -> None:
    manifest = saved_macro / MANIFEST
    body = json.loads(manifest.read_text())
    body["features"] = [*body["features"][:-1], "something_else"]
    manifest.write_text(json.dumps(body))
    with pytest.raises(ModelArtefactError, match="manifest content hash mismatch"):
        load_artefact(saved_macro, "macro")


def test_data_without_a_model_feature_is_refused(tmp_path: Path, saved_macro: Path,
                                                 features: pd.DataFrame) -> None:
    without_curve = tuple(c for c in features.columns if c != "curve_2s10s")
    with pytest.raises(ModelArtefactError) as err:
        load_macro(tmp_path, without_curve)
    assert err.value.message == (f"refusing model file {saved_macro / MANIFEST}: feature mismatch: the model was "
                                 "trained on 8 features; the data lacks curve_2s10s")


def test_exact_feature_lists_refuse_extra_and_reordered_features(tmp_path: Path) -> None:
    art = save_artefact(tmp_path, "toy", features=("a", "b"), train_start="2020-01-01",
                        train_end="2020-12-31", created_at=NOW, arrays={"w": np.ones(2)})
    with pytest.raises(ModelArtefactError, match="the data has features the model never saw: c"):
        load_artefact(art.path, "toy", ("a", "b", "c"))
    with pytest.raises(ModelArtefactError, match="same features in another order"):
        load_artefact(art.path, "toy", ("b", "a"))


def test_model_of_another_kind_is_refused(tmp_path: Path, saved_macro: Path) -> None:
    with pytest.raises(ModelArtefactError, match="this is a macro model, expected fx"):
        load_artefact(saved_macro, "fx")


def test_missing_model_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ModelArtefactError, match=r"LATEST: no trained fx model \(run `dorado regime train`\)"):
        load_fx(tmp_path)


def test_object_arrays_are_never_unpickled(tmp_path: Path) -> None:
    art = save_artefact(tmp_path, "toy", features=("a",), train_start="2020-01-01", train_end="2020-12-31",
                        created_at=NOW, arrays={"w": np.ones(1)})
    # replace the arrays with a pickled object array and forge matching checksums
    np.savez(art.path / "arrays.npz", w=np.array([{"code": "evil"}], dtype=object))
    manifest = json.loads((art.path / MANIFEST).read_text())
    import hashlib

    manifest["files"]["arrays.npz"] = hashlib.sha256((art.path / "arrays.npz").read_bytes()).hexdigest()
    from dorado_tui.regime.artefacts import content_hash

    manifest["content_hash"] = content_hash(manifest)
    (art.path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelArtefactError, match=r"arrays unreadable .*allow_pickle=False"):
        load_artefact(art.path, "toy")


def test_feature_definition_version_mismatch_is_refused(tmp_path: Path, saved_macro: Path,
                                                        features: pd.DataFrame,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import dorado_tui.regime.model_io as io

    monkeypatch.setitem(io.FEATURE_VERSIONS, "macro", 2)
    with pytest.raises(ModelArtefactError, match="feature definitions v1 differ from this Dorado's v2"):
        load_macro(tmp_path, tuple(features.columns))


def test_every_training_keeps_its_version(tmp_path: Path, fitted: FittedMacro) -> None:
    first = save_macro(tmp_path, fitted, NOW)
    second = save_macro(tmp_path, fitted, datetime(2024, 6, 1, tzinfo=UTC))
    assert list_versions(tmp_path, "macro") == sorted([first.version, second.version])
    assert latest_path(tmp_path, "macro").name == second.version


def test_retraining_is_due_when_a_new_month_starts_or_no_model_exists(tmp_path: Path, fitted: FittedMacro) -> None:
    from dorado_tui.domain.clock import FixedClock
    from dorado_tui.regime.radar import RegimeRadar

    radar = RegimeRadar(tmp_path, FixedClock(NOW))
    assert radar.retrain_due(pd.Timestamp("2011-01-03")) == {"macro": True, "fx": True, "crypto": True}
    save_macro(tmp_path, fitted, NOW)
    end = fitted.train_end
    assert radar.retrain_due(end)["macro"] is False
    assert radar.retrain_due(end + pd.offsets.MonthBegin(1))["macro"] is True
