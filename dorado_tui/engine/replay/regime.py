"""The replay's daily regime update: walk-forward states, published one day at a time.

Retraining and recomputing every model from the whole history each simulated morning would
cost seconds per day; the radar's walk-forward backfill computes the very same point-in-time
states (each day's from a model trained only on data before that day's period, from inputs
dated on or before that day) in one vectorized pass. The replay then publishes, each morning,
the states dated before that day — what the live 08:30 update would publish — stamped with the
simulated time of publication, so the scan's regime gate judges freshness as it would live.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pandas as pd

from dorado_tui.domain.clock import NEW_YORK, Clock
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.engine.regime_updates import StoreHistory, regime_service
from dorado_tui.regime.publish import RegimePublisher


class ReplayRegime:
    """Holds the walk-forward states and publishes each morning's (see the module docstring)."""

    def __init__(self, states: Sequence[RegimeState], publisher: RegimePublisher, clock: Clock,
                 problems: dict[str, str] | None = None) -> None:
        self.clock, self.publisher = clock, publisher
        self.problems = dict(problems or {})
        self._by_model: dict[RegimeModel, list[RegimeState]] = {}
        for s in sorted(states, key=lambda s: (s.model.value, s.asof)):
            self._by_model.setdefault(s.model, []).append(s)
        self._days = {m: [s.asof for s in v] for m, v in self._by_model.items()}
        self.published = 0

    @classmethod
    async def backfill(cls, rt: Any, start: date, end: date) -> ReplayRegime:
        """Walk-forward states of every model for [start − 10 days, end] from the replay's store."""
        service = regime_service(rt)
        data = await service.source.load_frames()
        computed = await asyncio.to_thread(service.radar.backfill, data, pd.Timestamp(start - timedelta(days=10)),
                                           pd.Timestamp(end))
        return cls(computed.states, RegimePublisher(StoreHistory(rt.db), rt.cache), rt.clock, computed.problems)

    def latest_before(self, model: RegimeModel, day: date) -> RegimeState | None:
        """The newest state of `model` dated strictly before `day`."""
        days = self._days.get(model, [])
        i = bisect_left(days, day) - 1
        return self._by_model[model][i] if i >= 0 else None

    async def update(self) -> list[RegimeState]:
        """Publish (history and cache) each model's newest state dated before today, as of now."""
        now = self.clock.now()
        today = now.astimezone(NEW_YORK).date()
        fresh = [replace(s, computed_at=now) for m in self._by_model if (s := self.latest_before(m, today))]
        await self.publisher.publish(fresh)
        self.published += len(fresh)
        return fresh
