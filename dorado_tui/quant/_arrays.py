"""Broadcasting of kernel inputs: any shapes in, flat contiguous arrays (or length-1 scalars) out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
Vec = NDArray[Any]  # kernel argument: numba sees only the runtime dtype
Arg = NDArray[Any] | float | bool  # an array input of a vectorized kernel, or a broadcast scalar
Six = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Flat:
    """Inputs flattened for a kernel: each float array has length `size` or 1 (a broadcast scalar,
    read at index 0 so no full-size copy is made); results are reshaped back to `shape`."""

    shape: tuple[int, ...]
    size: int
    floats: Six
    flags: BoolArray


def _flat(a: NDArray[np.generic], shape: tuple[int, ...]) -> NDArray[np.generic]:
    if a.size == 1:
        return np.ascontiguousarray(a.reshape(1))
    if a.shape != shape:
        a = np.broadcast_to(a, shape)
    return np.ascontiguousarray(a).reshape(-1)


def flatten(
    floats: tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike, ArrayLike, ArrayLike],
    flags: ArrayLike,
) -> Flat:
    """Broadcast the six float inputs of a pricing kernel and one boolean (is_call) together.

    Raises ValueError naming the shapes when they do not broadcast.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in floats]
    flag_array = np.asarray(flags, dtype=np.bool_)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays), flag_array.shape)
    except ValueError:
        shapes = ", ".join(str(a.shape) for a in [*arrays, flag_array])
        raise ValueError(f"input shapes do not broadcast together: {shapes}") from None
    size = math.prod(shape)
    a, b, c, d, e, f = (_flat(x, shape).astype(np.float64, copy=False) for x in arrays)
    flat_flags = _flat(flag_array, shape).astype(np.bool_, copy=False)
    return Flat(shape, size, (a, b, c, d, e, f), flat_flags)


def shaped(values: FloatArray, flat: Flat) -> FloatArray:
    """A kernel output reshaped to the broadcast input shape."""
    return values.reshape(flat.shape)


def first_bad_index(bad: BoolArray, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Multi-index of the first True in a flat mask, for error messages."""
    flat_index = int(np.flatnonzero(bad)[0])
    return tuple(int(i) for i in np.unravel_index(flat_index, shape)) if shape else ()


def kernel_inputs(flat: Flat) -> tuple[Arg, Arg, Arg, Arg, Arg, Arg, Arg]:
    """Arguments for the vectorized kernels: the first input (spot, or the price for implied
    vol) may stay a scalar, rate and carry are scalars together or arrays together, everything
    else is a full-length array. Four scalar patterns keep the compiled specializations (and
    JIT time) few."""
    s, k, t, r, q, v = flat.floats
    n = flat.size

    def full(x: NDArray[Any]) -> NDArray[Any]:
        return np.full(n, x[0], dtype=x.dtype) if x.size == 1 and n != 1 else x

    spot: Arg = float(s[0]) if s.size == 1 else s
    if r.size == 1 and q.size == 1:
        return spot, full(k), full(t), float(r[0]), float(q[0]), full(v), full(flat.flags)
    return spot, full(k), full(t), full(r), full(q), full(v), full(flat.flags)
