"""Correlation regime: rolling matrices against pandas, PCA figures on hand matrices, regimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from regime_synthetic import Synthetic

from dorado_tui.regime.correlation import (
    CorrelationConfig,
    aligned_returns,
    correlation_history,
    pca_summary,
    rolling_correlations,
)


def test_rolling_correlation_matches_pandas_on_each_window(synth: Synthetic) -> None:
    returns = aligned_returns(synth.data, CorrelationConfig())
    dates, corr = rolling_correlations(returns, 42)
    for day in (dates[0], dates[500], dates[-1]):
        pos = returns.index.get_loc(day)
        expected = returns.iloc[pos - 41: pos + 1].corr().to_numpy()
        np.testing.assert_allclose(corr[list(dates).index(day)], expected, atol=1e-9)


def test_identity_correlation_needs_most_components() -> None:
    n, share, _ = pca_summary(np.eye(5)[None], 0.80)
    assert n[0] == 4 and share[0] == pytest.approx(0.2)


def test_perfectly_correlated_assets_need_one_component() -> None:
    rho = 0.95
    corr = np.full((4, 4), rho) + np.eye(4) * (1 - rho)
    n, share, _ = pca_summary(corr[None], 0.80)
    assert n[0] == 1
    assert share[0] == pytest.approx((1 + 3 * rho) / 4)


def test_two_blocks_need_two_components() -> None:
    block = np.full((3, 3), 0.97) + np.eye(3) * 0.03
    corr = np.zeros((6, 6))
    corr[:3, :3], corr[3:, 3:] = block, block
    n, _, explained = pca_summary(corr[None], 0.80)
    assert n[0] == 2
    assert explained[0, 1] == pytest.approx((2 * (1 + 2 * 0.97)) / 6)


def test_crisis_days_are_concentrated_and_calm_days_diversified(synth: Synthetic) -> None:
    history = correlation_history(synth.data)
    planted = synth.planted.reindex(history.index)
    assert (history.loc[planted == "crisis", "regime"] == "concentrated").mean() >= 0.8
    assert (history.loc[planted == "calm", "regime"] == "diversified").mean() >= 0.8
    assert history.loc[planted == "crisis", "first_pc_share"].mean() > history.loc[planted == "calm", "first_pc_share"].mean()


def test_implied_correlation_rule_flags_days_the_prd_rule_misses(synth: Synthetic) -> None:
    prd_only = correlation_history(synth.data, CorrelationConfig(min_implied_corr=None))
    both = correlation_history(synth.data)
    assert (prd_only["regime"] == "concentrated").equals(prd_only["n_components"] <= 2)
    assert (both["regime"] == "concentrated").sum() > (prd_only["regime"] == "concentrated").sum()
    assert (both.loc[both["implied_corr"] >= 0.30, "regime"] == "concentrated").all()
    assert ((both["margin"] >= 0) == (both["regime"] == "concentrated")).all()


def test_implied_correlation_of_an_equicorrelated_universe_is_its_correlation() -> None:
    rho, k = 0.37, 9
    corr = np.full((k, k), rho) + np.eye(k) * (1 - rho)
    _, share, _ = pca_summary(corr[None], 0.80)
    assert (k * share[0] - 1) / (k - 1) == pytest.approx(rho)


def test_too_few_assets_is_refused(synth: Synthetic) -> None:
    from dorado_tui.regime.inputs import MarketFrames, RegimeDataError

    data = MarketFrames(closes=synth.data.closes[["SPY", "QQQ"]])
    with pytest.raises(RegimeDataError, match="correlation regime needs ≥ 3 of"):
        correlation_history(data)


def test_weekend_crypto_moves_land_in_monday_returns(synth: Synthetic) -> None:
    returns = aligned_returns(synth.data, CorrelationConfig())
    btc = synth.data.closes["BTC"].dropna()
    monday = next(d for d in returns.index[10:] if d.weekday() == 0)
    friday = returns.index[returns.index.get_loc(monday) - 1]
    assert returns.loc[monday, "BTC"] == pytest.approx(np.log(btc.loc[monday] / btc.loc[friday]))
    assert isinstance(returns, pd.DataFrame)


def test_stacked_pca_agrees_with_the_quant_core_matrix_by_matrix(synth: Synthetic) -> None:
    from dorado_tui.quant.correlation import pca

    returns = aligned_returns(synth.data, CorrelationConfig())
    _, corr = rolling_correlations(returns, 42)
    picks = corr[::400]
    n, share, _ = pca_summary(picks, 0.80)
    for i, matrix in enumerate(picks):
        ref = pca(matrix, 0.80)
        assert n[i] == ref.n_for_80
        assert share[i] == pytest.approx(ref.first_share, abs=1e-12)
