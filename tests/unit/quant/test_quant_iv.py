"""Implied vol: 10^5-option round trip, short-dated and extreme cases, reason codes."""

from __future__ import annotations

import numpy as np
import pytest

from dorado_tui.quant.iv import IVReason, implied_vol
from dorado_tui.quant.pricing import american_price, black76_price, bsm_greeks, bsm_price, gk_price

MINUTE = 1.0 / (365.0 * 24.0 * 60.0)
EPS = np.finfo(float).eps


def _grid(n: int, seed: int) -> dict[str, np.ndarray]:
    """Moneyness e^±0.5, T from 5 minutes to 3 years (log-uniform), σ 5 %-200 %."""
    rng = np.random.default_rng(seed)
    return {
        "k": 100.0 * np.exp(rng.uniform(-0.5, 0.5, n)),
        "t": np.exp(rng.uniform(np.log(5 * MINUTE), np.log(3.0), n)),
        "v": rng.uniform(0.05, 2.0, n),
        "r": rng.uniform(-0.01, 0.08, n),
        "q": rng.uniform(0.0, 0.05, n),
        "call": rng.random(n) < 0.5,
    }


def test_round_trip_of_100k_random_options_recovers_vol_to_1e_10() -> None:
    g = _grid(100_000, seed=7)
    s, k, t, r, q, v, call = 100.0, g["k"], g["t"], g["r"], g["q"], g["v"], g["call"]
    greeks = bsm_greeks(s, k, t, r, q, v, call)
    price = greeks.price

    result = implied_vol(price, s, k, t, r, q, call)

    forward = s * np.exp((r - q) * t)
    intrinsic = np.where(call, np.maximum(forward - k, 0), np.maximum(k - forward, 0)) * np.exp(
        -r * t
    )
    has_time_value = price - intrinsic >= 1e-8
    # A double-precision price pins σ only to ~ulp(price)/vega: for in-the-money options that
    # bound exceeds 1e-10 when vega is tiny, i.e. the time value does not allow it.
    with np.errstate(divide="ignore", over="ignore"):
        resolvable = 4 * EPS * np.maximum(s, k) / (greeks.vega * 100) <= 1e-10
    checked = has_time_value & resolvable
    assert checked.sum() > 50_000
    assert np.all(result.reason[checked] == IVReason.OK)
    assert np.max(np.abs(result.iv[checked] - v[checked])) <= 1e-10
    # Everywhere the solver answered, repricing reproduces the price to its own rounding.
    solved = result.ok
    reprice = bsm_price(
        s, k[solved], t[solved], r[solved], q[solved], result.iv[solved], call[solved]
    )
    assert np.max(np.abs(reprice - price[solved])) <= 1e-12
    # Nothing with time value is refused.
    assert np.all(result.ok[has_time_value])


@pytest.mark.parametrize("strike", [60.0, 95.0, 100.0, 105.0, 160.0])
def test_zero_dte_option_with_minutes_left_round_trips(strike: float) -> None:
    t = 30 * MINUTE
    vols = np.array([0.08, 0.3, 1.2, 2.0])
    for call in (True, False):
        price = bsm_price(100.0, strike, t, 0.05, 0.0, vols, call)
        res = implied_vol(price, 100.0, strike, t, 0.05, 0.0, call)
        otm_time_value = bsm_price(100.0, strike, t, 0.05, 0.0, vols, strike > 100.0)
        fine = otm_time_value >= 1e-8
        np.testing.assert_allclose(res.iv[fine], vols[fine], rtol=0, atol=1e-10)


def test_deep_otm_tiny_prices_are_solved_in_log_space() -> None:
    vols = np.array([0.05, 0.1, 0.2])
    price = bsm_price(100.0, 160.0, 0.25, 0.03, 0.0, vols, True)
    assert price[0] < 1e-30  # far below what a linear solver could resolve
    res = implied_vol(price, 100.0, 160.0, 0.25, 0.03, 0.0, True)
    np.testing.assert_allclose(res.iv, vols, rtol=1e-12)


def test_black76_and_gk_models_round_trip() -> None:
    g = _grid(5_000, seed=8)
    p76 = black76_price(100.0, g["k"], g["t"], g["r"], g["v"], g["call"])
    res76 = implied_vol(p76, 100.0, g["k"], g["t"], g["r"], 0.123, g["call"], model="black76")
    pgk = gk_price(100.0, g["k"], g["t"], g["r"], g["q"], g["v"], g["call"])
    resgk = implied_vol(pgk, 100.0, g["k"], g["t"], g["r"], g["q"], g["call"], model="gk")
    # Time value = price of the out-of-the-money twin; keep well-conditioned near-money quotes.
    tv76 = black76_price(100.0, g["k"], g["t"], g["r"], g["v"], g["k"] > 100.0)
    fwd = 100.0 * np.exp((g["r"] - g["q"]) * g["t"])
    tvgk = gk_price(100.0, g["k"], g["t"], g["r"], g["q"], g["v"], g["k"] > fwd)
    near = np.abs(np.log(g["k"] / 100.0)) < 0.05
    for res, tv in ((res76, tv76), (resgk, tvgk)):
        good = near & (tv > 1e-3)
        assert good.sum() > 200
        np.testing.assert_allclose(res.iv[good], g["v"][good], rtol=0, atol=1e-10)


