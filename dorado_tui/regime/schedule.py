"""Expanding-window retraining schedules that stay point-in-time when the data is cut short.

A model for the days of a period is trained on data *before* the period's first day: "day d
starts a new period" is known from d and the day before it, whereas "d ends its period" needs the
next day, which a truncated history does not have (so an end-of-period rule would make the last
day of a cut history a retraining point and change its output).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PERIODS = {"ME": "M", "M": "M", "QE": "Q", "Q": "Q", "YE": "Y", "Y": "Y", "A": "Y", "W": "W"}


def retrain_positions(index: pd.DatetimeIndex, valid: np.ndarray, min_train: int,
                      every: str | int) -> list[int]:
    """Row positions at which a new model takes over (trained on the rows before it).

    The first is the row after `min_train` valid rows; then every `every` rows (int) or the first
    row of each calendar period (`"ME"`, `"QE"`, `"YE"`, `"W"`).
    """
    counts = np.cumsum(valid)
    enough = np.flatnonzero(counts >= min_train)
    if len(enough) == 0 or enough[0] + 1 >= len(index):
        return []
    first = int(enough[0]) + 1
    if isinstance(every, int):
        if every < 1:
            raise ValueError(f"retraining interval must be ≥ 1 row, got {every}")
        return list(range(first, len(index), every))
    freq = PERIODS.get(every)
    if freq is None:
        raise ValueError(f"unknown retraining schedule {every!r}; use an int or one of {sorted(PERIODS)}")
    periods = index.to_period(freq)
    starts = np.flatnonzero(np.r_[True, periods[1:] != periods[:-1]])
    return [first, *(int(p) for p in starts if p > first)]


def segments(positions: list[int], n_rows: int) -> list[tuple[int, int]]:
    """[start, stop) row ranges served by each model."""
    ends = [*positions[1:], n_rows]
    return list(zip(positions, ends, strict=True))
