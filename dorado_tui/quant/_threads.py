"""Run a serial, GIL-free (nogil) numba kernel over chunks of its arrays on several threads.

Used instead of numba's `parallel=True` for the heavy, SIMD-vectorized kernels: a parfor over a
large inlined body multiplies JIT time (about a minute more for the implied-vol kernel), while
a thread per chunk costs ~50 µs of dispatch and nothing at compile time. Small inputs run on the
calling thread.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

PARALLEL_MIN_SIZE = 20_000  # below this, thread dispatch costs more than it saves
WORKERS = max(1, min(8, os.cpu_count() or 1))
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="dorado-quant")
    return _pool


def _forget_pool_after_fork() -> None:
    """A forked child inherits the pool object but not its threads: start afresh."""
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _part(x: Any, lo: int, hi: int, size: int) -> Any:
    chunked = isinstance(x, np.ndarray) and x.ndim >= 1 and x.shape[0] == size
    return x[lo:hi] if chunked else x


def run_chunked(
    kernel: Callable[..., Any], size: int, inputs: Sequence[Any], tail: Sequence[Any] = (),
    min_size: int = PARALLEL_MIN_SIZE,
) -> list[Any]:  # fmt: skip
    """Call kernel(*inputs_chunk, *tail_chunk) over [0, size) split into WORKERS chunks.

    Arrays whose first axis has length `size` are sliced along it (rows of a C array stay
    C-contiguous, so every chunk hits the same compiled specialization); scalars and other
    arrays pass unchanged. Returns the kernel's return values in chunk order.
    """
    if size < max(min_size, 2) or WORKERS == 1:
        return [kernel(*inputs, *tail)]
    edges = np.linspace(0, size, WORKERS + 1).astype(int)
    jobs = []
    for lo, hi in itertools.pairwise(edges):
        args = [_part(x, lo, hi, size) for x in (*inputs, *tail)]
        jobs.append(_executor().submit(kernel, *args))
    return [job.result() for job in jobs]


def run_ranges(
    kernel: Callable[..., Any], count: int, args: Sequence[Any], min_count: int = 2
) -> None:
    """Call kernel(*args, lo, hi) over [0, count) split into WORKERS index ranges (the kernel
    writes disjoint parts of its outputs)."""
    if count < max(min_count, 2) or WORKERS == 1:
        kernel(*args, 0, count)
        return
    edges = np.linspace(0, count, min(WORKERS, count) + 1).astype(int)
    jobs = [
        _executor().submit(kernel, *args, int(lo), int(hi)) for lo, hi in itertools.pairwise(edges)
    ]
    for job in jobs:
        job.result()
