"""Each gate's failure path: the verdict's code, measured value and threshold (pure gates)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.engine.scan import technicals as ta
from dorado_tui.engine.scan import vol_gate
from dorado_tui.engine.scan.history import Bars
from dorado_tui.engine.scan.regime_gate import correlation_line, regime_gate
from dorado_tui.regime.publish import reading
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.template_parts import (
    Bounds,
    IvRank,
    RealizedVol,
    TechnicalRequirements,
    TermStructure,
)
from dorado_tui.settings.templates import StrategyTemplate

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


def tpl(**sections: Any) -> StrategyTemplate:
    return StrategyTemplate.model_validate({
        "name": "T", "type": "options_income", "underlying_class": "equity_options",
        "structure": [{"role": "short_put", "position": "sell"}],
        "entry": {"short_put": {"method": "delta", "delta_target": [-0.3, -0.2]}, "dte_range": [30, 45]},
        **sections})


def bot(**extra: Any) -> Bot:
    return Bot.model_validate({"id": "b1", "universe": "u", "underlying": "SPY", "strategy_template": "t", **extra})


def state(model: RegimeModel, regime: str, conf: float, age: timedelta = timedelta(hours=2),
          extra: dict[str, float] | None = None) -> RegimeState:
    return RegimeState(model, NOW.date(), regime, conf, {regime: conf}, NOW - age, extra=extra or {})


def readings(*states: RegimeState) -> dict[RegimeModel, Any]:
    return {s.model: reading(s.model, s, NOW) for s in states}


# ----------------------------------------------------------------------------- gate 1: regime

def test_regime_not_in_the_allowed_list_skips_with_its_confidence() -> None:
    t = tpl(regime_requirements={"allowed_regimes": ["goldilocks", "risk_on"], "min_regime_confidence": 0.6})

    d, label, neutral = regime_gate(bot(), t, "equity_options", readings(state(RegimeModel.MACRO, "transition", 0.7)))

    assert (d.passed, d.code, d.figure, label, neutral) == (False, "REGIME_NOT_ALLOWED", 0.7, "transition", False)
    assert d.reason == "macro regime transition (70%) not in allowed goldilocks, risk_on"


def test_blocked_regime_and_low_confidence_are_told_apart() -> None:
    t = tpl(regime_requirements={"blocked_regimes": ["crisis"], "min_regime_confidence": 0.65})

    blocked, _, _ = regime_gate(bot(), t, "equity_options", readings(state(RegimeModel.MACRO, "crisis", 0.9)))
    weak, _, _ = regime_gate(bot(), t, "equity_options", readings(state(RegimeModel.MACRO, "risk_on", 0.62)))

    assert (blocked.passed, blocked.code) == (False, "REGIME_BLOCKED")
    assert (weak.passed, weak.code, weak.figure, weak.limit) == (False, "REGIME_CONFIDENCE_LOW", 0.62, 0.65)


@pytest.mark.parametrize("found", [None, "stale"])
def test_missing_or_stale_regime_is_neutral_allow_all_and_flagged(found: str | None) -> None:
    t = tpl(regime_requirements={"allowed_regimes": ["goldilocks"]})
    states = () if found is None else (state(RegimeModel.MACRO, "crisis", 0.99, age=timedelta(days=4)),)

    d, label, neutral = regime_gate(bot(), t, "equity_options", readings(*states))

    assert (d.passed, d.code, label, neutral) == (True, "REGIME_NEUTRAL", "neutral", True)
    assert d.reason.endswith("gate neutral (allow-all)")


def test_fx_template_reads_the_fx_model_and_crypto_the_coins_own_trend_probability() -> None:
    fx = StrategyTemplate.model_validate({"name": "FX", "type": "fx_directional", "underlying_class": "fx",
                                          "regime_requirements": {"fx_regime_allowed": ["momentum"]}})
    crypto = StrategyTemplate.model_validate({"name": "C", "type": "crypto_directional", "underlying_class": "crypto",
                                              "regime_requirements": {"trend_exists": True, "min_trend_confidence": 0.65}})
    coin = state(RegimeModel.CRYPTO, "trending", 0.8, extra={"ETH.p_trend": 0.55})

    d_fx, _, _ = regime_gate(bot(underlying="USDJPY"), fx, "fx", readings(state(RegimeModel.FX, "carry", 0.7)))
    d_eth, _, _ = regime_gate(bot(underlying="ETH"), crypto, "crypto", readings(coin))

    assert (d_fx.passed, d_fx.code) == (False, "REGIME_NOT_ALLOWED")
    assert (d_eth.passed, d_eth.code, d_eth.figure) == (False, "REGIME_CONFIDENCE_LOW", 0.55)


def test_correlation_line_names_the_regime_and_its_components() -> None:
    line = correlation_line(readings(state(RegimeModel.CORRELATION, "diversified", 0.8, extra={"n_components": 4.0})))

    assert line == "Cross-asset correlation regime: diversified (4 PCs for 80%)"


# ----------------------------------------------------------------------------- gate 2: volatility

def test_vix_outside_its_band_records_value_and_bound() -> None:
    d = vol_gate.vix_decision(Bounds(min=14, max=35), 12.3, "venue quote")

    assert (d.passed, d.code, d.figure, d.limit, d.reason) == (False, "VIX_TOO_LOW", 12.3, 14, "VIX 12.3 (< 14 min)")


def test_iv_rank_is_todays_iv_against_the_windows_range() -> None:
    history = np.linspace(0.10, 0.30, 99)  # min 0.10, max 0.30

    d = vol_gate.iv_rank_decision(IvRank(min=30, lookback_days=100), 0.14, history)

    assert (d.passed, d.code) == (False, "IV_RANK_LOW")
    assert d.figure == pytest.approx(100 * (0.14 - 0.10) / 0.20)
    assert d.reason == "IV rank 20 (< 30 min)"


def test_iv_rank_needs_sixty_days_of_history() -> None:
    d = vol_gate.iv_rank_decision(IvRank(min=30), 0.2, np.full(10, 0.2))

    assert (d.passed, d.code) == (False, "IV_HISTORY_SHORT")
    assert "the store has 10" in d.reason


def test_backwardated_term_structure_fails_the_contango_cap() -> None:
    d = vol_gate.term_structure_decision(TermStructure(max_contango_ratio=1.05), 1.12)

    assert (d.passed, d.code, d.figure, d.limit) == (False, "TERM_STRUCTURE_HIGH", 1.12, 1.05)


def bars(close: np.ndarray, spread: float = 0.004) -> Bars:
    days = tuple(date(2025, 1, 1) + timedelta(days=i) for i in range(close.size))
    return Bars("X", days, close.copy(), close * (1 + spread), close * (1 - spread), close)


def test_fx_vol_regime_high_when_recent_vol_tops_the_year() -> None:
    rng = np.random.default_rng(1)
    rets = np.concatenate([rng.normal(0, 0.004, 280), rng.normal(0, 0.02, 20)])
    b = bars(100 * np.exp(np.cumsum(rets)))

    d = vol_gate.fx_vol_decision(("low", "normal"), b)

    assert (d.passed, d.code, d.details["regime"]) == (False, "VOL_REGIME_NOT_ALLOWED", "high")
    assert d.figure > 75


def test_crypto_realized_vol_is_annualized_over_365_days() -> None:
    r = 0.02
    close = 100 * np.exp(np.cumsum(np.tile([r, -r], 20)))
    band = RealizedVol(min=20, max=150, lookback_days=14)

    d = vol_gate.realized_vol_decision(band, bars(close))

    expected = math.sqrt(365) * np.std(np.tile([r, -r], 7), ddof=1) * 100
    assert d.figure == pytest.approx(expected, rel=1e-9)
    assert d.passed is True


# ----------------------------------------------------------------------------- gate 3: technicals

def test_strong_trend_fails_the_range_bound_adx_filter() -> None:
    b = bars(100 * np.exp(np.cumsum(np.full(120, 0.01))))
    t = ta.technicals(b, float(b.close[-1]) * 1.01)

    (d,) = ta.adx_decisions(TechnicalRequirements(trend_filter={"max_adx": 25}), t)

    assert (d.passed, d.code, d.limit) == (False, "TRENDING", 25)
    assert d.figure > 25
    assert t.trend_direction == "long"


def test_jump_out_of_the_atr_channel_fails_range_confirmation() -> None:
    rng = np.random.default_rng(3)
    close = 100 + np.cumsum(rng.normal(0, 0.3, 120))
    close[-8:] += 15
    req = TechnicalRequirements(range_confirmation={"lookback": 20, "atr_multiplier": 1.5, "reference_ma": 20})

    (d,) = ta.range_decision(req, bars(close))

    assert (d.passed, d.code, d.limit) == (False, "OUT_OF_RANGE", 0.8)
    assert d.figure < 0.8


def test_breakout_sets_the_direction_and_no_breakout_skips() -> None:
    close = 100 + np.sin(np.arange(60) / 3.0)
    req = TechnicalRequirements(entry_method="breakout_of_20d_range")
    b = bars(close)

    up, side = ta.breakout_decision(req, ta.technicals(b, 110.0))
    inside, none = ta.breakout_decision(req, ta.technicals(b, 100.0))

    assert (up[0].passed, side) == (True, "long")
    assert (inside[0].passed, inside[0].code, none) == (False, "NO_BREAKOUT", None)


def test_hurst_below_minimum_is_not_trending() -> None:
    d = ta.hurst_decision("gate.technical.hurst", 0.48, 0.55)

    assert (d.passed, d.code, d.figure, d.limit) == (False, "NOT_TRENDING", 0.48, 0.55)
    assert d.reason == "Hurst 0.48 below 0.55: no persistent trend"
