"""The console in a real pseudo-terminal: tmux starts it, sends keys, reads the screen, sees it quit.

`recording` drives tests/tui/launcher.py over the seeded recording backend; `dorado tui` drives
the installed binary over the real engine (simulation venue, built-in scheduler) in a fresh home.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(sys.executable)
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """One detached tmux session running a command at a fixed size.

    The command runs under `sh`, which writes its exit status to a file: tmux marks a pane dead
    when its terminal closes, and under load may report the status only much later (the
    process is then a zombie tmux has not reaped), so the file is the reliable witness.
    """

    def __init__(self, command: list[str], env: dict[str, str], size: tuple[int, int] = (100, 30)) -> None:
        self.name = f"dorado-test-{uuid.uuid4().hex[:8]}"
        fd, status = tempfile.mkstemp(prefix=f"{self.name}-", suffix=".status")
        os.close(fd)
        self.status_file = Path(status)
        self.status_file.unlink()
        env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        script = f"{shlex.join(command)}; echo $? > {shlex.quote(str(self.status_file))}"
        self._tmux("new-session", "-d", "-s", self.name, "-x", str(size[0]), "-y", str(size[1]), *env_args,
                   shlex.join(["sh", "-c", script]))
        self._tmux("set-option", "-t", self.name, "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", *args], capture_output=True, text=True, check=True, timeout=10)
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.name, *keys)

    def pane(self, field: str) -> str:
        return self._tmux("display-message", "-p", "-t", self.name, f"#{{{field}}}").strip()

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        """Poll the screen until `predicate` holds (the console paints asynchronously)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen was:\n{text}")
            time.sleep(0.1)

    def wait_exit(self, timeout: float = 15.0) -> int:
        """The console's exit status, once it has exited."""
        deadline = time.monotonic() + timeout
        while not self.status_file.exists() or not self.status_file.read_text().strip():
            if time.monotonic() > deadline:
                raise AssertionError(f"console did not exit; screen was:\n{self.screen()}")
            time.sleep(0.1)
        return int(self.status_file.read_text())

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True, check=False)
        self.status_file.unlink(missing_ok=True)


def _env(**extra: str) -> dict[str, str]:
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL") if k in os.environ}
    return {**keep, "TERM": "xterm-256color", "COLORTERM": "", **extra}


@pytest.fixture
def launcher() -> Iterator[Tmux]:
    session = Tmux([str(PYTHON), str(ROOT / "tests/tui/launcher.py")],
                   _env(DORADO_TUI_TEST_BACKEND="recording", DORADO_TUI_TEST_IN_FLIGHT="1"))
    try:
        yield session
    finally:
        session.close()


def test_console_starts_reacts_to_keys_and_quits_cleanly(launcher: Tmux) -> None:
    screen = launcher.wait_for(lambda s: "Risk & breakers" in s and "10:30:00 EST" in s, "the dashboard")
    assert "1 Dashboard" in screen and "^k KILL" in screen

    launcher.keys("2")
    launcher.wait_for(lambda s: "Candidates (ranked)" in s and "569/564P 596/601C" in s, "the candidates screen")
    launcher.keys("?")
    launcher.wait_for(lambda s: "KILL SWITCH: HALTED now" in s, "the help screen")
    launcher.keys("Escape")  # alone: an escape followed at once by a key reads as alt+key
    launcher.wait_for(lambda s: "KILL SWITCH: HALTED now" not in s, "the help screen to close")

    launcher.keys("q")  # one order in flight: the console asks first
    launcher.wait_for(lambda s: "Quit Dorado?" in s and "1 order(s) are in flight" in s, "the quit question")
    launcher.keys("n")
    launcher.wait_for(lambda s: "Quit Dorado?" not in s, "the question to go away")

    launcher.keys("C-k")
    launcher.wait_for(lambda s: "HALTED by kill switch" in s, "the kill banner")
    launcher.keys("q")  # the kill cancelled the working order: no question now
    assert launcher.wait_exit() == 0


def _engine_home(root: Path) -> None:
    """`dorado init`, then a simulated market starting 2024 (a few seconds to build, not the
    default's thirty years: the test is about the binary, not the market's length)."""
    from datetime import date

    from dorado_tui.market.spec import MarketSpec, save_spec

    dorado = PYTHON.parent / "dorado"
    subprocess.run([str(dorado), "init", "--home", str(root)], check=True, capture_output=True, timeout=120)
    save_spec(root / "state", MarketSpec(seed=7, start=date(2024, 1, 2)))


def test_dorado_tui_binary_over_the_engine(tmp_path: Path) -> None:
    _engine_home(tmp_path)
    session = Tmux([str(PYTHON.parent / "dorado"), "tui", "--home", str(tmp_path)], _env(DORADO_HOME=str(tmp_path)))
    try:
        screen = session.wait_for(lambda s: "Risk & breakers" in s and "● SIM" in s and "sched" in s,
                                  "the dashboard over the engine", timeout=120)
        assert "ACTIVE" in screen
        session.wait_for(lambda s: "sched owner" in s, "the built-in scheduler to take the lease", timeout=60)
        session.keys("5")
        session.wait_for(lambda s: "Usage vs limits" in s and "portfolio.heat" in s, "the risk screen", timeout=60)
        session.keys("C-k")
        session.wait_for(lambda s: "HALTED by kill switch" in s, "the kill banner")
        session.keys("q")  # nothing was working at the venue: no question
        assert session.wait_exit(timeout=60) == 0
    finally:
        session.close()
    status = subprocess.run([str(PYTHON.parent / "dorado"), "status", "--json", "--home", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, check=True)
    assert '"state": "HALTED"' in status.stdout
