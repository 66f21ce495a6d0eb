"""Which strikes a chain quotes: the money first, then each wing outward in batches (pure)."""

from __future__ import annotations

import math

import pytest

from dorado_tui.venues.ibkr.strikes import StrikePlan, batches, plan_strikes, wing_done


def test_plan_splits_the_window_into_the_money_and_two_wings_nearest_first() -> None:
    listed = [80.0, 90.0, 95.0, 97.5, 100.0, 102.5, 105.0, 110.0, 120.0, 130.0]

    plan = plan_strikes(listed, spot=101.0, window=0.2, near_per_side=2)

    # ±20 % of 101 = 80.8 .. 121.2: 80 and 130 are out; 100 and 97.5 below, 102.5 and 105 above
    assert plan == StrikePlan(near=(97.5, 100.0, 102.5, 105.0), below=(95.0, 90.0), above=(110.0, 120.0))


def test_a_strike_at_spot_counts_above_and_duplicates_collapse() -> None:
    plan = plan_strikes([99.0, 100.0, 100.0, 101.0], spot=100.0, window=0.05, near_per_side=1)

    assert plan == StrikePlan(near=(99.0, 100.0), below=(), above=(101.0,))


@pytest.mark.parametrize("spot", [0.0, -5.0, math.nan, math.inf])
def test_a_spot_that_is_not_a_price_is_refused(spot: float) -> None:
    with pytest.raises(ValueError, match="spot must be a positive price"):
        plan_strikes([100.0], spot=spot, window=0.1, near_per_side=1)


@pytest.mark.parametrize(("delta", "bid", "done"), [
    (-0.05, 0.40, True),    # at the floor
    (0.049, 0.10, True),
    (-0.12, 0.90, False),   # still worth something: keep widening
    (None, math.nan, True),  # no Greeks and no bid: nothing further out is useful
    (None, 0.0, True),
    (None, 0.25, False),    # no Greeks but still bid: keep going
    (math.nan, 0.25, False),
])
def test_a_wing_is_done_at_the_delta_floor_or_without_a_bid(delta: float | None, bid: float, done: bool) -> None:
    assert wing_done(delta, bid, floor=0.05) is done


def test_batches_stop_once_the_room_is_handed_out() -> None:
    side = (95.0, 90.0, 85.0, 80.0, 75.0)

    assert batches(side, size=2, room=10) == [(95.0, 90.0), (85.0, 80.0), (75.0,)]
    assert batches(side, size=2, room=3) == [(95.0, 90.0), (85.0,)]
    assert batches(side, size=2, room=0) == []
    assert batches((), size=2, room=5) == []
