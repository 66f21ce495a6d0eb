"""Hurst estimators on exact fractional Gaussian noise (Davies-Harte circulant embedding)."""

from __future__ import annotations

import numpy as np
import pytest

from dorado_tui.quant.hurst import anis_lloyd_log, hurst, rolling_hurst


def fgn(n: int, h: float, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` exact fGn paths of length n (Davies & Harte 1987): embed the autocovariance
    γ(k) = ½(|k+1|^2H - 2|k|^2H + |k-1|^2H) in a 2n circulant, whose FFT eigenvalues scale
    complex white noise; real and imaginary parts are two independent exact samples."""
    k = np.arange(n + 1)
    gamma = 0.5 * (np.abs(k + 1) ** (2 * h) - 2 * np.abs(k) ** (2 * h) + np.abs(k - 1) ** (2 * h))
    row = np.concatenate([gamma, gamma[-2:0:-1]])
    eig = np.fft.fft(row).real
    assert eig.min() > -1e-9  # embedding is valid for fGn
    m = row.size
    half = (count + 1) // 2
    z = rng.normal(size=(half, m)) + 1j * rng.normal(size=(half, m))
    y = np.fft.fft(np.sqrt(np.maximum(eig, 0.0) / m) * z, axis=1)
    return np.concatenate([y.real[:, :n], y.imag[:, :n]])[:count]


def test_fgn_generator_has_the_target_autocovariance() -> None:
    x = fgn(512, 0.7, 400, np.random.default_rng(1))
    lag1 = np.mean(x[:, 1:] * x[:, :-1])
    assert lag1 == pytest.approx(0.5 * (2**1.4 - 2), abs=0.01)  # γ(1) = 2^(2H-1) - 1


@pytest.mark.parametrize("h", [0.3, 0.5, 0.7])
@pytest.mark.parametrize("method", ["rs", "dfa"])
def test_estimate_on_fgn_is_within_0_05_on_average_over_50_series(method: str, h: float) -> None:
    x = fgn(4096, h, 50, np.random.default_rng(int(h * 10)))
    estimates = hurst(x, method)
    assert estimates.shape == (50,)
    assert abs(float(np.mean(estimates)) - h) <= 0.05


def test_anis_lloyd_expectation_matches_simulated_iid_rescaled_range() -> None:
    rng = np.random.default_rng(3)
    n = 32
    blocks = rng.normal(size=(20_000, n))
    dev = np.cumsum(blocks - blocks.mean(axis=1, keepdims=True), axis=1)
    rs = (dev.max(axis=1).clip(min=0) - dev.min(axis=1).clip(max=0)) / blocks.std(axis=1)
    expected = np.exp(anis_lloyd_log(np.array([n])))[0]
    # Peters' (n - 1/2)/n factor is an empirical refinement: within 2 % of simulation at n = 32.
    assert rs.mean() == pytest.approx(expected, rel=0.02)


def test_rolling_estimate_equals_whole_window_estimate_and_respects_step() -> None:
    x = np.random.default_rng(4).normal(size=(3, 300))
    rolled = rolling_hurst(x, window=120, method="dfa", step=10)
    np.testing.assert_allclose(rolled[:, -1], hurst(x[:, -120:], "dfa"), rtol=1e-12)
    np.testing.assert_allclose(rolled[:, -11], hurst(x[:, -130:-10], "dfa"), rtol=1e-12)
    assert np.isnan(rolled[:, -2]).all() and np.isnan(rolled[:, :119]).all()
    assert np.isfinite(rolled[:, -1::-10][:, :18]).all()


def test_short_or_broken_series_give_nan_and_bad_arguments_raise() -> None:
    x = np.random.default_rng(5).normal(size=(3, 200))
    x[1, :150] = np.nan  # only 50 returns: too short for DFA scales from 8
    x[2, 100] = np.nan  # a hole inside the history
    out = hurst(x, "dfa")
    assert np.isfinite(out[0]) and np.isnan(out[1]) and np.isnan(out[2])
    assert np.ndim(hurst(x[0], "rs")) == 0
    with pytest.raises(ValueError, match="unknown method 'vr'; expected one of rs, dfa"):
        hurst(x, "vr")
    with pytest.raises(ValueError, match="step must be >= 1, got 0"):
        rolling_hurst(x, 50, step=0)
