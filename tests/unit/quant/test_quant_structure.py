"""Swing pivots, floor pivots and support/resistance clustering on hand-built price paths."""

from __future__ import annotations

import numpy as np
import pytest

from dorado_tui.quant.structure import floor_pivots, support_resistance, swing_pivots


def test_swing_pivots_mark_local_extremes_with_confirmation_bars() -> None:
    high = np.array([1, 2, 5, 2, 1, 3, 4, 6, 4, 3, 2.0])
    low = high - 0.5
    is_high, is_low = swing_pivots(high, low, left=2, right=2)
    assert np.flatnonzero(is_high).tolist() == [2, 7]
    assert np.flatnonzero(is_low).tolist() == [4]
    assert not is_high[-2:].any()  # unconfirmed: fewer than `right` bars after


def test_swing_pivots_ties_resolve_to_the_first_bar_and_work_on_a_universe() -> None:
    high = np.array([[1, 3, 3, 1, 0, 0.0], [0, 1, 2, 1, 0, 0.0]])
    is_high, _ = swing_pivots(high, high - 1, left=1, right=1)
    assert is_high.tolist() == [
        [False, True, False, False, False, False],
        [False, False, True, False, False, False],
    ]
    with pytest.raises(ValueError, match="left and right must be >= 1"):
        swing_pivots(high, high, 0, 1)


def test_floor_pivots_match_the_classic_formulas() -> None:
    fp = floor_pivots(110.0, 100.0, 105.0)
    p = 105.0
    assert float(fp.pivot) == p
    assert (float(fp.r1), float(fp.s1)) == (2 * p - 100, 2 * p - 110)
    assert (float(fp.r2), float(fp.s2)) == (p + 10, p - 10)
    assert (float(fp.r3), float(fp.s3)) == (110 + 2 * (p - 100), 100 - 2 * (110 - p))


def test_support_and_resistance_cluster_repeated_turns_and_rank_by_touches() -> None:
    # A range between ~100 and ~110 bounced off three times each, then price sits at 104.
    leg_up = np.linspace(100, 110, 6)
    cycle = np.concatenate([leg_up, leg_up[::-1][1:-1]])
    close = np.concatenate([np.tile(cycle, 3), [100.2, 102, 104]])
    close[cycle.size] = 100.3  # the second low is 0.3 % higher: same level within tolerance
    high, low = close + 0.2, close - 0.2
    levels = support_resistance(high, low, close, left=2, right=2, tolerance=0.005)
    kinds = {lv.kind for lv in levels[:2]}
    assert kinds == {"support", "resistance"}
    support = next(lv for lv in levels if lv.kind == "support")
    resistance = next(lv for lv in levels if lv.kind == "resistance")
    assert support.price == pytest.approx(99.9, abs=0.3) and support.pivots >= 3
    assert resistance.price == pytest.approx(110.2, abs=0.3) and resistance.pivots == 3
    assert support.touches >= 3 and resistance.touches >= 3
    assert levels == sorted(levels, key=lambda lv: (-lv.touches, -lv.last_touch))


def test_support_resistance_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="lengths differ"):
        support_resistance([1.0, 2.0], [1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="tolerance must be > 0"):
        support_resistance([1.0], [1.0], [1.0], tolerance=0.0)
