"""The regime radar service: train every model into artefacts, compute the day's states.

Entry points for the engine (which owns the data and the store): `RegimeRadar.train` and
`RegimeRadar.compute` take `MarketFrames`; `RegimeRadar.backfill` rebuilds a point-in-time
history by walk-forward. Time comes from the injected clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.regime.artefacts import ModelArtefactError
from dorado_tui.regime.correlation import CorrelationConfig, correlation_history
from dorado_tui.regime.crypto import CryptoConfig, crypto_reading, fit_crypto, validate_crypto
from dorado_tui.regime.crypto_features import crypto_samples
from dorado_tui.regime.features import FeatureSpec, macro_features
from dorado_tui.regime.fx import FXConfig, fit_fx, fx_reading, validate_fx
from dorado_tui.regime.fx_features import fx_samples
from dorado_tui.regime.inputs import MarketFrames, RegimeDataError
from dorado_tui.regime.macro import MacroConfig, fit_macro
from dorado_tui.regime.macro_walk import filtered_labels, latest_reading
from dorado_tui.regime.model_io import (
    load_crypto,
    load_fx,
    load_macro,
    save_crypto,
    save_fx,
    save_macro,
)
from dorado_tui.regime.states import correlation_state, crypto_state, fx_state, macro_state

#: (model, done, total) — stages report their own step counts
TrainProgress = Callable[[str, int, int], None]
TRAINED = ("macro", "fx", "crypto")


@dataclass(frozen=True)
class RadarConfig:
    """Every model's settings; `horizon` is how long a published state stays fresh."""

    features: FeatureSpec = field(default_factory=FeatureSpec)
    macro: MacroConfig = field(default_factory=MacroConfig)
    macro_every: str | int = "ME"
    #: complete days before the first walk-forward macro model (history backfill)
    min_train_days: int = 756
    correlation: CorrelationConfig = field(default_factory=CorrelationConfig)
    fx: FXConfig = field(default_factory=FXConfig)
    crypto: CryptoConfig = field(default_factory=CryptoConfig)
    horizon: timedelta = timedelta(days=3)


@dataclass(frozen=True)
class TrainResult:
    """One model's training outcome: its artefact version and metrics, or why it failed."""

    model: str
    version: str | None
    metrics: dict[str, Any]
    error: str | None = None


@dataclass(frozen=True)
class Computed:
    """The day's states and, per model that could not be computed, the reason."""

    states: list[RegimeState]
    problems: dict[str, str]


def _config_dict(obj: Any) -> dict[str, Any]:
    return {k: (str(v) if not isinstance(v, int | float | str | bool | list | dict | None) else v)
            for k, v in asdict(obj).items()}


