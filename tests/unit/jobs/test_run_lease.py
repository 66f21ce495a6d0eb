"""Two `dorado run` processes on one store: exactly one owns the job table (the scheduler lease),
the other waits attached and takes over once the owner stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from typing import Any

from dorado_tui.market.spec import MarketSpec, save_spec
from dorado_tui.settings.config import Config

from .test_run_command import REPO, SCRIPT, _holder, _read_json


def _start(home: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", SCRIPT, "--home", home, "--json"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop(proc: subprocess.Popen[str]) -> tuple[dict[str, Any], str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out), err


def _wait_holder(url: str, expected: str | None, within: float) -> str | None:
    deadline = time.monotonic() + within
    holder = asyncio.run(_holder(url))
    while holder != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        holder = asyncio.run(_holder(url))
    return holder


def test_one_scheduler_per_store_and_the_attached_one_takes_over(home_config: Config) -> None:
    save_spec(home_config.home.state_dir, MarketSpec(7, date(2022, 1, 3)))  # a short world builds fast
    home, url = str(home_config.home.root), home_config.store_url()
    first = _start(home)
    second: subprocess.Popen[str] | None = None
    try:
        a = _read_json(first.stdout)
        second = _start(home)
        b = _read_json(second.stdout)

        assert (a["event"], a["role"]) == ("started", "owner")
        assert (b["event"], b["role"]) == ("started", "attached"), "a second scheduler on the same store"
        assert a["owner"] != b["owner"]
        assert asyncio.run(_holder(url)) == a["owner"]

        stopped_a, _ = _stop(first)
        assert stopped_a["role"] == "owner" and stopped_a["jobs_failed"] == 0
        # the attached process retries on every renewal tick (10 s): it now holds the lease
        assert _wait_holder(url, str(b["owner"]), within=30.0) == b["owner"]

        stopped_b, _ = _stop(second)
        assert stopped_b["event"] == "stopped" and stopped_b["jobs_failed"] == 0
        assert asyncio.run(_holder(url)) is None
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
