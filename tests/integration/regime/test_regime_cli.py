"""`dorado regime …` end to end on a home whose store holds 4 simulated years."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.regime import app


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, [*args, "--home", str(home)])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def trained_home(stored_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stored home after `dorado regime train` (done once; copied per test)."""
    root = tmp_path_factory.mktemp("trained") / "home"
    shutil.copytree(stored_home, root)
    code, out, err = run(root, "train", "--json")
    assert code == 0, (out, err)
    return root


@pytest.fixture
def home(trained_home: Path, tmp_path: Path) -> Path:
    root = tmp_path / "home"
    shutil.copytree(trained_home, root)
    return root


def test_train_saves_three_versioned_models_with_metrics(trained_home: Path) -> None:
    models = trained_home / "state" / "models"
    for kind in ("macro", "fx", "crypto"):
        version = (models / kind / "LATEST").read_text().strip()
        manifest = json.loads((models / kind / version / "manifest.json").read_text())
        assert manifest["kind"] == kind and manifest["features"]
        assert manifest["training_window"]["end"] <= "2024-06-28"
    fx = json.loads((models / "fx" / (models / "fx" / "LATEST").read_text().strip() / "manifest.json").read_text())
    assert {"accuracy", "baseline_accuracy", "confusion", "calibration", "brier"} <= set(fx["metrics"])


def test_publish_then_show_every_model(home: Path) -> None:
    code, out, _ = run(home, "publish", "--json")
    assert code == 0 and json.loads(out)["published"] == {"macro": 1, "correlation": 1, "fx": 1, "crypto": 1}
    code, out, _ = run(home, "--json")
    shown = {m["model"]: m for m in json.loads(out)["models"]}
    assert code == 0 and set(shown) == {"macro", "fx", "crypto", "correlation"}
    macro = shown["macro"]["state"]
    assert macro["asof"] == "2024-06-28" and macro["model_version"].startswith("macro-")
    assert set(macro["probabilities"]) == {"risk_on", "goldilocks", "transition", "risk_off", "crisis", "recovery"}
    code, out, _ = run(home)
    assert code == 0 and "Regime radar at" in out and "correlation" in out


def test_history_prints_a_chart_and_the_regime_periods(home: Path) -> None:
    code, _, err = run(home, "backfill", "--from", "2024-05-01", "--json")
    assert code == 0, err
    code, out, _ = run(home, "history", "--model", "macro", "--from", "2024-05-01", "--to", "2024-06-28")
    assert code == 0
    assert "macro regime probabilities, 2024-05-01 → 2024-06-28" in out
    assert "2024-05-01 → " in out and " d\n" in out
    code, out, _ = run(home, "history", "--model", "correlation", "--json")
    states = json.loads(out)["states"]
    # one per XNYS session: 22 in May 2024 (Memorial Day), 19 in June (Juneteenth)
    assert len(states) == 41 and states[-1]["asof"] == "2024-06-28"


def test_corrupted_model_is_refused_by_name_and_the_rest_still_publish(home: Path) -> None:
    models = home / "state" / "models" / "macro"
    arrays = models / (models / "LATEST").read_text().strip() / "arrays.npz"
    arrays.write_bytes(arrays.read_bytes()[:-7] + b"garbage")
    code, out, _ = run(home, "publish", "--json")
    result = json.loads(out)
    assert code == 1
    assert result["problems"]["macro"] == f"refusing model file {arrays}: sha256 checksum mismatch (corrupted or modified)"
    assert result["published"] == {"correlation": 1, "fx": 1, "crypto": 1}


def test_unknown_model_and_reversed_dates_are_bad_input(home: Path) -> None:
    code, _, err = run(home, "history", "--model", "equities")
    assert code == 2 and "unknown regime model 'equities'" in err
    code, _, err = run(home, "history", "--from", "2024-06-01", "--to", "2024-05-01")
    assert code == 2 and "--from 2024-06-01 is after --to 2024-05-01" in err
    code, _, err = run(home, "train", "--model", "bonds")
    assert code == 2 and "unknown trainable model(s) bonds" in err


def test_training_on_an_empty_store_fails_with_the_fix(tmp_path: Path) -> None:
    from dorado_tui.home import Home, initialize

    initialize(Home.at(tmp_path / "empty"))
    code, out, _ = run(tmp_path / "empty", "train", "--model", "macro", "--json")
    assert code == 1
    assert "no daily bars in the store (run `dorado data simulate`" in out
