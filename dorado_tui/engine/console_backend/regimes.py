"""Regimes as the console shows them: each model's newest published state (the cache first, as the
scan's gate reads it, else the store), its probability history and drivers, and whether it is stale."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.engine.console_views import RegimePoint, RegimeView
from dorado_tui.regime.publish import CACHE_PREFIX, KeyValueCache, state_from_dict
from dorado_tui.store.repos import regime as regime_repo

#: Days of probability history behind each regime's sparkline and chart.
HISTORY_DAYS = 30


async def _cached(cache: KeyValueCache, model: RegimeModel) -> RegimeState | None:
    raw = await cache.get(CACHE_PREFIX + model.value)
    if not isinstance(raw, dict):
        return None
    try:
        return state_from_dict(raw)
    except (ValueError, KeyError, TypeError):
        return None  # an unreadable cache entry: the store's row is the record


def _newer(a: RegimeState | None, b: RegimeState | None) -> RegimeState | None:
    if a is None or b is None:
        return a or b
    return a if (a.asof, a.computed_at) >= (b.asof, b.computed_at) else b


async def regime_views(s: AsyncSession, cache: KeyValueCache, now: datetime) -> tuple[RegimeView, ...]:
    """One view per model that has ever published a state, in the models' order."""
    out = []
    start = now.astimezone(NEW_YORK).date() - timedelta(days=HISTORY_DAYS)
    for model in RegimeModel:
        state = _newer(await _cached(cache, model), await regime_repo.latest_regime(s, model))
        if state is None:
            continue
        history = tuple(RegimePoint(h.asof, dict(h.probabilities))
                        for h in await regime_repo.regime_history(s, model, start=start))
        out.append(RegimeView.from_state(state, now, history))
    return tuple(out)
