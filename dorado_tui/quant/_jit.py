"""Typed wrappers around numba's jit so the kernels stay visible to mypy --strict.

numba earns its place in the quant core by the benchmarks (benchmarks/bench_quant.py): the
pricing, IV, indicator and Hurst kernels are loops whose per-element branches (edge cases,
solver iterations, recursive smoothing) numpy can only express with many full-size temporaries.
Every kernel is compiled with ``cache=True`` so only the first run on a machine pays the JIT.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba

# No "fast" flag: "nnan"/"ninf" would let LLVM drop the NaN checks that validate inputs.
# error_model="numpy": a float division by zero gives inf/NaN as in numpy instead of raising
# inside a kernel (and spares the per-division check).
_MATH_FLAGS = {"contract", "arcp", "nsz"}


def jit[F: Callable[..., Any]](fn: F) -> F:
    """Compile a scalar or serial helper (LLVM inlines it into its callers)."""
    return cast(F, numba.njit(cache=True, fastmath=_MATH_FLAGS, error_model="numpy")(fn))


def kernel[F: Callable[..., Any]](fn: F) -> F:
    """Compile a serial array kernel."""
    return cast(F, numba.njit(cache=True, fastmath=_MATH_FLAGS, error_model="numpy")(fn))


def parallel_kernel[F: Callable[..., Any]](fn: F) -> F:
    """Compile an array kernel whose outer loop is ``numba.prange`` (threads over elements)."""
    return cast(
        F, numba.njit(cache=True, fastmath=_MATH_FLAGS, error_model="numpy", parallel=True)(fn)
    )


prange = cast(Callable[..., range], numba.prange)
