"""Small timing harness shared by the benchmarks: best-of / percentile timings and result rows."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One benchmark figure: `value` in `unit`, held against `target` (lower is better unless
    `higher_is_better`). `size` states the input size; `note` e.g. the ratio to a reference."""

    name: str
    value: float
    unit: str
    target: float
    size: str
    note: str = ""
    higher_is_better: bool = False

    @property
    def met(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


def time_call(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of `repeat` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def best_ms(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> float:
    return min(time_call(fn, repeat, warmup)) * 1e3


def median_ms(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> float:
    return statistics.median(time_call(fn, repeat, warmup)) * 1e3


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0–100) of samples, nearest-rank."""
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def print_results(results: list[Result]) -> None:
    for r in results:
        mark = "ok " if r.met else "MISS"
        cmp = "≥" if r.higher_is_better else "≤"
        note = f"  [{r.note}]" if r.note else ""
        print(f"   {mark} {r.name}: {r.value:.4g} {r.unit} ({cmp} {r.target:g}; {r.size}){note}", flush=True)