class RegimeRadar:
    """Fit, persist and run the regime models against one models directory."""

    def __init__(self, models_dir: Path, clock: Clock, config: RadarConfig | None = None) -> None:
        self.models_dir = models_dir
        self.clock = clock
        self.config = config or RadarConfig()

    # ---- training -------------------------------------------------------------------------
    def train(self, data: MarketFrames, models: tuple[str, ...] = TRAINED,
              progress: TrainProgress | None = None) -> list[TrainResult]:
        """Train each requested model on all data up to its last day and save it as LATEST.

        A model whose inputs are missing fails alone (its result carries the reason).
        """
        unknown = set(models) - set(TRAINED)
        if unknown:
            raise RegimeDataError(f"unknown regime model(s) {', '.join(sorted(unknown))}; "
                                  f"trainable: {', '.join(TRAINED)}")
        steps = {"macro": self._train_macro, "fx": self._train_fx, "crypto": self._train_crypto}
        out = []
        for name in models:
            def report(done: int, total: int, name: str = name) -> None:
                if progress is not None:
                    progress(name, done, total)
            try:
                out.append(steps[name](data, report))
            except (RegimeDataError, ValueError, KeyError) as exc:
                out.append(TrainResult(name, None, {}, str(exc)))
        return out

    def _train_macro(self, data: MarketFrames, report: Callable[[int, int], None]) -> TrainResult:
        report(0, 1)
        feats = macro_features(data, self.config.features)
        model = fit_macro(feats, self.config.macro)
        _, labels = filtered_labels(model, feats.loc[model.train_start:])
        occupancy = labels.idxmax(axis=1).value_counts(normalize=True)
        metrics = {"log_likelihood": model.log_likelihood, "n_train": model.n_train,
                   "restart_scores": list(model.restart_scores), "state_labels": list(model.state_labels),
                   "filtered_occupancy": {str(k): float(v) for k, v in occupancy.items()}}
        art = save_macro(self.models_dir, model, self.clock.now(), metrics, _config_dict(self.config.macro))
        report(1, 1)
        return TrainResult("macro", art.version, metrics)

    def _train_fx(self, data: MarketFrames, report: Callable[[int, int], None]) -> TrainResult:
        samples = fx_samples(data, self.config.fx.spec)
        metrics, _ = validate_fx(samples, self.config.fx, report)
        final = samples.known_before(data.last_date + pd.Timedelta(days=1))
        model = fit_fx(final, self.config.fx)
        art = save_fx(self.models_dir, model, self.clock.now(), metrics, _config_dict(self.config.fx))
        return TrainResult("fx", art.version, metrics)

    def _train_crypto(self, data: MarketFrames, report: Callable[[int, int], None]) -> TrainResult:
        samples = crypto_samples(data, self.config.crypto.spec)
        metrics, _ = validate_crypto(samples, self.config.crypto, report)
        final = samples.known_before(data.last_date + pd.Timedelta(days=1))
        model = fit_crypto(final, self.config.crypto)
        metrics["stage1_active_features"] = model.active_features()
        art = save_crypto(self.models_dir, model, self.clock.now(), metrics, _config_dict(self.config.crypto))
        return TrainResult("crypto", art.version, metrics)

    def retrain_due(self, today: pd.Timestamp) -> dict[str, bool]:
        """Per trained model: is a retraining due on `today` under the expanding-window schedule
        (`macro_every`: a new period has begun since the saved model's data ended, or there is
        no model yet)? The scheduler's job calls `train` for the models that are due."""
        from dorado_tui.regime.artefacts import latest_path, load_artefact
        from dorado_tui.regime.schedule import PERIODS

        every = self.config.macro_every
        out = {}
        for kind in TRAINED:
            try:
                end = pd.Timestamp(load_artefact(latest_path(self.models_dir, kind), kind)
                                   .manifest["training_window"]["end"])
            except ModelArtefactError:
                out[kind] = True
                continue
            if isinstance(every, int):
                out[kind] = len(pd.bdate_range(end, today)) - 1 >= every
            else:
                freq = PERIODS[every]
                out[kind] = pd.Timestamp(today).to_period(freq) > end.to_period(freq)
        return out

    # ---- walk-forward history ------------------------------------------------------------------
    def backfill(self, data: MarketFrames, start: pd.Timestamp, end: pd.Timestamp | None = None,
                 progress: TrainProgress | None = None) -> Computed:
        """Point-in-time states of every model for each day in [start, end] by walk-forward
        (fresh models per period, not the saved artefacts); failures per model in `problems`."""
        from dorado_tui.regime import backfill as bf

        last = pd.Timestamp(end) if end is not None else data.last_date
        first = pd.Timestamp(start)
        now = self.clock.now()
        report = progress or (lambda _s, _d, _t: None)
        jobs: dict[str, Callable[[], list[RegimeState]]] = {
            "macro": lambda: bf.macro_history(data, self.config, first, last, now, report),
            "correlation": lambda: bf.correlation_states(data, self.config, first, last, now),
            "fx": lambda: bf.fx_history(data, self.config, first, last, now, report),
            "crypto": lambda: bf.crypto_history(data, self.config, first, last, now, report),
        }
        states, problems = [], {}
        for name, job in jobs.items():
            try:
                states.extend(job())
            except (RegimeDataError, ValueError, KeyError) as exc:
                problems[name] = getattr(exc, "message", None) or str(exc)
        return Computed(states, problems)

    # ---- daily states ---------------------------------------------------------------------
    def compute(self, data: MarketFrames, asof: pd.Timestamp | None = None) -> Computed:
        """Every model's state for `asof` (default: the last day), from data up to that day.

        Refuses (per model, in `problems`) a trained model whose training window ends after
        `asof`: its reading for an earlier day would have seen the future.
        """
        day = pd.Timestamp(asof) if asof is not None else data.last_date
        cut = data.until(day)
        states, problems = [], {}
        for model, fn in ((RegimeModel.MACRO, self._macro_state), (RegimeModel.CORRELATION, self._corr_state),
                          (RegimeModel.FX, self._fx_state), (RegimeModel.CRYPTO, self._crypto_state)):
            try:
                states.append(fn(cut, day))
            except (ModelArtefactError, RegimeDataError, ValueError, KeyError) as exc:
                problems[model.value] = getattr(exc, "message", None) or str(exc)
        return Computed(states, problems)

    def _guard(self, train_end: pd.Timestamp, day: pd.Timestamp, version: str) -> None:
        if train_end > day:
            raise ValueError(f"model {version} was trained through {train_end.date()}, after {day.date()}: "
                             "no point-in-time reading for that day (use the walk-forward history)")

    def _macro_state(self, data: MarketFrames, day: pd.Timestamp) -> RegimeState:
        feats = macro_features(data, self.config.features)
        model, art = load_macro(self.models_dir, tuple(map(str, feats.columns)))
        self._guard(model.train_end, day, art.version)
        reading = latest_reading(model, feats)
        return macro_state(reading, self.clock.now(), self.config.horizon, art.version)

    def _corr_state(self, data: MarketFrames, day: pd.Timestamp) -> RegimeState:
        hist = correlation_history(data, self.config.correlation)
        return correlation_state(hist.iloc[-1], pd.Timestamp(hist.index[-1]), self.config.correlation,
                                 self.clock.now(), self.config.horizon)

    def _fx_state(self, data: MarketFrames, day: pd.Timestamp) -> RegimeState:
        model, art = load_fx(self.models_dir)
        self._guard(model.train_end, day, art.version)
        samples = fx_samples(data, self.config.fx.spec)
        last = pd.Timestamp(samples.frame["date"].max())
        return fx_state(fx_reading(model, samples, last), last, self.clock.now(), self.config.horizon, art.version)

    def _crypto_state(self, data: MarketFrames, day: pd.Timestamp) -> RegimeState:
        model, art = load_crypto(self.models_dir)
        self._guard(model.train_end, day, art.version)
        samples = crypto_samples(data, self.config.crypto.spec)
        last = pd.Timestamp(samples.frame["date"].max())
        return crypto_state(crypto_reading(model, samples, last), last, self.clock.now(), self.config.horizon,
                            art.version)
