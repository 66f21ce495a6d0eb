"""`dorado run` in a real process: starts, reconciles, owns the lease, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

from dorado_tui.engine.scheduler.runner import LEASE
from dorado_tui.market.spec import MarketSpec, save_spec
from dorado_tui.settings.config import Config
from dorado_tui.store.database import Database
from dorado_tui.store.leases import SqlLeases

REPO = Path(__file__).resolve().parents[3]
SCRIPT = "import typer; from commands.run import run; typer.run(run)"


def _read_json(stream: object) -> dict[str, object]:
    lines = []
    for line in stream:  # type: ignore[attr-defined]
        lines.append(line)
        if line.rstrip("\n") == "}":
            return dict(json.loads("".join(lines)))
    raise AssertionError("the daemon ended before printing its JSON: " + "".join(lines))


def test_sigterm_stops_the_daemon_gracefully_and_releases_the_lease(home_config: Config) -> None:
    save_spec(home_config.home.state_dir, MarketSpec(7, date(2022, 1, 3)))  # a short world builds fast
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, "--home", str(home_config.home.root), "--json"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = _read_json(proc.stdout)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()

    assert started["event"] == "started" and started["role"] == "owner", err
    assert [r["verdict"] for r in started["reconciliation"]] == ["ACTIVE", "ACTIVE"]  # type: ignore[index]
    stopped = json.loads(out)
    assert proc.returncode == 0, err
    assert stopped["event"] == "stopped" and stopped["jobs_failed"] == 0
    assert asyncio.run(_holder(home_config.store_url())) is None


async def _holder(url: str) -> str | None:
    db = Database(url)
    try:
        return await SqlLeases(db).holder(LEASE)
    finally:
        await db.dispose()
