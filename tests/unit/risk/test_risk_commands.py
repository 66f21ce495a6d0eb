"""`dorado kill`, `dorado resume` and `dorado risk` through Typer, on a fresh home (simulation venue)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from commands.kill import kill, resume
from commands.main import app as main_app
from commands.risk import risk

runner = CliRunner()


def _app() -> typer.Typer:
    # commands/main.py mounts these once the lead registers them; the test mounts them itself.
    app = typer.Typer()
    app.command("kill")(kill)
    app.command("resume")(resume)
    app.command("risk")(risk)
    return app


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("home")
    result = runner.invoke(main_app, ["init", "--home", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_kill_then_resume_then_risk(home: Path) -> None:
    app = _app()
    killed = runner.invoke(app, ["kill", "--home", str(home), "--json"])
    assert killed.exit_code == 0, killed.output
    doc = json.loads(killed.output)
    assert (doc["ok"], doc["state"], doc["still_working"]) == (True, "HALTED", [])

    resumed = runner.invoke(app, ["resume", "--home", str(home), "--reason", "drill over", "--json"])
    assert resumed.exit_code == 0, resumed.output
    doc = json.loads(resumed.output)
    assert (doc["previous"], doc["state"], doc["cleared"], doc["reason"]) == (
        "HALTED", "ACTIVE", ["KILL_SWITCH"], "drill over")

    shown = runner.invoke(app, ["risk", "--home", str(home), "--json"])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.output)
    checks = {d["check"] for d in doc["limits"]}
    assert {"portfolio.heat", "portfolio.var99", "portfolio.stress", "portfolio.min_cash"} <= checks
    assert len(doc["stress"]["pnl_pct"]) == 8 and len(doc["stress"]["pnl_pct"][0]) == 5
    assert {d["check"] for d in doc["breakers"]} >= {"breaker.daily_loss", "breaker.drawdown_reduce"}
    assert doc["trading_states"]["global"]["state"] == "ACTIVE"


def test_flatten_needs_confirmation(home: Path) -> None:
    result = runner.invoke(_app(), ["kill", "--flatten", "--home", str(home)], input="n\n")
    assert result.exit_code == 2
    assert "flatten not confirmed: nothing done" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--reason", "  "], "a resume needs a reason"), (["--reason", "x", "--scope", "desk:1"], "unknown scope")],
)
def test_resume_refuses_bad_input_before_touching_anything(home: Path, args: list[str], message: str) -> None:
    result = runner.invoke(_app(), ["resume", "--home", str(home), *args])
    assert result.exit_code == 2
    assert message in result.output
