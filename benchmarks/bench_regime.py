"""Regime radar speed: macro HMM fit on 25 years, one day's prediction, whole-history passes.

Data: the seeded simulated market (default seed), daily closes of its 12 symbols, its macro
series and funding, 25 years from 2000-01-03. Run with `python -m benchmarks regime`.
"""

from __future__ import annotations

import copy
import statistics
import time
from datetime import date, timedelta
from typing import Any

import pandas as pd

from benchmarks.harness import Result, best_ms, time_call

YEARS = 25
START = date(2000, 1, 3)


def _frames() -> Any:
    """MarketFrames as the store would hand them over (closes only: no intraday range needed)."""
    from dorado_tui.market import history
    from dorado_tui.market.simulator import SYMBOLS, SimulatedMarket
    from dorado_tui.market.spec import MarketSpec
    from dorado_tui.regime.inputs import frames_from_store

    end = START + timedelta(days=int(YEARS * 365.25))
    market = SimulatedMarket(MarketSpec(start=START), until=end)
    bars = {}
    for symbol in SYMBOLS:
        series = market.series(symbol)
        index = pd.DatetimeIndex(series.days.astype("datetime64[ns]")).tz_localize("UTC")
        frame = pd.DataFrame({"close": series.close, "high": series.close, "low": series.close}, index=index)
        bars[symbol] = frame[frame.index <= pd.Timestamp(end, tz="UTC")]
    macro = history.macro_frame(market, START, end)
    funding = {s: history.funding_series(market, s, START, end) for s in history.FUNDING_SYMBOLS}
    return frames_from_store(bars, macro, funding)


def _macro(data: Any) -> list[Result]:
    from dorado_tui.regime.features import macro_features
    from dorado_tui.regime.macro import MacroConfig, fit_macro, training_matrix
    from dorado_tui.regime.macro_outputs import MacroLive

    config = MacroConfig()
    feats = macro_features(data)
    rows = len(training_matrix(feats, config))
    size = f"{rows:,} days × {len(config.features)} inputs, {config.n_states} states, {config.n_restarts} restarts"
    fit_s = min(time_call(lambda: fit_macro(feats, config), repeat=3, warmup=1))
    model = fit_macro(feats, config)
    usable = feats.loc[model.train_start:]
    seeded = MacroLive(model, usable.iloc[:-1])
    samples = []
    for _ in range(200):  # a fresh copy each time, so every sample predicts the same new day
        live = copy.deepcopy(seeded)
        t0 = time.perf_counter()
        live.update(usable.index[-1], usable.iloc[-1])
        samples.append(time.perf_counter() - t0)
    tail = data.until(usable.index[-1])
    tail = type(data)(tail.closes.iloc[-420:], tail.macro.loc[tail.closes.index[-420]:])
    return [
        Result("macro HMM fit, 25 years", fit_s, "s", 3.0, size),
        Result("macro prediction for a day", statistics.median(samples) * 1e3, "ms", 10.0,
               "filter step + regime, confidence, 3-day trend, alert, 8 counterfactual drivers; median of 200"),
        Result("macro inputs for a day", best_ms(lambda: macro_features(tail), repeat=5), "ms", 100.0,
               "all 70 features from the trailing 420 days"),
        Result("macro filtered history, 25 years", best_ms(lambda: model.filter(usable), repeat=3), "ms", 500.0,
               f"{len(usable):,} days, forward algorithm"),
        Result("macro feature pipeline, 25 years", best_ms(lambda: macro_features(data), repeat=3), "ms", 2000.0,
               f"{len(feats):,} days, {feats.shape[1]} features"),
    ]


def _correlation(data: Any) -> list[Result]:
    from dorado_tui.regime.correlation import CorrelationConfig, correlation_history

    config = CorrelationConfig()
    n = len(correlation_history(data, config))
    return [Result("correlation regime history, 25 years", best_ms(lambda: correlation_history(data, config),
                                                                   repeat=3), "ms", 1000.0,
                   f"{n:,} days × {len(config.assets)} assets, {config.window}-day windows")]


def _supervised(data: Any) -> list[Result]:
    from dorado_tui.regime.crypto import CryptoConfig, fit_crypto
    from dorado_tui.regime.crypto_features import crypto_samples
    from dorado_tui.regime.fx import FXConfig, fit_fx
    from dorado_tui.regime.fx_features import fx_samples

    out = []
    for name, make, fit in (("FX", fx_samples, lambda r: fit_fx(r, FXConfig())),
                            ("crypto", crypto_samples, lambda r: fit_crypto(r, CryptoConfig()))):
        samples = make(data)
        train = samples.frame.dropna(subset=["target"])
        fit_s = min(time_call(lambda train=train, fit=fit: fit(train), repeat=3, warmup=1))
        model = fit(train)
        day = samples.frame[samples.frame["date"] == samples.frame["date"].max()]
        out.append(Result(f"{name} model fit, 25 years", fit_s, "s", 5.0, f"{len(train):,} labelled samples"))
        out.append(Result(f"{name} prediction for a day", best_ms(lambda m=model, d=day: m.predict(d), repeat=50),
                          "ms", 10.0, f"{len(day)} assets"))
    return out


def main() -> list[Result]:
    import os
    from dataclasses import replace

    data = _frames()
    results = [*_macro(data), *_correlation(data), *_supervised(data)]
    load = f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    return [replace(r, note=f"{r.note + '; ' if r.note else ''}{load}") for r in results]
