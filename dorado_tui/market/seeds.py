"""Seed derivation: every random stream of the simulator is keyed by (seed, purpose, indices).

Independent streams per purpose and per block/day/contract are what make the simulator
bit-reproducible and prefix-stable: generating more years, or one day's intraday bars on their
own, draws exactly the numbers a full run would have drawn for them.
"""

from __future__ import annotations

import hashlib
from enum import IntEnum

import numpy as np


class Tag(IntEnum):
    """The purpose of a random stream (part of its key: never renumber)."""

    REGIME = 1
    DAILY = 2
    INTRADAY = 3
    CHAIN = 4
    DEFECT = 5
    VENUE = 6


def rng_for(seed: int, tag: Tag, *keys: int) -> np.random.Generator:
    """A PCG64 generator for one purpose and key path."""
    if seed < 0:
        raise ValueError(f"seeds are non-negative integers, got {seed}")
    if any(k < 0 for k in keys):
        raise ValueError(f"seed keys must be non-negative: {keys}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, int(tag), *keys])))


def symbol_key(symbol: str) -> int:
    """A stable non-negative integer for a symbol (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(symbol.encode(), digest_size=6).digest(), "big")


_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        return np.asarray(z ^ (z >> np.uint64(31)))


def hash_uniform(seed: int, tag: Tag, *keys: np.ndarray | int) -> np.ndarray:
    """Uniforms in [0, 1) that depend only on (seed, tag, keys), element-wise over array keys.

    Used where a value must not depend on which other items happen to be drawn with it: a
    strike's open interest is the same whether the chain lists 80 strikes around spot or 120.
    """
    arrays = np.broadcast_arrays(*(np.asarray(k, dtype=np.int64) for k in keys))
    with np.errstate(over="ignore"):
        h = _splitmix(np.full(arrays[0].shape, np.uint64(seed) ^ (np.uint64(int(tag)) << np.uint64(56))))
        for key in arrays:
            h = _splitmix(h ^ key.astype(np.uint64))
    return np.asarray((h >> np.uint64(11)).astype(np.float64) / float(1 << 53))
