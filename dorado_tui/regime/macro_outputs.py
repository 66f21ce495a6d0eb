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


def trend(label_probs: np.ndarray, pos: int, days: int = TREND_DAYS) -> np.ndarray:
    """Change of every regime's probability over the `days` rows ending at row `pos`."""
    return label_probs[pos] - label_probs[max(pos - days, 0)]


def transition_alert(label_probs: np.ndarray, pos: int, rules: AlertRules = AlertRules()) -> bool:
    """True when the regime is in flux at row `pos`:

    the leading probability is below `low_confidence`, or the leading regime changed within the
    last `days` rows, or any regime's probability moved by ≥ `swing` over those rows.
    """
    window = label_probs[max(pos - rules.days, 0): pos + 1]
    leaders = window.argmax(axis=1)
    moved = float(np.abs(window[-1] - window[0]).max())
    return bool(window[-1].max() < rules.low_confidence or (leaders != leaders[-1]).any() or moved >= rules.swing)


def drivers(model: FittedMacro, inputs: np.ndarray, state_probs: np.ndarray, pos: int,
            regime: str, days: int = TREND_DAYS, top: int = 5) -> dict[str, float]:
    """The features that moved the day's regime probability, by counterfactual.

    For each model input f, rerun the last `days` filter steps with f frozen at its value
    `days` rows earlier; the driver score is P(regime | actual) − P(regime | f frozen): positive
    means f's recent move pushed toward today's regime. The `top` largest magnitudes are kept.
    `inputs` is `model.inputs(features)` for the same rows as `state_probs`.
    """
    start = pos - days
    if start < 1 or regime not in model.labels:
        return {}
    x = inputs[start: pos + 1]
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


def full_label_probs(model: FittedMacro, state_probs: np.ndarray) -> np.ndarray:
    """Regime probabilities in MACRO_REGIMES column order (0 for names the model lacks)."""
    out = np.zeros((len(state_probs), len(MACRO_REGIMES)))
    out[:, [MACRO_REGIMES.index(n) for n in model.labels]] = np.asarray(model.to_labels(state_probs))
    return out


def read_day(model: FittedMacro, asof: pd.Timestamp, inputs: np.ndarray, state_probs: np.ndarray,
             pos: int, alert: AlertRules = AlertRules()) -> MacroDay:
    """Assemble the reading for row `pos` (`inputs` and `state_probs` share their row order)."""
    first = max(pos - alert.days, 0)
    labels = full_label_probs(model, state_probs[first: pos + 1])  # only the rows the day needs
    row = labels[-1]
    lead = int(row.argmax())
    regime = MACRO_REGIMES[lead]
    delta = trend(labels, len(labels) - 1, alert.days)
    return MacroDay(
        asof=pd.Timestamp(asof), regime=regime, confidence=float(row[lead]),
        probabilities={n: float(p) for n, p in zip(MACRO_REGIMES, row, strict=True)},
        trend_3d={n: float(d) for n, d in zip(MACRO_REGIMES, delta, strict=True)},
        transition_alert=transition_alert(labels, len(labels) - 1, alert),
        drivers=drivers(model, inputs, state_probs, pos, regime, alert.days),
    )


class MacroLive:
    """Incremental daily prediction: one forward-filter step per new day.

    Seeded with the filtered history up to some day, `update` takes the next day's model inputs
    and returns its reading without re-filtering the past (the daily job's hot path). It keeps
    only the last `days` + 2 rows, which the trend, the alert and the drivers need.
    """

    def __init__(self, model: FittedMacro, features: pd.DataFrame, alert: AlertRules = AlertRules()) -> None:
        self.model = model
        self.alert = alert
        self._keep = alert.days + 2
        probs = model.filter(features).to_numpy()
        self._inputs = model.inputs(features)[-self._keep:]
        self._states = probs[-self._keep:]

    def update(self, day: pd.Timestamp, row: pd.Series) -> MacroDay:
        """Advance to `day` with its inputs (`row` indexed by feature name)."""
        model = self.model
        x = model.inputs(row.to_frame().T)
        prior = self._states[-1] @ model.transmat
        post = forward_filter(model.loglik(model.project(x)), model.startprob, model.transmat, prior)
        self._inputs = np.vstack([self._inputs, x])[-self._keep:]
        self._states = np.vstack([self._states, post])[-self._keep:]
        return read_day(model, day, self._inputs, self._states, len(self._states) - 1, self.alert)
