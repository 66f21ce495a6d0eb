"""`dorado data` commands against a real (SQLite) store in a fresh home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.data import app
from dorado_tui.home import Home, initialize
from dorado_tui.market.spec import load_spec

runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data-home")
    initialize(Home.at(root))
    return root


def _run(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_simulate_writes_every_series_and_records_the_spec(home: Path) -> None:
    code, out = _run("simulate", "--years", "1", "--seed", "3", "--home", str(home))

    assert code == 0, out
    assert set(out["bars"]) == {"SPY", "QQQ", "IWM", "TLT", "GLD", "SPX", "USDJPY", "AUDUSD", "BTC", "ETH",
                                "VIX", "VIX3M"}
    assert 245 <= out["bars"]["SPY"] <= 255 and 360 <= out["bars"]["BTC"] <= 367
    assert out["iv_rows"] == 6 * out["bars"]["SPY"]
    assert out["funding_rows"] == 2 * 3 * out["bars"]["BTC"]
    assert out["macro_rows"] == 7 * out["bars"]["SPY"]
    assert sum(out["regime_days"].values()) >= 365
    spec = load_spec(home / "state")
    assert spec is not None and spec.seed == 3


def test_import_with_bad_rows_imports_nothing_and_lists_line_numbers(home: Path, tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("date,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,10\n"
                   "2024-01-03,1,1,2,1,10\n2024-01-04,1,2,0.5,1.5,10\n2024-01-04,1,2,0.5,1.5,10\n")

    code, out = _run("import", str(csv), "--symbol", "ACME", "--home", str(home))
    show_code, shown = _run("show", "ACME", "--home", str(home))

    assert code == 2 and not out["ok"]
    assert out["problems"] == ["  line 3: high 1 is below low 2",
                               "  line 5: duplicate date 2024-01-04 (first on line 4)"]
    assert show_code == 2 and "no daily bars stored for ACME" in shown["error"]


def test_import_skip_bad_keeps_the_good_rows(home: Path, tmp_path: Path) -> None:
    csv = tmp_path / "mixed.csv"
    csv.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,2,0.5,1.5,1.4,10\n"
                   "2024-01-03,0,1,0.5,1,1,10\n2024-01-04,1,2,0.5,1.5,1.4,10\n")

    code, out = _run("import", str(csv), "--symbol", "acme2", "--skip-bad", "--home", str(home))
    _, shown = _run("show", "ACME2", "--home", str(home))

    assert code == 0 and out["imported"] == 2 and out["layout"] == "yahoo"
    assert out["rejected"] == ["line 3: non-positive price: open = 0"]
    assert [r["date"] for r in shown["rows"]] == ["2024-01-02", "2024-01-04"]


def test_export_csv_round_trips_through_import(home: Path, tmp_path: Path) -> None:
    code, out = _run("export", "QQQ", "--format", "csv", "--out", str(tmp_path), "--home", str(home))
    [written] = out["files"]
    back = runner.invoke(app, ["import", written["file"], "--symbol", "QQQCOPY", "--home", str(home), "--json"])
    _, original = _run("show", "QQQ", "--last", "5", "--home", str(home))
    _, copy = _run("show", "QQQCOPY", "--last", "5", "--home", str(home))

    assert code == 0 and back.exit_code == 0, back.stdout
    assert copy["rows"] == original["rows"] and copy["bars"] == original["bars"]


def test_export_parquet_and_unknown_symbol(home: Path, tmp_path: Path) -> None:
    import pandas as pd

    code, out = _run("export", "BTC", "ETH", "--format", "parquet", "--out", str(tmp_path), "--home", str(home))
    bad_code, bad = _run("export", "NOPE", "--out", str(tmp_path), "--home", str(home))

    assert code == 0 and len(out["files"]) == 2
    frame = pd.read_parquet(out["files"][0]["file"])
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"] and len(frame) == out["files"][0]["rows"]
    assert bad_code == 2 and "NOPE" in bad["error"]


def test_simulate_rejects_out_of_range_years(home: Path) -> None:
    result = runner.invoke(app, ["simulate", "--years", "0", "--home", str(home)])

    assert result.exit_code == 2
