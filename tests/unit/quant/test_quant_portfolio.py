"""Greeks aggregation, beta weighting, VaR/CVaR, stress grid, scenarios, correlation and PCA."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from dorado_tui.quant import correlation, portfolio, stress, var
from dorado_tui.quant.book import OptionBook
from dorado_tui.quant.pricing import american_price, bsm_greeks, bsm_price


def _book(n: int = 40, seed: int = 0) -> OptionBook:
    rng = np.random.default_rng(seed)
    names = np.array(["SPY", "QQQ", "IWM", "GLD"])[rng.integers(0, 4, n)]
    spots = {"SPY": 500.0, "QQQ": 430.0, "IWM": 200.0, "GLD": 190.0}
    spot = np.array([spots[u] for u in names])
    is_option = rng.random(n) < 0.8
    return OptionBook.create(
        names, spot, rng.integers(-5, 6, n) * np.where(is_option, 100.0, 1.0), is_option=is_option,
        strike=spot * np.exp(rng.uniform(-0.15, 0.15, n)), t=rng.uniform(5, 90, n) / 365,
        vol=rng.uniform(0.12, 0.4, n), rate=0.04, div=0.012, is_call=rng.random(n) < 0.5,
    )  # fmt: skip


def test_position_greeks_scale_unit_greeks_by_signed_quantity() -> None:
    book = OptionBook.create(["SPY", "SPY"], 500.0, [-300.0, 100.0], is_option=[True, False],
                             strike=480.0, t=30 / 365, vol=0.2, rate=0.04, div=0.01, is_call=False)  # fmt: skip
    g = portfolio.position_greeks(book)
    unit = bsm_greeks(500.0, 480.0, 30 / 365, 0.04, 0.01, 0.2, False)
    assert g["delta"][0] == pytest.approx(-300 * float(unit.delta))
    assert g["vega"][0] == pytest.approx(-300 * float(unit.vega))
    assert g["delta"][1] == 100.0 and g["gamma"][1] == 0.0 and g["value"][1] == 50_000.0
    assert g["dollar_delta"][0] == pytest.approx(g["delta"][0] * 500.0)
    assert g["dollar_gamma"][0] == pytest.approx(-300 * float(unit.gamma) * 500.0**2 / 100)


def test_aggregation_by_any_labels_matches_a_pandas_groupby() -> None:
    book = _book()
    per = portfolio.position_greeks(book)
    layers = np.where(np.arange(book.size) % 3 == 0, "L1-wheel", "L2-spreads")
    for labels in (book.underlying, layers, np.full(book.size, "portfolio")):
        totals = portfolio.aggregate(per, labels)
        expected = pd.DataFrame(per).groupby(labels).sum()
        assert list(totals.labels) == list(expected.index)
        for name in portfolio.GREEK_NAMES:
            np.testing.assert_allclose(getattr(totals, name), expected[name].to_numpy(), rtol=1e-12)
    assert portfolio.aggregate_book(book).row("SPY")["delta"] == pytest.approx(
        float(per["delta"][book.underlying == "SPY"].sum())
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), groups=st.integers(1, 6))
def test_totals_are_invariant_to_how_positions_are_grouped(seed: int, groups: int) -> None:
    book = _book(30, seed)
    per = portfolio.position_greeks(book)
    labels = np.random.default_rng(seed).integers(0, groups, book.size).astype(str)
    by_group = portfolio.aggregate(per, labels)
    whole = portfolio.aggregate(per, np.zeros(book.size, dtype=str))
    for name in portfolio.GREEK_NAMES:
        assert float(getattr(by_group, name).sum()) == pytest.approx(
            float(getattr(whole, name)[0]), rel=1e-9, abs=1e-6
        )


def test_beta_and_beta_weighted_delta() -> None:
    rng = np.random.default_rng(1)
    market = rng.normal(0, 0.01, 250)
    assets = np.vstack([1.5 * market, -0.5 * market + 0.0])
    np.testing.assert_allclose(portfolio.betas(assets, market), [1.5, -0.5], rtol=1e-12)
    shares, dollars = portfolio.beta_weighted_delta([50_000.0, -20_000.0], [1.2, 0.8], 500.0)
    assert dollars == pytest.approx(50_000 * 1.2 - 20_000 * 0.8)
    assert shares == pytest.approx(dollars / 500.0)


def test_historical_var_is_kth_worst_loss_and_cvar_the_tail_mean() -> None:
    result = var.var_from_pnl(-np.arange(1.0, 101.0))
    assert (result.var_95, result.cvar_95) == (96.0, 98.0)
    assert (result.var_99, result.cvar_99) == (100.0, 100.0)
    with pytest.raises(ValueError, match="only finite P&L"):
        var.var_from_pnl([1.0, np.nan])


def test_historical_pnl_reprices_options_fully() -> None:
    book = OptionBook.create(["SPY", "QQQ"], [500.0, 400.0], [-100.0, 10.0], is_option=[True, False],
                             strike=[490.0, np.nan], t=[20 / 365, 0.0], vol=[0.2, 0.0], rate=0.04, div=0.0,
                             is_call=False)  # fmt: skip
    returns = np.array([[-0.05, 0.01], [0.02, -0.03]])
    pnl = var.historical_pnl(book, returns, ["SPY", "QQQ"])
    for s in range(2):
        option = -100 * (bsm_price(500 * (1 + returns[s, 0]), 490, 19 / 365, 0.04, 0.0, 0.2, False)
                         - bsm_price(500.0, 490, 20 / 365, 0.04, 0.0, 0.2, False))  # fmt: skip
        assert pnl[s] == pytest.approx(float(option) + 10 * 400 * returns[s, 1], rel=1e-12)
    with pytest.raises(ValueError, match="no return history for QQQ"):
        var.historical_pnl(book, returns[:, :1], ["SPY"])


def test_ewma_covariance_equals_the_riskmetrics_recursion() -> None:
    r = np.random.default_rng(2).normal(0, 0.01, (300, 3))
    lam = 0.94
    sigma = np.zeros((3, 3))
    for row in r:
        sigma = lam * sigma + (1 - lam) * np.outer(row, row)
    np.testing.assert_allclose(var.ewma_covariance(r, lam) * (1 - lam**300), sigma, rtol=1e-10)


def test_parametric_var_closed_form_and_agreement_with_history_for_a_linear_book() -> None:
    result = var.parametric_var([1e6], [[1e-4]])  # 1 % daily vol
    assert result.var_95 == pytest.approx(norm.ppf(0.95) * 1e4)
    assert result.cvar_99 == pytest.approx(1e4 * norm.pdf(norm.ppf(0.99)) / 0.01)
    returns = np.random.default_rng(3).normal(0, 0.01, (200_000, 1))
    book = OptionBook.create(["SPY"], 500.0, 2000.0, is_option=False)
    hist = var.historical_var(book, returns, ["SPY"])
    assert hist.var_99 == pytest.approx(var.parametric_var([1e6], [[1e-4]]).var_99, rel=0.02)


def test_stress_grid_is_full_repricing_of_every_cell() -> None:
    book = _book(25, seed=4)
    grid = stress.stress_grid(book)
    assert grid.pnl.shape == (9, 7)
    assert grid.pnl[4, 2] == pytest.approx(0.0, abs=1e-9)  # no shock, no time: no P&L
    i, j = 0, 6  # spot -20 %, vol +100 %
    expected = 0.0
    for p in range(book.size):
        s0, q = book.spot[p], book.quantity[p]
        if not book.is_option[p]:
            expected += q * s0 * -0.2
            continue
        args = (book.strike[p], book.t[p], book.rate[p], book.div[p])
        before = bsm_price(s0, args[0], args[1], args[2], args[3], book.vol[p], book.is_call[p])
        after = bsm_price(
            0.8 * s0, args[0], args[1], args[2], args[3], 2 * book.vol[p], book.is_call[p]
        )
        expected += q * float(after - before)
    assert grid.pnl[i, j] == pytest.approx(expected, rel=1e-10)


def test_long_straddle_grid_is_convex_in_spot_and_rising_in_vol() -> None:
    book = OptionBook.create(["SPY", "SPY"], 500.0, 100.0, strike=500.0, t=30 / 365, vol=0.2,
                             rate=0.04, is_call=[True, False])  # fmt: skip
    grid = stress.stress_grid(book)
    assert np.all(np.diff(grid.pnl, axis=1) > 0)  # long vega
    assert np.all(np.diff(grid.pnl[:, 2], n=2) > 0)  # long gamma
    assert grid.worst == pytest.approx(-grid.pnl.min())


def test_american_rows_are_repriced_with_the_american_model() -> None:
    book = OptionBook.create(
        ["IWM"], 200.0, 100.0, strike=230.0, t=0.5, vol=0.3, rate=0.06, is_call=False, american=True
    )
    grid = stress.stress_grid(book, spot_shocks=[-0.1], vol_shocks=[0.0])
    before = american_price(200.0, 230.0, 0.5, 0.06, 0.0, 0.3, False)
    after = american_price(180.0, 230.0, 0.5, 0.06, 0.0, 0.3, False)
    assert grid.pnl[0, 0] == pytest.approx(100 * float(after - before), rel=1e-12)


def test_named_scenarios_move_spots_vols_and_time_as_documented() -> None:
    book = OptionBook.create(
        ["SPY"], 500.0, -100.0, strike=480.0, t=30 / 365, vol=0.2, rate=0.04, is_call=False
    )
    results = stress.run_scenarios(book, vol_ratio=[1.5])
    crash_spot = 500.0 * (1 + 0.9 * 1.5 * -0.20)
    crash = -100 * float(
        bsm_price(crash_spot, 480.0, 28 / 365, 0.04, 0.0, 0.4, False)
        - bsm_price(500.0, 480.0, 30 / 365, 0.04, 0.0, 0.2, False)
    )
    assert results["2008-style crash"] == pytest.approx(crash, rel=1e-12)
    assert results["vol crush"] > 0  # short vega gains when vols fall 40 %
    assert results["weekend gap"] < 0
    assert stress.scenario_moves(book, stress.WEEKEND_GAP, beta=[1.3])[0] == pytest.approx(
        -0.07 * 1.3
    )


def test_correlation_matrix_and_pca_of_a_one_factor_market() -> None:
    rng = np.random.default_rng(5)
    factor = rng.normal(size=(5000, 1))
    loadings = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    returns = factor * loadings + rng.normal(size=(5000, 5)) * np.sqrt(1 - loadings**2)
    returns[10, 2] = np.nan  # an incomplete day is dropped
    corr = correlation.correlation_matrix(returns)
    complete = returns[np.isfinite(returns).all(axis=1)]
    np.testing.assert_allclose(corr, np.corrcoef(complete, rowvar=False), atol=1e-12)
    result = correlation.pca(corr)
    implied = np.outer(loadings, loadings) + np.diag(1 - loadings**2)
    expected_first = np.linalg.eigvalsh(implied)[-1] / 5
    assert result.first_share == pytest.approx(expected_first, abs=0.02)
    np.testing.assert_allclose(result.components.T @ result.components, np.eye(5), atol=1e-12)
    assert (result.components[:, 0] > 0).all()
    assert result.n_for_80 == int(np.searchsorted(np.cumsum(result.explained), 0.8) + 1)


def test_pca_extremes_identity_and_perfect_correlation() -> None:
    assert correlation.pca(np.eye(10)).n_for_80 == 8
    one = correlation.pca(np.ones((6, 6)))
    assert one.n_for_80 == 1 and one.first_share == pytest.approx(1.0)
    with pytest.raises(ValueError, match="only 5 complete days"):
        correlation.correlation_matrix(np.ones((5, 3)))
    assert math.isclose(float(correlation.pca(np.eye(3)).explained.sum()), 1.0)