def test_reason_codes_explain_every_missing_vol() -> None:
    s, k, t, r = 100.0, 90.0, 0.5, 0.05
    intrinsic_pv = s - k * np.exp(-r * t)  # call, no dividend
    prices = np.array([intrinsic_pv - 0.5, intrinsic_pv, 101.0, -1.0, 14.0, 14.0])
    ts = np.array([t, t, t, t, 0.0, t])
    res = implied_vol(prices, s, k, ts, r, 0.0, True)
    assert res.reason.tolist() == [
        IVReason.BELOW_INTRINSIC,
        IVReason.NO_TIME_VALUE,
        IVReason.ABOVE_BOUND,
        IVReason.INVALID_INPUT,
        IVReason.INVALID_INPUT,
        IVReason.OK,
    ]
    assert np.isnan(res.iv[:5]).all()
    assert res.iv.dtype == np.float64 and res.reason.dtype == np.int8
    assert res.ok.tolist() == [False] * 5 + [True]


def test_unknown_model_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"unknown model 'heston'; expected one of bsm, black76, gk, american"
    ):
        implied_vol(1.0, 100.0, 100.0, 0.5, 0.0, 0.0, True, model="heston")


def test_iv_broadcasts_a_chain_against_one_spot() -> None:
    strikes = np.array([[90.0, 100.0, 110.0]])
    expiries = np.array([[0.1], [0.5]])
    prices = bsm_price(100.0, strikes, expiries, 0.02, 0.01, 0.25, False)
    res = implied_vol(prices, 100.0, strikes, expiries, 0.02, 0.01, False)
    assert res.iv.shape == (2, 3)
    np.testing.assert_allclose(res.iv, 0.25, atol=1e-12)


def test_american_model_round_trips_bjerksund_stensland_prices() -> None:
    rng = np.random.default_rng(9)
    n = 2_000
    k = 100.0 * np.exp(rng.uniform(-0.4, 0.4, n))
    t = np.exp(rng.uniform(np.log(1 / 365), np.log(2.0), n))
    v, r, q = rng.uniform(0.05, 1.5, n), rng.uniform(0.0, 0.08, n), rng.uniform(0.0, 0.06, n)
    call = rng.random(n) < 0.5
    price = american_price(100.0, k, t, r, q, v, call)

    res = implied_vol(price, 100.0, k, t, r, q, call, model="american")

    intrinsic = np.where(call, np.maximum(100.0 - k, 0.0), np.maximum(k - 100.0, 0.0))
    h = 1e-5
    vega = (
        american_price(100.0, k, t, r, q, v + h, call)
        - american_price(100.0, k, t, r, q, v - h, call)
    ) / (2 * h)
    resolvable = (price - intrinsic > 1e-6) & (vega > 1e-3)
    assert resolvable.sum() > 1_500
    assert np.max(np.abs(res.iv[resolvable] - v[resolvable])) <= 1e-8
    assert set(np.unique(res.reason).tolist()) <= {IVReason.OK, IVReason.NO_TIME_VALUE}


def test_american_put_in_the_exercise_region_has_no_time_value() -> None:
    deep = american_price(100.0, 160.0, 0.5, 0.08, 0.0, 0.2, False)
    assert float(deep) == pytest.approx(60.0)
    res = implied_vol(deep, 100.0, 160.0, 0.5, 0.08, 0.0, False, model="american")
    assert res.reason.tolist() == IVReason.NO_TIME_VALUE
    below = implied_vol(59.0, 100.0, 160.0, 0.5, 0.08, 0.0, False, model="american")
    assert below.reason.tolist() == IVReason.BELOW_INTRINSIC


def test_vectorized_pass_agrees_with_the_reference_solver() -> None:
    from dorado_tui.quant._iv import implied_one
    from dorado_tui.quant._iv_fast import fast_one

    g = _grid(3_000, seed=10)
    price = bsm_price(100.0, g["k"], g["t"], g["r"], g["q"], g["v"], g["call"])
    vec = implied_vol(price, 100.0, g["k"], g["t"], g["r"], g["q"], g["call"])
    rows = zip(price, g["k"], g["t"], g["r"], g["q"], g["call"], strict=True)
    ref = [implied_one(p, 100.0, k, t, r, q, bool(c)) for p, k, t, r, q, c in rows]
    assert vec.reason.tolist() == [code for _, code in ref]
    ok = vec.ok
    np.testing.assert_allclose(
        vec.iv[ok], np.array([v for v, _ in ref])[ok], rtol=1e-11, atol=1e-12
    )
    settled = [
        fast_one(p, 100.0, k, t, r, q, bool(c))[1]
        for p, k, t, r, q, c in zip(price, g["k"], g["t"], g["r"], g["q"], g["call"], strict=True)
    ]
    assert np.mean(settled) > 0.8  # the fast pass does most of the work; the rest is re-solved
