"""Prices and Greeks against textbook values, put-call parity and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from dorado_tui.quant.pricing import (
    Greeks,
    black76_greeks,
    black76_price,
    bsm_greeks,
    bsm_price,
    gk_greeks,
    gk_price,
)

# Haug, "The Complete Guide to Option Pricing Formulas" (1998), pp. 2-8, 24, 27:
# (is_call, strike, spot, q, r, t, vol, value)
HAUG_BSM = [
    (True, 65.0, 60.0, 0.00, 0.08, 0.25, 0.30, 2.1334),
    (False, 95.0, 100.0, 0.05, 0.10, 0.50, 0.20, 2.4648),
    (False, 70.0, 75.0, 0.05, 0.10, 0.50, 0.35, 4.0870),
    (True, 100.0, 90.0, 0.10, 0.10, 0.10, 0.15, 0.0205),
    (True, 100.0, 110.0, 0.10, 0.10, 0.10, 0.25, 10.3556),
    (True, 100.0, 100.0, 0.10, 0.10, 0.50, 0.35, 9.3679),
    (False, 100.0, 90.0, 0.10, 0.10, 0.10, 0.35, 10.8479),
    (False, 100.0, 110.0, 0.10, 0.10, 0.50, 0.25, 3.2734),
    (True, 40.0, 42.0, 0.08, 0.04, 0.75, 0.35, 5.0975),
]


@pytest.mark.parametrize(("is_call", "strike", "spot", "q", "r", "t", "vol", "value"), HAUG_BSM)
def test_bsm_price_matches_haug_to_printed_precision(
    is_call: bool,
    strike: float,
    spot: float,
    q: float,
    r: float,
    t: float,
    vol: float,
    value: float,
) -> None:
    assert abs(float(bsm_price(spot, strike, t, r, q, vol, is_call)) - value) <= 5e-5


def test_bsm_matches_hull_example_15_6() -> None:
    # Hull, Options, Futures and Other Derivatives: S=42, K=40, r=10 %, σ=20 %, T=0.5 -> 4.76 / 0.81
    prices = bsm_price(42.0, 40.0, 0.5, 0.10, 0.0, 0.20, np.array([True, False]))
    np.testing.assert_allclose(prices, [4.76, 0.81], atol=5e-3)


def test_bsm_greeks_match_hull_worked_example() -> None:
    # Hull ch. 19: S=49, K=50, r=5 %, σ=20 %, T=20 weeks: Δ .522, Γ .066, Θ -4.31/yr,
    # vega 12.1 per unit σ, rho 8.91 per unit r.
    g = bsm_greeks(49.0, 50.0, 0.3846, 0.05, 0.0, 0.20, True)
    assert abs(float(g.price) - 2.40) <= 5e-3
    assert abs(float(g.delta) - 0.522) <= 5e-4
    assert abs(float(g.gamma) - 0.066) <= 5e-4
    assert abs(float(g.theta) * 365 - (-4.31)) <= 5e-3
    assert abs(float(g.vega) * 100 - 12.1) <= 5e-2
    assert abs(float(g.rho) * 100 - 8.91) <= 5e-3


def test_bsm_greeks_match_haug_greek_examples() -> None:
    # Haug pp. 11-16 (per unit conventions there; ours are per day / per point / per %).
    call_delta = bsm_greeks(105.0, 100.0, 0.5, 0.10, 0.10, 0.36, True).delta
    put_delta = bsm_greeks(105.0, 100.0, 0.5, 0.10, 0.10, 0.36, False).delta
    gamma = bsm_greeks(55.0, 60.0, 0.75, 0.10, 0.0, 0.30, True).gamma
    vega = bsm_greeks(55.0, 60.0, 0.75, 0.10, 0.0, 0.30, False).vega
    theta_day = bsm_greeks(430.0, 405.0, 1.0 / 12.0, 0.07, 0.05, 0.20, False).theta
    rho = bsm_greeks(72.0, 75.0, 1.0, 0.09, 0.0, 0.19, True).rho
    assert abs(float(call_delta) - 0.5946) <= 5e-5
    assert abs(float(put_delta) - (-0.3566)) <= 5e-5
    assert abs(float(gamma) - 0.0278) <= 5e-5
    assert abs(float(vega) * 100 - 18.9358) <= 5e-5
    assert abs(float(theta_day) - (-0.0855)) <= 5e-5
    assert abs(float(rho) * 100 - 38.7325) <= 5e-5


def test_black76_matches_haug_futures_option() -> None:
    # Haug p. 4: F=19, K=19, T=0.75, r=10 %, σ=28 % -> call = put = 1.7011
    prices = black76_price(19.0, 19.0, 0.75, 0.10, 0.28, np.array([True, False]))
    np.testing.assert_allclose(prices, [1.7011, 1.7011], atol=5e-5)


def test_garman_kohlhagen_matches_haug_fx_option() -> None:
    # Haug p. 5: S=1.56, K=1.60, T=0.5, r_d=6 %, r_f=8 %, σ=12 % -> call 0.0291
    assert abs(float(gk_price(1.56, 1.60, 0.5, 0.06, 0.08, 0.12, True)) - 0.0291) <= 5e-5


def _random_book(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    spot = rng.uniform(20.0, 400.0, n)
    return {
        "spot": spot,
        "strike": spot * np.exp(rng.uniform(-0.5, 0.5, n)),
        "t": rng.uniform(0.02, 3.0, n),
        "rate": rng.uniform(-0.01, 0.08, n),
        "div": rng.uniform(0.0, 0.06, n),
        "vol": rng.uniform(0.05, 1.5, n),
    }


def test_put_call_parity_holds_to_1e_12() -> None:
    b = _random_book(50_000, seed=1)  # large enough to take the threaded path
    args = (b["spot"], b["strike"], b["t"], b["rate"], b["div"], b["vol"])
    call, put = bsm_price(*args, True), bsm_price(*args, False)
    forward_pv = b["spot"] * np.exp(-b["div"] * b["t"]) - b["strike"] * np.exp(-b["rate"] * b["t"])
    assert (
        np.max(np.abs(call - put - forward_pv)) <= 1e-12 * 100
    )  # prices are O(100): 1e-12 relative
    f_call = black76_price(b["spot"], b["strike"], b["t"], b["rate"], b["vol"], True)
    f_put = black76_price(b["spot"], b["strike"], b["t"], b["rate"], b["vol"], False)
    parity76 = (b["spot"] - b["strike"]) * np.exp(-b["rate"] * b["t"])
    assert np.max(np.abs(f_call - f_put - parity76)) <= 1e-12 * 100


def test_put_call_parity_absolute_1e_12_at_unit_scale() -> None:
    b = _random_book(10_000, seed=2)
    spot, strike = b["spot"] / b["spot"], b["strike"] / b["spot"]  # spot = 1
    args = (spot, strike, b["t"], b["rate"], b["div"], b["vol"])
    lhs = bsm_price(*args, True) - bsm_price(*args, False)
    rhs = np.exp(-b["div"] * b["t"]) - strike * np.exp(-b["rate"] * b["t"])
    assert np.max(np.abs(lhs - rhs)) <= 1e-12


def _central(f: object, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    fn = f  # type: ignore[assignment]
    return (fn(x + h) - fn(x - h)) / (2.0 * h)  # type: ignore[operator,no-any-return]


@pytest.mark.parametrize("is_call", [True, False])
def test_bsm_greeks_equal_central_finite_differences(is_call: bool) -> None:
    b = _random_book(2_000, seed=3)
    s, k, t, r, q, v = b["spot"], b["strike"], b["t"], b["rate"], b["div"], b["vol"]
    g = bsm_greeks(s, k, t, r, q, v, is_call)
    hs, ht, hv, hr = 1e-4 * s, 1e-4 * t, 1e-6, 1e-6

    def price(
        ss: np.ndarray = s, tt: np.ndarray = t, rr: np.ndarray = r, vv: np.ndarray = v
    ) -> np.ndarray:
        return bsm_price(ss, k, tt, rr, q, vv, is_call)

    fd_delta = (price(ss=s + hs / 10) - price(ss=s - hs / 10)) / (hs / 5)
    fd_gamma = (price(ss=s + hs) - 2 * price() + price(ss=s - hs)) / hs**2
    fd_theta = -(price(tt=t + ht) - price(tt=t - ht)) / (2 * ht) / 365.0
    fd_vega = (price(vv=v + hv) - price(vv=v - hv)) / (2 * hv) * 0.01
    fd_rho = (price(rr=r + hr) - price(rr=r - hr)) / (2 * hr) * 0.01
    for analytic, fd in [(g.delta, fd_delta), (g.gamma, fd_gamma), (g.theta, fd_theta),
                         (g.vega, fd_vega), (g.rho, fd_rho)]:  # fmt: skip
        np.testing.assert_allclose(analytic, fd, rtol=1e-6, atol=1e-6)


def test_black76_and_gk_greeks_equal_central_finite_differences() -> None:
    b = _random_book(2_000, seed=4)
    f, k, t, r, q, v = b["spot"], b["strike"], b["t"], b["rate"], b["div"], b["vol"]
    g76 = black76_greeks(f, k, t, r, v, False)
    h, ht = 1e-6, 1e-4 * t
    np.testing.assert_allclose(
        g76.rho, (black76_price(f, k, t, r + h, v, False) - black76_price(f, k, t, r - h, v, False)) / (2 * h) * 0.01,
        rtol=1e-6, atol=1e-6,
    )  # fmt: skip
    np.testing.assert_allclose(
        g76.delta, (black76_price(f + 1e-5 * f, k, t, r, v, False) - black76_price(f - 1e-5 * f, k, t, r, v, False)) / (2e-5 * f),
        rtol=1e-6, atol=1e-6,
    )  # fmt: skip
    ggk = gk_greeks(f, k, t, r, q, v, True)
    np.testing.assert_allclose(
        ggk.rho, (gk_price(f, k, t, r + h, q, v, True) - gk_price(f, k, t, r - h, q, v, True)) / (2 * h) * 0.01,
        rtol=1e-6, atol=1e-6,
    )  # fmt: skip
    np.testing.assert_allclose(
        ggk.theta, -(gk_price(f, k, t + ht, r, q, v, True) - gk_price(f, k, t - ht, r, q, v, True)) / (2 * ht) / 365,
        rtol=1e-6, atol=1e-6,
    )  # fmt: skip


def test_greeks_broadcast_over_shapes_and_return_frozen_record() -> None:
    strikes = np.array([[90.0], [100.0], [110.0]])
    vols = np.array([[0.1, 0.2, 0.3, 0.4]])
    g = bsm_greeks(100.0, strikes, 0.5, 0.03, 0.0, vols, True)
    assert isinstance(g, Greeks)
    assert g.price.shape == g.rho.shape == (3, 4)
    np.testing.assert_array_equal(g.price[1, 2], bsm_price(100.0, 100.0, 0.5, 0.03, 0.0, 0.3, True))
    assert bsm_price(100.0, 100.0, 0.5, 0.03, 0.0, 0.2, True).shape == ()
    with pytest.raises(AttributeError):
        g.price = g.delta  # type: ignore[misc]


def test_expiry_and_zero_vol_give_intrinsic_values() -> None:
    at_expiry = bsm_greeks(np.array([110.0, 90.0]), 100.0, 0.0, 0.05, 0.0, 0.3, True)
    np.testing.assert_array_equal(at_expiry.price, [10.0, 0.0])
    np.testing.assert_array_equal(at_expiry.delta, [1.0, 0.0])
    zero_vol = bsm_price(110.0, 100.0, 1.0, 0.05, 0.02, 0.0, False)
    assert float(zero_vol) == 0.0
    forward_intrinsic = 110.0 * np.exp(-0.02) - 100.0 * np.exp(-0.05)
    assert float(bsm_price(110.0, 100.0, 1.0, 0.05, 0.02, 0.0, True)) == pytest.approx(
        forward_intrinsic, abs=1e-12
    )


def test_invalid_inputs_raise_naming_count_and_first_offender() -> None:
    with pytest.raises(
        ValueError, match=r"bsm_price: 2 of 3 inputs invalid .*first at index \(1,\): spot=-1\.0"
    ):
        bsm_price(np.array([100.0, -1.0, np.nan]), 100.0, 0.5, 0.03, 0.0, 0.2, True)
    with pytest.raises(ValueError, match="do not broadcast"):
        bsm_price(np.ones(3), np.ones(4), 0.5, 0.03, 0.0, 0.2, True)


def test_threaded_and_serial_paths_agree() -> None:
    b = _random_book(30_000, seed=5)
    args = (b["spot"], b["strike"], b["t"], b["rate"], b["div"], b["vol"])
    whole = bsm_greeks(*args, True)
    part = bsm_greeks(*(a[:100] for a in args), True)
    np.testing.assert_array_equal(whole.vega[:100], part.vega)
