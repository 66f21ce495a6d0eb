"""The `dorado` console script: help, exit codes, one-line errors, completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import commands.main as main

DORADO = str(Path(sys.executable).with_name("dorado"))


def _dorado(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DORADO_")}
    return subprocess.run([DORADO, *args], capture_output=True, text=True, timeout=120,
                          env={**base, "NO_COLOR": "1", **(env or {})}, check=False)


def test_help_lists_commands_and_documents_exit_codes() -> None:
    done = _dorado("--help")

    assert done.returncode == 0
    assert "init" in done.stdout and "config" in done.stdout and "--home" in done.stdout
    assert "Exit codes: 0 ok, 1 failure, 2 bad input" in " ".join(done.stdout.split())


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")

    done = _dorado("--home", str(not_a_dir), "init")

    assert done.returncode == 2
    assert done.stderr.strip() == f"error: the home {not_a_dir} exists and is not a directory"


def test_store_failure_is_one_line_and_exit_1(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(main.app, ["init", "--home", str(tmp_path / "h")],
                                env={"DORADO_STORE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"})

    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: migrating the store at postgresql+asyncpg://nobody@127.0.0.1:1/none failed:")


def test_unexpected_error_is_one_line_unless_debug(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    def boom() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(main, "app", boom)
    with pytest.raises(SystemExit) as exited:
        main.run()
    assert exited.value.code == 1
    assert capsys.readouterr().err.strip() == "error: RuntimeError: boom (set DORADO_DEBUG=1 for the traceback)"

    monkeypatch.setenv("DORADO_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main.run()


def test_shell_completion_completes_commands() -> None:
    done = _dorado(env={"_DORADO_COMPLETE": "complete_bash", "COMP_WORDS": "dorado con", "COMP_CWORD": "1"})

    assert done.returncode == 0
    assert done.stdout.split() == ["config"]
