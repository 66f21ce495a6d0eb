"""What the macro model says about one day: regime, confidence, 3-day trend, alert, drivers.

Everything here is a function of filtered probabilities up to the day in question (and of the
model inputs up to that day for the drivers), so it inherits the filter's point-in-time property.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dorado_tui.domain.regime import MACRO_REGIMES
from dorado_tui.regime.macro import FittedMacro, forward_filter

TREND_DAYS = 3


@dataclass(frozen=True)
class AlertRules:
    """When the transition alert fires (documented in `transition_alert`)."""

    low_confidence: float = 0.6
    swing: float = 0.2
    days: int = TREND_DAYS


@dataclass(frozen=True)
class MacroDay:
    """The macro model's reading for one day."""

    asof: pd.Timestamp
    regime: str
    confidence: float
    probabilities: dict[str, float]
    trend_3d: dict[str, float]
    transition_alert: bool
    drivers: dict[str, float]


def trend(label_probs: pd.DataFrame, pos: int, days: int = TREND_DAYS) -> dict[str, float]:
    """Change of every regime's probability over the last `days` rows ending at row `pos`."""
    back = max(pos - days, 0)
    delta = label_probs.iloc[pos] - label_probs.iloc[back]
    return {str(k): float(v) for k, v in delta.items()}


def transition_alert(label_probs: pd.DataFrame, pos: int, rules: AlertRules = AlertRules()) -> bool:
    """True when the regime is in flux at row `pos`:

    the leading probability is below `low_confidence`, or the leading regime changed within the
    last `days` rows, or any regime's probability moved by ≥ `swing` over those rows.
    """
    window = label_probs.iloc[max(pos - rules.days, 0): pos + 1]
    leaders = window.to_numpy().argmax(axis=1)
    moved = (window.iloc[-1] - window.iloc[0]).abs().max()
    return bool(window.iloc[-1].max() < rules.low_confidence or len(set(leaders)) > 1 or moved >= rules.swing)


def drivers(model: FittedMacro, features: pd.DataFrame, state_probs: np.ndarray, pos: int,
            regime: str, days: int = TREND_DAYS, top: int = 5) -> dict[str, float]:
    """The features that moved the day's regime probability, by counterfactual.

    For each model input f, rerun the last `days` filter steps with f frozen at its value
    `days` rows earlier; the driver score is P(regime | actual) − P(regime | f frozen): positive
    means f's recent move pushed toward today's regime. The `top` largest magnitudes are kept.
    """
    start = pos - days
    if start < 1 or regime not in model.labels:
        return {}
    x = model.inputs(features.iloc[start: pos + 1])
    col = model.labels.index(regime)
    prior = state_probs[start] @ model.transmat
    actual = float(model.to_labels(state_probs[pos:pos + 1])[0, col])
    n = len(model.feature_names)
    # every counterfactual at once: (feature, day, input) with one input held at day `start`
    frozen = np.repeat(x[None, 1:, :], n, axis=0)
    frozen[np.arange(n), :, np.arange(n)] = x[0][:, None]
    loglik = model.loglik(model.project(frozen.reshape(-1, n))).reshape(n, days, -1)
    out: dict[str, float] = {}
    for j, name in enumerate(model.feature_names):
        probs = forward_filter(loglik[j], model.startprob, model.transmat, prior)
        out[name] = actual - float(model.to_labels(probs[-1:])[0, col])
    ranked = sorted(out.items(), key=lambda kv: -abs(kv[1]))[:top]
    return {k: round(v, 6) for k, v in ranked}


def read_day(model: FittedMacro, features: pd.DataFrame, state_probs: np.ndarray,
             label_probs: pd.DataFrame, pos: int, alert: AlertRules = AlertRules()) -> MacroDay:
    """Assemble the reading for row `pos` (all arrays share the row order of `features`)."""
    row = label_probs.iloc[pos]
    regime = str(row.idxmax())
    return MacroDay(
        asof=pd.Timestamp(label_probs.index[pos]), regime=regime, confidence=float(row.max()),
        probabilities={str(k): float(v) for k, v in row.items()},
        trend_3d=trend(label_probs, pos, alert.days),
        transition_alert=transition_alert(label_probs, pos, alert),
        drivers=drivers(model, features, state_probs, pos, regime, alert.days),
    )


class MacroLive:
    """Incremental daily prediction: one forward-filter step per new day.

    Seeded with the filtered history up to some day, `update` takes the next day's model inputs
    and returns its reading without re-filtering the past (the daily job's hot path). It keeps
    only the last `days` + 1 rows, which the trend, the alert and the drivers need.
    """

    def __init__(self, model: FittedMacro, features: pd.DataFrame, alert: AlertRules = AlertRules()) -> None:
        self.model = model
        self.alert = alert
        keep = alert.days + 1
        probs = model.filter(features).to_numpy()
        self._features = features.iloc[-keep:].loc[:, list(model.feature_names)].copy()
        self._states = probs[-keep:].copy()

    def update(self, day: pd.Timestamp, row: pd.Series) -> MacroDay:
        """Advance to `day` with its inputs (`row` indexed by feature name)."""
        names = list(self.model.feature_names)
        frame = pd.DataFrame([row[names].to_numpy(dtype=float)], index=[pd.Timestamp(day)], columns=names)
        prior = self._states[-1] @ self.model.transmat
        post = forward_filter(self.model.loglik(self.model.reduce(frame)), self.model.startprob,
                              self.model.transmat, prior)
        keep = self.alert.days + 2
        self._features = pd.concat([self._features, frame]).iloc[-keep:]
        self._states = np.vstack([self._states, post])[-keep:]
        labels = pd.DataFrame(0.0, index=self._features.index, columns=list(MACRO_REGIMES))
        labels.loc[:, list(self.model.labels)] = np.asarray(self.model.to_labels(self._states))
        return read_day(self.model, self._features, self._states, labels, len(labels) - 1, self.alert)
