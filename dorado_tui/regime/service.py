"""The regime radar as an async service over ports: where data comes from, where states go.

The engine (or a command) hands in a `FrameSource` (the store's bars, macro series and
funding), a `RegimeHistory` (the store's regime_history repository) and a `KeyValueCache`
(in-process or Redis); the CPU-heavy work runs in a worker thread so an event loop stays live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Protocol

import pandas as pd

from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.regime.inputs import MarketFrames
from dorado_tui.regime.publish import (
    CACHE_PREFIX,
    KeyValueCache,
    RegimePublisher,
    RegimeReading,
    read_latest,
    reading,
)
from dorado_tui.regime.radar import TRAINED, Computed, RegimeRadar, TrainProgress, TrainResult


class FrameSource(Protocol):
    """Loads the daily history the models read (see `inputs.frames_from_store`)."""

    async def load_frames(self) -> MarketFrames: ...


class RegimeHistory(Protocol):
    """The regime_history table: append rows, read the newest and a date range per model."""

    async def add_regime_states(self, states: Sequence[RegimeState]) -> None: ...

    async def latest(self, model: RegimeModel) -> RegimeState | None: ...

    async def between(self, model: RegimeModel, start: date | None, end: date | None) -> list[RegimeState]: ...


class RegimeService:
    """Train, publish, backfill and read regime states."""

    def __init__(self, radar: RegimeRadar, source: FrameSource, history: RegimeHistory,
                 cache: KeyValueCache) -> None:
        self.radar = radar
        self.source = source
        self.history = history
        self.cache = cache
        self.publisher = RegimePublisher(history, cache)

    async def train(self, models: tuple[str, ...] = TRAINED,
                    progress: TrainProgress | None = None) -> list[TrainResult]:
        data = await self.source.load_frames()
        return await asyncio.to_thread(self.radar.train, data, models, progress)

    async def publish(self, asof: date | None = None) -> Computed:
        """Compute the day's states with the saved models and publish them (history + cache)."""
        data = await self.source.load_frames()
        day = pd.Timestamp(asof) if asof is not None else None
        computed = await asyncio.to_thread(self.radar.compute, data, day)
        await self.publisher.publish(computed.states)
        return computed

    async def backfill(self, start: date, end: date | None = None,
                       progress: TrainProgress | None = None) -> Computed:
        """Walk-forward history for [start, end] into regime_history (the cache keeps the newest)."""
        data = await self.source.load_frames()
        last = pd.Timestamp(end) if end is not None else None
        computed = await asyncio.to_thread(self.radar.backfill, data, pd.Timestamp(start), last, progress)
        await self.publisher.publish(computed.states)
        return computed

    async def current(self) -> list[RegimeReading]:
        """Every model's latest state as a reader sees it now: the cache first, else the newest
        stored row (a fresh process has an empty in-process cache)."""
        out = []
        for model in RegimeModel:
            seen = await read_latest(self.cache, model, self.radar.clock)
            if seen.state is None:
                stored = await self.history.latest(model)
                if stored is not None:
                    seen = reading(model, stored, self.radar.clock.now())
            out.append(seen)
        return out

    async def states_between(self, model: RegimeModel, start: date | None = None,
                             end: date | None = None) -> list[RegimeState]:
        return await self.history.between(model, start, end)


__all__ = ["CACHE_PREFIX", "FrameSource", "RegimeHistory", "RegimeService"]
