"""Typed wrappers around numba's jit so the kernels stay visible to mypy --strict.

numba earns its place in the quant core by the benchmarks (benchmarks/bench_quant.py): the
pricing, IV, indicator and Hurst kernels are loops whose per-element branches (edge cases,
solver iterations, recursive smoothing) numpy can only express with many full-size temporaries.
Every kernel is compiled with ``cache=True`` so only the first run on a machine pays the JIT.
Kernels are serial and release the GIL; `_threads` runs chunks of them on a thread pool (no
numba parfors: no OpenMP runtime to break on fork, and far less JIT time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba

# Only "nsz": "nnan"/"ninf" would let LLVM drop the NaN checks that validate inputs, and
# "contract" (FMA) / "arcp" (reciprocals) would let a SIMD lane round differently from the
# scalar remainder loop, so the same option could price 1 ulp apart between calls.
# error_model="numpy": a float division by zero gives inf/NaN as in numpy instead of raising
# inside a kernel, and without the per-division check loops can vectorize.
_MATH_FLAGS = {"nsz"}


def jit[F: Callable[..., Any]](fn: F) -> F:
    """Compile a scalar or serial helper (LLVM inlines it into its callers)."""
    return cast(F, numba.njit(cache=True, fastmath=_MATH_FLAGS, error_model="numpy")(fn))


def inline_jit[F: Callable[..., Any]](fn: F) -> F:
    """Compile a hot scalar helper that LLVM always inlines into its callers (forceinline):
    its cost model would leave a large body as a call, and a call inside a loop stops the loop
    from vectorizing. (Numba's IR-level inline="always" does the same at many times the JIT
    time.)"""
    return cast(
        F, numba.njit(cache=True, fastmath=_MATH_FLAGS, error_model="numpy", forceinline=True)(fn)
    )


def kernel[F: Callable[..., Any]](fn: F) -> F:
    """Compile a serial array kernel that releases the GIL (so `_threads` can run chunks)."""
    return cast(
        F, numba.njit(cache=True, fastmath=_MATH_FLAGS, error_model="numpy", nogil=True)(fn)
    )


_STAT_FLAGS = {"nsz", "reassoc", "contract", "arcp", "nnan", "ninf"}


def stat_jit[F: Callable[..., Any]](fn: F) -> F:
    """Compile a statistics helper with full fast-math so its sums and max/min reductions
    vectorize. Only for inputs checked finite beforehand, and for estimators (Hurst) that need
    no bit-for-bit reproducibility across code paths, unlike prices."""
    return cast(
        F, numba.njit(cache=True, fastmath=_STAT_FLAGS, error_model="numpy", forceinline=True)(fn)
    )
