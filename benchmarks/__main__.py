"""Run every benchmark module (`python -m benchmarks [name-filter ...]`).

Each `benchmarks/bench_*.py` exposes `main() -> list[Result]`; figures are printed with their input
sizes and targets, and the exit code is 1 when any figure misses its target.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import benchmarks
from benchmarks.harness import Result, print_results


def _modules(filters: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    return [n for n in names if not filters or any(f in n for f in filters)]


def main(argv: list[str]) -> int:
    results: list[Result] = []
    for name in _modules(argv):
        t0 = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}", flush=True)
        got = module.main()
        print_results(got)
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
        results.extend(got)
    missed = [r for r in results if not r.met]
    print(f"\n{len(results)} figures, {len(missed)} missed their target")
    for r in missed:
        print(f"  MISSED: {r.name}: {r.value:.4g} {r.unit} (target {r.target:g})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
