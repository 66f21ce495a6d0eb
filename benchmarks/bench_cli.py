"""CLI start-up: `dorado --help` cold in a fresh process (target ≤ 300 ms), and `config check`.

Each run is a new interpreter started through the installed console script, so the figures
include Python start-up and every import, exactly what an operator waits for. As on any normal
install, compiled bytecode is cached (here in a private PYTHONPYCACHEPREFIX, so the shared tree
gets no __pycache__ and an environment with PYTHONDONTWRITEBYTECODE=1 does not compile every
module on every start). Wall time is the target; CPU time (user + system of the child) is
printed beside it because wall time on a shared machine also measures the neighbours.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Result

DORADO = str(Path(sys.executable).with_name("dorado"))
HELP_RUNS = 15
CHECK_RUNS = 5


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(args: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `runs` fresh runs (after one untimed warm-up)."""
    subprocess.run([DORADO, *args], env=env, capture_output=True, check=True)
    walls, cpus = [], []
    for _ in range(runs):
        cpu0, t0 = _child_cpu(), time.perf_counter()
        subprocess.run([DORADO, *args], env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
        cpus.append(_child_cpu() - cpu0)
    return statistics.median(walls) * 1e3, statistics.median(cpus) * 1e3


def main() -> list[Result]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("DORADO_") and k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as tmp:
        env = {**base, "PYTHONPYCACHEPREFIX": cache}
        help_wall, help_cpu = _time(["--help"], HELP_RUNS, env)
        _, raw_cpu = _time(["--help"], 3, {**base, "PYTHONDONTWRITEBYTECODE": "1"})
        from dorado_tui.home import shipped_defaults

        defaults = shipped_defaults()
        shutil.copytree(defaults.config_dir, Path(tmp) / "config")
        shutil.copytree(defaults.strategies_dir, Path(tmp) / "strategies")
        check_wall, check_cpu = _time(["config", "check", "--home", tmp], CHECK_RUNS, env)
    return [
        Result("dorado --help cold (median wall)", help_wall, "ms", 300, f"{HELP_RUNS} fresh processes",
               f"CPU {help_cpu:.0f} ms"),
        Result("dorado --help cold (median CPU)", help_cpu, "ms", 300, f"{HELP_RUNS} fresh processes"),
        Result("dorado --help cold, no bytecode cache (median CPU)", raw_cpu, "ms", 1000,
               "3 fresh processes compiling every module"),
        Result("dorado config check, shipped home (median wall)", check_wall, "ms", 2000,
               f"{CHECK_RUNS} fresh processes, 23 files", f"CPU {check_cpu:.0f} ms"),
    ]


if __name__ == "__main__":
    from benchmarks.harness import print_results

    print_results(main())
