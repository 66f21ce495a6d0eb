"""Publishing regime states: history rows through a repository, the latest in a cache, and the
reader's view (stale past the horizon → neutral/allow-all, with the reason said).

The regime layer may not import the store (dependency rule), so the repository and the cache are
ports: any object with the methods below. `MemoryLatestCache` is the in-process default; the
engine passes the store's repository and its Redis-backed cache when configured.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.regime import NEUTRAL, RegimeModel, RegimeState

CACHE_PREFIX = "regime:latest:"


class RegimeHistoryWriter(Protocol):
    """Persists RegimeState rows (the store's regime_history repository)."""

    async def add_regime_states(self, states: Sequence[RegimeState]) -> None: ...


class KeyValueCache(Protocol):
    """A JSON-document cache (the store's in-process or Redis cache fits)."""

    async def get(self, key: str) -> Any | None: ...

    async def set(self, key: str, value: Any) -> None: ...


class MemoryLatestCache:
    """In-process KeyValueCache (documents kept as JSON text, as Redis would)."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    async def get(self, key: str) -> Any | None:
        raw = self._data.get(key)
        return None if raw is None else json.loads(raw)

    async def set(self, key: str, value: Any) -> None:
        self._data[key] = json.dumps(value)


def state_to_dict(state: RegimeState) -> dict[str, Any]:
    """JSON-ready form of a RegimeState (round-trips through `state_from_dict`)."""
    return {
        "model": state.model.value, "asof": state.asof.isoformat(), "regime": state.regime,
        "confidence": state.confidence, "probabilities": state.probabilities,
        "computed_at": state.computed_at.isoformat(), "horizon_seconds": state.horizon.total_seconds(),
        "transition_alert": state.transition_alert, "trend_3d": state.trend_3d, "drivers": state.drivers,
        "model_version": state.model_version, "extra": state.extra,
    }


def state_from_dict(raw: dict[str, Any]) -> RegimeState:
    return RegimeState(
        model=RegimeModel(raw["model"]), asof=date.fromisoformat(raw["asof"]), regime=raw["regime"],
        confidence=float(raw["confidence"]), probabilities=dict(raw["probabilities"]),
        computed_at=datetime.fromisoformat(raw["computed_at"]),
        horizon=timedelta(seconds=float(raw["horizon_seconds"])),
        transition_alert=bool(raw["transition_alert"]), trend_3d=dict(raw["trend_3d"]),
        drivers=dict(raw["drivers"]), model_version=str(raw["model_version"]), extra=dict(raw["extra"]),
    )


class RegimePublisher:
    """Writes each day's states to the history and refreshes the latest per model."""

    def __init__(self, history: RegimeHistoryWriter | None, cache: KeyValueCache) -> None:
        self._history = history
        self._cache = cache

    async def publish(self, states: Sequence[RegimeState]) -> None:
        """History first (the durable record), then the cache; only a newer `asof` (or the same
        day recomputed later) replaces a cached state."""
        if self._history is not None and states:
            await self._history.add_regime_states(states)
        for state in states:
            key = CACHE_PREFIX + state.model.value
            current = await self._cache.get(key)
            if isinstance(current, dict):
                try:
                    old = state_from_dict(current)
                except (ValueError, KeyError, TypeError):
                    old = None  # an unreadable entry is simply replaced
                if old is not None and (old.asof, old.computed_at) > (state.asof, state.computed_at):
                    continue
            await self._cache.set(key, state_to_dict(state))


@dataclass(frozen=True)
class RegimeReading:
    """What a reader (the scan's regime gate) sees for one model.

    `effective_regime` is the state's regime when fresh, else NEUTRAL — the gate then allows all
    and shows `reason`.
    """

    model: RegimeModel
    state: RegimeState | None
    stale: bool
    effective_regime: str
    reason: str

    @property
    def neutral(self) -> bool:
        return self.effective_regime == NEUTRAL

    def neutral_decision(self) -> Decision | None:
        """For a gate: the allow-all verdict (with the reason shown to the operator) when the
        state is stale or missing; None when the gate should judge the fresh regime itself."""
        if not self.neutral:
            return None
        return Decision.ok(f"gate.regime.{self.model.value}", self.reason, stale=self.state is not None,
                           missing=self.state is None)


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} d" if hours >= 48 else f"{hours:.1f} h"


def reading(model: RegimeModel, state: RegimeState | None, now: datetime) -> RegimeReading:
    """Classify a cached state as fresh, stale or missing at `now`."""
    if state is None:
        return RegimeReading(model, None, True, NEUTRAL,
                             f"{model.value} regime unavailable: no published state; gate neutral (allow-all)")
    if state.is_stale(now):
        return RegimeReading(model, state, True, NEUTRAL,
                             f"{model.value} regime stale: computed {_ago(state.age(now))} ago "
                             f"(horizon {_ago(state.horizon)}); gate neutral (allow-all)")
    return RegimeReading(model, state, False, state.regime,
                         f"{model.value} regime {state.regime} ({state.confidence:.0%}) as of "
                         f"{state.asof.isoformat()}")


async def read_latest(cache: KeyValueCache, model: RegimeModel, clock: Clock) -> RegimeReading:
    """The latest state of `model` from the cache, judged at the clock's now. A cache entry that
    does not parse counts as missing (and says so)."""
    raw = await cache.get(CACHE_PREFIX + model.value)
    if raw is None:
        return reading(model, None, clock.now())
    try:
        state = state_from_dict(raw if isinstance(raw, dict) else json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return RegimeReading(model, None, True, NEUTRAL,
                             f"{model.value} regime unreadable in cache ({exc}); gate neutral (allow-all)")
    return reading(model, state, clock.now())
