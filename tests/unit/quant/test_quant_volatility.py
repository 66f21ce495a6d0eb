"""Realized-vol estimators, IV rank/percentile and chain figures (ATM, 30-day CM, term, RR25)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from dorado_tui.quant import surface, volatility


def _gbm_ohlc(
    days: int, paths: int, vol: float, gap_vol: float, seed: int
) -> tuple[np.ndarray, ...]:
    """Daily OHLC from a 390-step intraday GBM plus a normal overnight gap."""
    rng = np.random.default_rng(seed)
    steps = 390
    dt = 1.0 / (252 * steps)
    o = np.empty((paths, days))
    h, lo, c = np.empty_like(o), np.empty_like(o), np.empty_like(o)
    prev_close = np.full(paths, 100.0)
    for d in range(days):
        opening = prev_close * np.exp(gap_vol * rng.normal(size=paths) - 0.5 * gap_vol**2)
        path = opening[:, None] * np.exp(
            np.cumsum(
                vol * math.sqrt(dt) * rng.normal(size=(paths, steps)) - 0.5 * vol**2 * dt, axis=1
            )
        )
        o[:, d], c[:, d] = opening, path[:, -1]
        h[:, d] = np.maximum(path.max(axis=1), opening)
        lo[:, d] = np.minimum(path.min(axis=1), opening)
        prev_close = c[:, d]
    return o, h, lo, c


def test_estimators_recover_the_diffusion_vol_of_simulated_prices() -> None:
    o, h, lo, c = _gbm_ohlc(days=60, paths=200, vol=0.25, gap_vol=0.0, seed=1)
    cc = volatility.close_to_close(c, 40)[:, -1]
    pk = volatility.parkinson(h, lo, 40)[:, -1]
    gk = volatility.garman_klass(o, h, lo, c, 40)[:, -1]
    yz = volatility.yang_zhang(o, h, lo, c, 40)[:, -1]
    assert np.mean(cc) == pytest.approx(0.25, rel=0.03)
    # Range estimators see a discretely sampled path: slightly low, far less noisy than close-close.
    for est in (pk, gk, yz):
        assert np.mean(est) == pytest.approx(0.25, rel=0.05)
    assert np.std(pk) < 0.6 * np.std(cc)


def test_yang_zhang_counts_overnight_gaps_that_range_estimators_miss() -> None:
    o, h, lo, c = _gbm_ohlc(days=60, paths=200, vol=0.20, gap_vol=0.01, seed=2)
    expected = math.sqrt(0.20**2 + 0.01**2 * 252)
    assert np.mean(volatility.yang_zhang(o, h, lo, c, 40)[:, -1]) == pytest.approx(
        expected, rel=0.05
    )
    assert np.mean(volatility.parkinson(h, lo, 40)[:, -1]) < 0.85 * expected


def test_estimators_equal_hand_computed_formulas() -> None:
    o = np.array([10.0, 10.4, 10.1, 10.6, 10.2])
    h = np.array([10.5, 10.9, 10.6, 10.8, 10.7])
    lo = np.array([9.8, 10.2, 9.9, 10.1, 10.0])
    c = np.array([10.3, 10.2, 10.5, 10.3, 10.6])
    n, ann = 4, 252.0
    r = [math.log(c[i] / c[i - 1]) for i in range(1, 5)]
    mean = sum(r) / n
    assert volatility.close_to_close(c, n)[-1] == pytest.approx(
        math.sqrt(sum((x - mean) ** 2 for x in r) / (n - 1) * ann)
    )
    pk = sum(math.log(h[i] / lo[i]) ** 2 for i in range(1, 5)) / (4 * math.log(2) * n)
    assert volatility.parkinson(h, lo, n)[-1] == pytest.approx(math.sqrt(pk * ann))
    gk = (
        sum(
            0.5 * math.log(h[i] / lo[i]) ** 2 - (2 * math.log(2) - 1) * math.log(c[i] / o[i]) ** 2
            for i in range(1, 5)
        )
        / n
    )
    assert volatility.garman_klass(o, h, lo, c, n)[-1] == pytest.approx(math.sqrt(gk * ann))
    on = [math.log(o[i] / c[i - 1]) for i in range(1, 5)]
    oc = [math.log(c[i] / o[i]) for i in range(1, 5)]
    rs = (
        sum(
            math.log(h[i] / c[i]) * math.log(h[i] / o[i])
            + math.log(lo[i] / c[i]) * math.log(lo[i] / o[i])
            for i in range(1, 5)
        )
        / n
    )
    k = 0.34 / (1.34 + (n + 1) / (n - 1))
    yz = np.var(on, ddof=1) + k * np.var(oc, ddof=1) + (1 - k) * rs
    assert volatility.yang_zhang(o, h, lo, c, n)[-1] == pytest.approx(math.sqrt(yz * ann))
    assert np.isnan(volatility.yang_zhang(o, h, lo, c, n)[:-1]).all()


def test_iv_rank_and_percentile_by_hand() -> None:
    iv = np.array([0.20, 0.30, 0.25, np.nan, 0.10, 0.22])
    rank, pct = volatility.iv_rank_percentile(iv, window=5, min_periods=4)
    # last window: 0.30, 0.25, nan, 0.10, 0.22 -> min .10, max .30; below .22: just .10 of 3 before
    assert rank[-1] == pytest.approx(100 * (0.22 - 0.10) / 0.20)
    assert pct[-1] == pytest.approx(100 / 3)
    assert np.isnan(rank[:2]).all() and np.isnan(rank[3])
    universe = np.vstack([iv, iv * 2])
    r2, _ = volatility.iv_rank_percentile(universe, window=5, min_periods=4)
    np.testing.assert_allclose(r2[1], rank, equal_nan=True)


def test_vol_zscore_flags_a_spike() -> None:
    iv = np.concatenate([np.full(30, 0.2) + 0.01 * np.sin(np.arange(30)), [0.35]])
    assert volatility.vol_zscore(iv, 20)[-1] > 3.0


def _chain(
    spot: float, r: float, q: float, expiries: list[float], atm: list[float], skew: float
) -> tuple[np.ndarray, ...]:
    """Smile σ(K) = atm + skew·ln(K/F) per expiry, calls and puts at every strike."""
    ts, ks, vs, calls = [], [], [], []
    for t, a in zip(expiries, atm, strict=True):
        fwd = spot * math.exp((r - q) * t)
        for k in np.linspace(0.6 * spot, 1.4 * spot, 81):
            for is_call in (True, False):
                ts.append(t)
                ks.append(k)
                vs.append(a + skew * math.log(k / fwd))
                calls.append(is_call)
    return np.array(ts), np.array(ks), np.array(vs), np.array(calls)


def test_atm_and_constant_maturity_iv_follow_the_variance_convention() -> None:
    t1, t2 = 20 / 365, 40 / 365
    chain = surface.smiles(
        *_chain(100.0, 0.04, 0.01, [t1, t2], [0.20, 0.30], -0.1), spot=100.0, rate=0.04, div=0.01
    )
    assert [s.t for s in chain] == [t1, t2]
    assert surface.atm_iv(chain[0]) == pytest.approx(0.20, abs=1e-12)
    target = 30 / 365
    expected = math.sqrt(
        (0.20**2 * t1 + (0.30**2 * t2 - 0.20**2 * t1) * (target - t1) / (t2 - t1)) / target
    )
    assert surface.constant_maturity_iv(chain, target) == pytest.approx(expected, abs=1e-12)
    assert surface.constant_maturity_iv(chain, 5 / 365) == pytest.approx(
        0.20
    )  # flat before the first expiry
    ratio = surface.term_structure_ratio(chain, 30 / 365, 40 / 365)
    assert ratio == pytest.approx(expected / 0.30)


def test_25_delta_risk_reversal_matches_root_found_strikes() -> None:
    t, spot, r, q, skew = 60 / 365, 100.0, 0.03, 0.0, -0.15
    chain = surface.smiles(*_chain(spot, r, q, [t], [0.25], skew), spot=spot, rate=r, div=q)
    fwd = spot * math.exp((r - q) * t)

    def vol(k: float) -> float:
        return 0.25 + skew * math.log(k / fwd)

    def call_delta(k: float) -> float:
        sd = vol(k) * math.sqrt(t)
        return float(norm.cdf(math.log(fwd / k) / sd + 0.5 * sd))

    k_call = brentq(lambda k: call_delta(k) - 0.25, fwd, 1.4 * spot)
    k_put = brentq(lambda k: call_delta(k) - 0.75, 0.6 * spot, fwd)
    rr = surface.risk_reversal_25d(chain[0])
    assert rr == pytest.approx(vol(k_call) - vol(k_put), abs=2e-4)  # strike grid spacing 1.0
    assert rr < 0


def test_out_of_range_quotes_are_nan_and_bad_deltas_raise() -> None:
    ts, ks, vs, calls = _chain(100.0, 0.0, 0.0, [0.1], [0.2], 0.0)
    far_otm = ks > 120
    chain = surface.smiles(ts[far_otm], ks[far_otm], vs[far_otm], calls[far_otm], spot=100.0)
    assert math.isnan(surface.atm_iv(chain[0]))
    assert math.isnan(surface.iv_at_delta(chain[0], -0.25))
    with pytest.raises(ValueError, match="delta must be in"):
        surface.iv_at_delta(chain[0], 1.5)
