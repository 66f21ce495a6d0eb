"""Purged walk-forward training for the supervised regime models (FX, crypto).

Labels look forward by definition (a sample dated t is labelled from prices up to t + h), so
each sample carries the date its label becomes known. A model taking over on day d trains only
on samples whose label was known *before* d, then predicts the days of its period from features
dated on those days. Nothing a prediction for day t depends on is dated after t.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from dorado_tui.regime.schedule import PERIODS

Progress = Callable[[int, int], None]


class Predictor(Protocol):
    """A fitted model: one output frame (probabilities, strengths) per sample row."""

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame: ...


FitFn = Callable[[pd.DataFrame], Predictor]


@dataclass(frozen=True)
class Samples:
    """Rows of (date, asset, label_date, target, features...), sorted by date then asset.

    `target` is NaN (and `label_date` NaT) where the label's horizon runs past the data.
    """

    frame: pd.DataFrame
    features: tuple[str, ...]

    def known_before(self, day: pd.Timestamp) -> pd.DataFrame:
        """Labelled rows whose label was known strictly before `day`."""
        f = self.frame
        return f[f["target"].notna() & (f["label_date"] < day)]


def data_end(train: pd.DataFrame) -> pd.Timestamp:
    """The last day of data a set of training rows used: their latest label date."""
    return pd.Timestamp(train["label_date"].max())


def label_dates(index: pd.DatetimeIndex, horizon: int) -> pd.Series:
    """For each row the date `horizon` rows later in the same series (NaT past the end)."""
    later = pd.Series(index, index=index).shift(-horizon)
    return pd.to_datetime(later)


def retrain_days(samples: Samples, every: str | int, min_train: int) -> list[pd.Timestamp]:
    """Days on which a new model takes over: the first day with ≥ `min_train` known labels, then
    each period's first day (or every `every` days of the calendar)."""
    dates = pd.DatetimeIndex(np.unique(samples.frame["date"].to_numpy()))
    known = np.sort(samples.frame.loc[samples.frame["target"].notna(), "label_date"].to_numpy())
    counts = np.searchsorted(known, dates.to_numpy(), side="left")  # labels known before each day
    ok = np.flatnonzero(counts >= min_train)
    if len(ok) == 0:
        return []
    first = int(ok[0])
    if isinstance(every, int):
        return list(dates[first::every])
    periods = dates.to_period(PERIODS[every])
    starts = np.flatnonzero(np.r_[True, periods[1:] != periods[:-1]])
    return [dates[first], *(dates[p] for p in starts if p > first)]


def walk_forward(samples: Samples, fit: FitFn, every: str | int = "QE", min_train: int = 500,
                 progress: Progress | None = None, since: pd.Timestamp | None = None) -> pd.DataFrame:
    """Out-of-sample predictions for every row from the first retraining day (or `since`) on.

    The result has the sample frame's index, the predictor's columns and `model_start` (the
    day the serving model took over; it was trained on labels known before it). Models whose
    period ends before `since` are not fitted at all.
    """
    days = retrain_days(samples, every, min_train)
    if not days:
        raise ValueError(f"walk-forward: fewer than {min_train} labelled samples to train on")
    f = samples.frame
    spans = list(zip(days, [*days[1:], pd.Timestamp.max], strict=True))
    if since is not None:
        spans = [(a, b) for a, b in spans if b > since]
    parts = []
    for i, (start, stop) in enumerate(spans):
        model = fit(samples.known_before(start))
        rows = f[(f["date"] >= start) & (f["date"] < stop)]
        if len(rows):
            out = model.predict(rows)
            out["model_start"] = start
            parts.append(out)
        if progress is not None:
            progress(i + 1, len(spans))
    if not parts:
        raise ValueError("walk-forward: no sample falls in the requested period")
    return pd.concat(parts)
