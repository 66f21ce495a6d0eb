"""The regime radar over the store: its data and history ports, and the daily update job.

`RegimeService` (dorado_tui.regime) is storage-agnostic; this module adapts the store's
repositories to its ports so the `dorado regime` commands, the scheduler's daily job and the
console all read and publish through one path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.engine.runtime import Runtime
from dorado_tui.regime.radar import Computed, RegimeRadar, TrainResult
from dorado_tui.regime.service import RegimeService
from dorado_tui.store.database import Database


class StoreFrames:
    """FrameSource over the store: daily bars, macro series and funding."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load_frames(self) -> Any:
        from dorado_tui.market.history import DAILY, FUNDING_SYMBOLS
        from dorado_tui.regime.inputs import REGIME_MACRO_SERIES, frames_from_store
        from dorado_tui.store.repos import series

        async with self.db.read() as session:
            symbols = await series.bar_symbols(session, DAILY)
            bars = {s: await series.load_bars(session, s, DAILY) for s in sorted(symbols)}
            macro = await series.load_macro(session, REGIME_MACRO_SERIES)
            funding = {s: await series.load_funding(session, s) for s in FUNDING_SYMBOLS}
        return frames_from_store(bars, macro, funding)


class StoreHistory:
    """RegimeHistory over the store's regime_history repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_regime_states(self, states: Sequence[RegimeState]) -> None:
        from dorado_tui.store.repos.regime import record_regime

        async with self.db.transaction() as session:
            for state in states:
                await record_regime(session, state)

    async def latest(self, model: RegimeModel) -> RegimeState | None:
        from dorado_tui.store.repos.regime import latest_regime

        async with self.db.read() as session:
            return await latest_regime(session, model)

    async def between(self, model: RegimeModel, start: date | None, end: date | None) -> list[RegimeState]:
        from dorado_tui.store.repos.regime import regime_history

        async with self.db.read() as session:
            return await regime_history(session, model, start, end)


def regime_service(rt: Runtime) -> RegimeService:
    """The runtime's regime service (built once and kept in `rt.services`)."""
    service = rt.services.get("regime")
    if service is None:
        radar = RegimeRadar(rt.home.models_dir, rt.clock)
        service = RegimeService(radar, StoreFrames(rt.db), StoreHistory(rt.db), rt.cache)
        rt.services["regime"] = service
    return service


@dataclass(frozen=True, slots=True)
class RegimeUpdate:
    """What the daily job did: models retrained (with their results) and the published states."""

    trained: tuple[TrainResult, ...]
    published: Computed


async def daily_regime_update(rt: Runtime, asof: date | None = None) -> RegimeUpdate:
    """Retrain the models whose expanding-window period has rolled, then publish today's states."""
    import pandas as pd

    service = regime_service(rt)
    today = asof or rt.clock.now().date()
    due = tuple(name for name, is_due in service.radar.retrain_due(pd.Timestamp(today)).items() if is_due)
    trained = tuple(await service.train(due)) if due else ()
    return RegimeUpdate(trained, await service.publish(asof))
