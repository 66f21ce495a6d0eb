"""`dorado tui` wiring: the command builds the console from the engine's factories (stubbed here
with the recording backend until `dorado_tui.engine.console_backend` lands) and --json prints it."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from commands import tui as tui_command
from dorado_tui.home import Home
from dorado_tui.jobs import make_scheduler
from dorado_tui.tui.app import DoradoConsole
from tui.fakes import RecordingBackend, RecordingScheduler


@pytest.fixture
def factories(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A stand-in for the lead's factory module that remembers what it was asked for."""
    seen: dict[str, object] = {}
    module = types.ModuleType("dorado_tui.engine.console_backend")

    def build_console_backend(home: Home) -> RecordingBackend:
        seen["home"] = home
        seen["backend"] = RecordingBackend()
        return seen["backend"]  # type: ignore[return-value]

    def build_console_scheduler(home: Home, backend: RecordingBackend, make: object = None) -> RecordingScheduler:
        seen["scheduler_for"] = backend
        seen["scheduler_maker"] = make
        return RecordingScheduler()

    module.build_console_backend = build_console_backend  # type: ignore[attr-defined]
    module.build_console_scheduler = build_console_scheduler  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dorado_tui.engine.console_backend", module)
    return seen


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(tui_command.tui)
    return app


def test_json_prints_the_snapshot_and_closes_the_backend(factories: dict[str, object], tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["--json", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["snapshot"]["status"]["venue"] == "SIM"
    assert [c["id"] for c in data["snapshot"]["scan"]["candidates"]] == ["c-1", "c-2", "c-3", "c-4", "c-5"]
    backend = factories["backend"]
    assert isinstance(backend, RecordingBackend) and backend.names() == ["open", "close"]
    assert factories["home"] == Home.at(tmp_path.resolve(), "--home")


def test_the_console_gets_the_engine_backend_and_scheduler(factories: dict[str, object], tmp_path: Path) -> None:
    app = tui_command._build_app(tmp_path, 5.0, no_scheduler=False)
    assert isinstance(app, DoradoConsole)
    assert app.backend is factories["backend"] and factories["scheduler_for"] is app.backend
    assert isinstance(app.scheduler, RecordingScheduler) and app.refresh_seconds == 5.0
    assert factories["scheduler_maker"] is make_scheduler  # the job table, handed down from above the engine


def test_no_scheduler_attaches_read_only(factories: dict[str, object], tmp_path: Path) -> None:
    app = tui_command._build_app(tmp_path, 2.0, no_scheduler=True)
    assert app.scheduler is None and "scheduler_for" not in factories


def test_refresh_out_of_bounds_is_bad_input(factories: dict[str, object], tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["--refresh", "0.01", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "backend" not in factories
