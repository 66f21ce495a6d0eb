"""Regime history (newest wins) and bandit state/decisions round trips."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.errors import BadInput
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.store.database import Database
from dorado_tui.store.errors import NotFound
from dorado_tui.store.repos import learning, regime


def _state(clock: FixedClock, asof: date, name: str, confidence: float = 0.7) -> RegimeState:
    return RegimeState(RegimeModel.MACRO, asof, name, confidence, {name: confidence, "transition": 1 - confidence},
                       clock.now(), timedelta(days=2), transition_alert=confidence < 0.6,
                       trend_3d={name: 0.05}, drivers={"vix": 1.8, "hy_spread": -0.4}, model_version="hmm-6s-v3",
                       extra={"log_likelihood": -1234.5})


async def test_regime_state_round_trips_every_field(db: Database, clock: FixedClock) -> None:
    original = _state(clock, date(2025, 3, 14), "goldilocks")

    async with db.transaction() as tx:
        await regime.record_regime(tx, original)
    async with db.read() as session:
        loaded = await regime.latest_regime(session, RegimeModel.MACRO)
        missing = await regime.latest_regime(session, RegimeModel.FX)

    assert loaded == original
    assert missing is None


async def test_latest_is_the_newest_asof_then_the_newest_computation(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await regime.record_regime(tx, _state(clock, date(2025, 3, 13), "risk_on"))
        await regime.record_regime(tx, _state(clock, date(2025, 3, 14), "transition"))
        clock.advance(timedelta(hours=2))
        await regime.record_regime(tx, _state(clock, date(2025, 3, 14), "risk_off", 0.55))

    async with db.read() as session:
        latest = await regime.latest_regime(session, RegimeModel.MACRO)
        history = await regime.regime_history(session, RegimeModel.MACRO, start=date(2025, 3, 1))

    assert latest is not None and latest.regime == "risk_off" and latest.transition_alert
    assert [(s.asof.day, s.regime) for s in history] == [(13, "risk_on"), (14, "risk_off")]


async def test_bandit_arms_round_trip_as_arrays(db: Database, clock: FixedClock) -> None:
    a = np.eye(3) + 0.25
    b = np.array([0.1, -0.2, 0.3])
    async with db.transaction() as tx:
        await learning.save_bandit_arm(tx, "ranking", learning.BanditArm("iron_condor", a, b, 12, {"alpha": 1.0}),
                                       clock.now())
        await learning.save_bandit_arm(tx, "ranking", learning.BanditArm("iron_condor", a * 2, b, 13), clock.now())

    async with db.read() as session:
        arms = await learning.load_bandit(session, "ranking")

    arm = arms["iron_condor"]
    np.testing.assert_array_equal(arm.a_matrix, a * 2)
    np.testing.assert_array_equal(arm.b_vector, b)
    assert arm.n_obs == 13 and list(arms) == ["iron_condor"]


async def test_bandit_arm_shape_mismatch_is_bad_input(db: Database, clock: FixedClock) -> None:
    with pytest.raises(BadInput, match=r"bandit ranking/x: A is \(3, 3\), b is \(2,\)"):
        async with db.transaction() as tx:
            await learning.save_bandit_arm(tx, "ranking", learning.BanditArm("x", np.eye(3), np.zeros(2), 0),
                                           clock.now())


async def test_bandit_decision_gets_its_reward_later(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        first = await learning.record_bandit_decision(tx, "ranking", scan_id="s1", chosen="cand-1",
                                                      context={"iv_rank": 41.0}, scores={"cand-1": 0.8},
                                                      at=clock.now())
        await learning.record_bandit_decision(tx, "ranking", scan_id="s2", chosen="cand-9", context={},
                                              scores={}, at=clock.now())
    async with db.transaction() as tx:
        await learning.resolve_bandit_decision(tx, first, 0.11, clock.advance(timedelta(days=9)))

    async with db.read() as session:
        waiting = await learning.bandit_decisions(session, "ranking", unresolved_only=True)
        everything = await learning.bandit_decisions(session, "ranking")

    assert [d.scan_id for d in waiting] == ["s2"]
    assert (everything[0].reward, everything[0].context, everything[0].scores) == (0.11, {"iv_rank": 41.0},
                                                                                     {"cand-1": 0.8})
    with pytest.raises(NotFound):
        async with db.transaction() as tx:
            await learning.resolve_bandit_decision(tx, 99999, 0.0, clock.now())
