"""Publishing: history rows and latest cache; readers see stale/missing as neutral with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.regime import NEUTRAL, RegimeModel, RegimeState
from dorado_tui.regime.publish import (
    CACHE_PREFIX,
    MemoryLatestCache,
    RegimePublisher,
    read_latest,
    reading,
    state_from_dict,
    state_to_dict,
)

T0 = datetime(2024, 3, 4, 21, 30, tzinfo=UTC)


def _state(asof: date, regime: str = "risk_on", computed_at: datetime = T0,
           model: RegimeModel = RegimeModel.MACRO) -> RegimeState:
    return RegimeState(model, asof, regime, 0.8, {"risk_on": 0.8, "crisis": 0.2}, computed_at,
                       transition_alert=True, trend_3d={"risk_on": 0.1}, drivers={"vix": -0.05},
                       model_version="macro-x", extra={"n": 3.0})


class ListHistory:
    def __init__(self) -> None:
        self.rows: list[RegimeState] = []

    async def add_regime_states(self, states: Sequence[RegimeState]) -> None:
        self.rows.extend(states)


def test_state_round_trips_through_its_json_form() -> None:
    state = _state(date(2024, 3, 4))
    assert state_from_dict(state_to_dict(state)) == state


async def test_publish_writes_history_and_caches_the_latest() -> None:
    history, cache = ListHistory(), MemoryLatestCache()
    publisher = RegimePublisher(history, cache)
    await publisher.publish([_state(date(2024, 3, 1), "crisis"), _state(date(2024, 3, 4), "risk_on")])
    seen = await read_latest(cache, RegimeModel.MACRO, FixedClock(T0 + timedelta(hours=1)))
    assert [s.asof for s in history.rows] == [date(2024, 3, 1), date(2024, 3, 4)]
    assert seen.state is not None and seen.state.asof == date(2024, 3, 4)
    assert seen.effective_regime == "risk_on" and not seen.stale


async def test_an_older_day_never_replaces_a_newer_cached_state() -> None:
    cache = MemoryLatestCache()
    publisher = RegimePublisher(None, cache)
    await publisher.publish([_state(date(2024, 3, 4), "risk_on")])
    await publisher.publish([_state(date(2024, 2, 1), "crisis", computed_at=T0 + timedelta(hours=2))])
    seen = await read_latest(cache, RegimeModel.MACRO, FixedClock(T0))
    assert seen.effective_regime == "risk_on"


def test_state_past_its_horizon_reads_as_neutral_and_says_why() -> None:
    state = _state(date(2024, 3, 4))
    fresh = reading(RegimeModel.MACRO, state, T0 + timedelta(days=2, hours=23))
    stale = reading(RegimeModel.MACRO, state, T0 + timedelta(days=3, hours=1))
    assert not fresh.stale and fresh.effective_regime == "risk_on"
    assert stale.stale and stale.neutral and stale.effective_regime == NEUTRAL
    assert stale.reason == "macro regime stale: computed 3.0 d ago (horizon 3.0 d); gate neutral (allow-all)"


async def test_missing_state_reads_as_neutral() -> None:
    seen = await read_latest(MemoryLatestCache(), RegimeModel.FX, FixedClock(T0))
    assert seen.neutral and seen.state is None
    assert seen.reason == "fx regime unavailable: no published state; gate neutral (allow-all)"


async def test_unreadable_cache_entry_reads_as_neutral() -> None:
    cache = MemoryLatestCache()
    await cache.set(CACHE_PREFIX + "macro", {"model": "macro", "asof": "not a date"})
    seen = await read_latest(cache, RegimeModel.MACRO, FixedClock(T0))
    assert seen.neutral and seen.reason.startswith("macro regime unreadable in cache")


def test_stale_reading_gives_the_gate_an_allow_all_decision_with_its_reason() -> None:
    state = _state(date(2024, 3, 4))
    stale = reading(RegimeModel.MACRO, state, T0 + timedelta(days=4))
    decision = stale.neutral_decision()
    assert decision is not None and decision.passed
    assert decision.check == "gate.regime.macro" and decision.reason == stale.reason
    assert decision.details == {"stale": True, "missing": False}
    assert reading(RegimeModel.MACRO, state, T0).neutral_decision() is None
