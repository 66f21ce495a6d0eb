"""The planted regime path: a semi-Markov chain of episodes (regime, length) drawn from the seed.

Semi-Markov rather than Markov because real regimes have a minimum life: a geometric duration
would produce two-day "crises" that no detector (and no trader) would call a regime. Episode
lengths are `min_days + Gamma(2, ·)` with the configured mean; the next regime is drawn from the
regime's `next` table. The stream is extended lazily and is prefix-stable: asking for more days
never changes the days already produced.
"""

from __future__ import annotations

import numpy as np

from dorado_tui.market.config import REGIMES, MarketSimConfig
from dorado_tui.market.seeds import Tag, rng_for

_GAMMA_SHAPE = 2.0


class RegimeStream:
    """Generates the regime index (into `REGIMES`) of every calendar day from day 0."""

    def __init__(self, config: MarketSimConfig, seed: int) -> None:
        self._config = config
        self._rng = rng_for(seed, Tag.REGIME)
        self._next_cum = np.array([
            np.cumsum([config.regimes[name].next.get(to, 0.0) for to in REGIMES])
            for name in REGIMES
        ])
        self._current = config.regime_index(config.start_regime)
        self._chunks: list[np.ndarray] = []
        self._length = 0

    def _draw_episode(self) -> None:
        params = self._config.regimes[REGIMES[self._current]]
        extra_mean = max(params.duration_days - params.min_days, 1.0)
        length = params.min_days + round(float(self._rng.gamma(_GAMMA_SHAPE, extra_mean / _GAMMA_SHAPE)))
        self._chunks.append(np.full(length, self._current, dtype=np.int8))
        self._length += length
        u = self._rng.random()
        nxt = int(np.searchsorted(self._next_cum[self._current], u, side="right"))
        self._current = min(nxt, len(REGIMES) - 1)

    def path(self, n_days: int) -> np.ndarray:
        """Regime indices of calendar days 0 … n_days − 1."""
        while self._length < n_days:
            self._draw_episode()
        return np.concatenate(self._chunks)[:n_days] if n_days else np.zeros(0, dtype=np.int8)


def episodes(path: np.ndarray) -> list[tuple[int, int, int]]:
    """(regime index, first day, length) of each run in a regime path."""
    if len(path) == 0:
        return []
    change = np.flatnonzero(np.diff(path)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(path)]])
    return [(int(path[s]), int(s), int(e - s)) for s, e in zip(starts, ends, strict=True)]
