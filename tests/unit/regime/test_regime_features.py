"""Feature pipeline: hand-checked windows, as-of alignment, input validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from regime_synthetic import Synthetic

from dorado_tui.regime.features import FeatureSpec, macro_features, rolling_zscore
from dorado_tui.regime.indicators import realized_vol
from dorado_tui.regime.inputs import MarketFrames, RegimeDataError, asof_align


def test_rolling_zscore_matches_hand_computation() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 4.0, 8.0]})
    z = rolling_zscore(frame, 3)["x"]
    window = np.array([2.0, 4.0, 8.0])
    assert z.iloc[:2].isna().all()
    assert z.iloc[3] == pytest.approx((8.0 - window.mean()) / window.std())


def test_realized_vol_is_annualised_sample_std_of_log_returns() -> None:
    closes = pd.Series([100.0, 101.0, 99.0, 102.0, 103.0])
    rets = np.diff(np.log(closes.to_numpy()))
    expected = rets[-3:].std(ddof=1) * np.sqrt(252)
    assert realized_vol(closes, 3).iloc[-1] == pytest.approx(expected)


def test_asof_align_carries_values_forward_never_backward() -> None:
    crypto = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-07"]))
    calendar = pd.DatetimeIndex(pd.to_datetime(["2024-01-04", "2024-01-05", "2024-01-08"]))
    out = asof_align(crypto, calendar).iloc[:, 0]
    assert np.isnan(out.iloc[0])  # nothing known yet on the 4th
    assert out.iloc[1] == 1.0
    assert out.iloc[2] == 3.0  # Monday sees Sunday's close


def test_macro_features_carry_every_family_on_the_equity_calendar(synth: Synthetic,
                                                                  features: pd.DataFrame) -> None:
    spy_days = synth.data.closes["SPY"].dropna().index
    assert features.index.equals(spy_days)
    for name in ("vix", "vix_term", "spy_trend", "spy_rv", "credit_spread", "curve_2s10s",
                 "ratio_QQQ_IWM", "rate_diff_us_jp", "funding_BTC", "vix_z63", "vix_z126",
                 "vix_z252", "credit_spread_roc21"):
        assert name in features.columns, name
    last = features.iloc[-1]
    closes = synth.data.closes
    assert last["vix_term"] == pytest.approx(closes["VIX"].dropna().iloc[-1] / closes["VIX3M"].dropna().iloc[-1])


def test_ma_ratio_uses_trailing_50_and_200_day_means(synth: Synthetic, features: pd.DataFrame) -> None:
    spy = synth.data.closes["SPY"].dropna().to_numpy()
    expected = spy[-50:].mean() / spy[-200:].mean() - 1
    assert features["spy_trend"].iloc[-1] == pytest.approx(expected)
    assert features["spy_trend"].iloc[:199].isna().all()


def test_funding_is_averaged_on_its_own_calendar_then_aligned(synth: Synthetic, features: pd.DataFrame) -> None:
    funding = synth.data.macro["funding_BTC"].dropna()
    day = features.index[-1]
    expected = funding.loc[:day].iloc[-7:].mean()
    assert features.loc[day, "funding_BTC"] == pytest.approx(expected)


def test_missing_equity_series_is_a_clear_error() -> None:
    data = MarketFrames(closes=pd.DataFrame({"QQQ": [1.0, 2.0]}, index=pd.bdate_range("2024-01-01", periods=2)))
    with pytest.raises(RegimeDataError, match="the macro features need SPY closes"):
        macro_features(data, FeatureSpec())


@pytest.mark.parametrize(("index", "message"), [
    (pd.to_datetime(["2024-01-02", "2024-01-02"]), "`closes` has a duplicate date 2024-01-02"),
    (pd.to_datetime(["2024-01-03", "2024-01-02"]), "`closes` dates are not in ascending order"),
    (pd.to_datetime(["2024-01-02", "2024-01-03"]).tz_localize("UTC"), "index must be tz-naive"),
    (pd.Index([1, 2]), "`closes` must be indexed by date, got Index"),
])
def test_bad_frames_are_refused_with_the_reason(index: pd.Index, message: str) -> None:
    with pytest.raises(RegimeDataError, match=message):
        MarketFrames(closes=pd.DataFrame({"SPY": [1.0, 2.0]}, index=index))


def test_empty_closes_are_refused() -> None:
    with pytest.raises(RegimeDataError, match="`closes` is empty"):
        MarketFrames(closes=pd.DataFrame())


def test_store_frames_use_session_dates_average_funding_and_drop_the_answer_key() -> None:
    from dorado_tui.regime.inputs import frames_from_store

    stamps = pd.DatetimeIndex(["2024-01-02", "2024-01-03"]).tz_localize("UTC")
    bars = {"SPY": pd.DataFrame({"open": 1.0, "high": [11.0, 12.0], "low": [9.0, 10.0], "close": [10.0, 11.0],
                                 "volume": 0.0}, index=stamps)}
    macro = pd.DataFrame({"credit_spread": [1.1, 1.2], "sim_planted_regime": [0.0, 3.0], "us10y": np.nan},
                         index=pd.Index([pd.Timestamp("2024-01-02").date(), pd.Timestamp("2024-01-03").date()]))
    funding = {"BTC": pd.Series([1e-4, 2e-4, 3e-4, 4e-4],
                                index=pd.date_range("2024-01-02", periods=4, freq="8h", tz="UTC"))}
    data = frames_from_store(bars, macro, funding)
    assert list(data.closes.index) == list(pd.to_datetime(["2024-01-02", "2024-01-03"]))
    assert data.highs.loc["2024-01-03", "SPY"] == 12.0
    assert "sim_planted_regime" not in data.macro and "us10y" not in data.macro
    assert data.macro.loc["2024-01-02", "funding_BTC"] == pytest.approx(2e-4)
    assert data.macro.loc["2024-01-03", "funding_BTC"] == pytest.approx(4e-4)


def test_an_empty_store_is_reported_with_the_command_that_fills_it() -> None:
    from dorado_tui.regime.inputs import RegimeDataMissing, frames_from_store

    with pytest.raises(RegimeDataMissing, match="no daily bars in the store"):
        frames_from_store({"SPY": pd.DataFrame(columns=["close", "high", "low"])})
