"""Indicators vs an independent loop implementation of Wilder's definitions and vs TA-Lib."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import talib

from dorado_tui.quant import indicators as ind


def _ohlc(symbols: int, bars: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.015, (symbols, bars)), axis=1))
    spread = np.abs(rng.normal(0, 0.01, (symbols, bars))) * close
    high = close + spread * rng.uniform(0, 1, (symbols, bars))
    low = close - spread * rng.uniform(0, 1, (symbols, bars))
    return high, low, close


# ---- reference: Wilder's definitions written out as plain loops (TA-Lib's seeding) ----------


def ref_true_range(h: list[float], lo: list[float], c: list[float], i: int) -> float:
    return max(h[i] - lo[i], abs(h[i] - c[i - 1]), abs(lo[i] - c[i - 1]))


def ref_rsi(c: list[float], n: int) -> list[float]:
    out = [float("nan")] * len(c)
    gains = [max(c[i] - c[i - 1], 0.0) for i in range(1, len(c))]
    losses = [max(c[i - 1] - c[i], 0.0) for i in range(1, len(c))]
    avg_gain, avg_loss = sum(gains[:n]) / n, sum(losses[:n]) / n
    out[n] = 100 * avg_gain / (avg_gain + avg_loss)
    for i in range(n + 1, len(c)):
        avg_gain = (avg_gain * (n - 1) + gains[i - 1]) / n
        avg_loss = (avg_loss * (n - 1) + losses[i - 1]) / n
        out[i] = 100 * avg_gain / (avg_gain + avg_loss)
    return out


def ref_atr(h: list[float], lo: list[float], c: list[float], n: int) -> list[float]:
    out = [float("nan")] * len(c)
    tr = [ref_true_range(h, lo, c, i) for i in range(1, len(c))]
    value = sum(tr[:n]) / n
    out[n] = value
    for i in range(n + 1, len(c)):
        value = (value * (n - 1) + tr[i - 1]) / n
        out[i] = value
    return out


def ref_adx(
    h: list[float], lo: list[float], c: list[float], n: int
) -> tuple[list[float], list[float], list[float]]:
    """Wilder's ADX; the running sums start from bars 1..n-1 (TA-Lib), not 1..n (the book)."""
    size = len(c)
    adx, pdi, mdi = ([float("nan")] * size for _ in range(3))
    plus_dm, minus_dm, tr = [0.0] * size, [0.0] * size, [0.0] * size
    for i in range(1, size):
        up, down = h[i] - h[i - 1], lo[i - 1] - lo[i]
        plus_dm[i] = up if up > down and up > 0 else 0.0
        minus_dm[i] = down if down > up and down > 0 else 0.0
        tr[i] = ref_true_range(h, lo, c, i)
    s_plus, s_minus, s_tr = sum(plus_dm[1:n]), sum(minus_dm[1:n]), sum(tr[1:n])
    dxs = []
    for i in range(n, size):
        s_plus = s_plus - s_plus / n + plus_dm[i]
        s_minus = s_minus - s_minus / n + minus_dm[i]
        s_tr = s_tr - s_tr / n + tr[i]
        pdi[i], mdi[i] = 100 * s_plus / s_tr, 100 * s_minus / s_tr
        dxs.append(100 * abs(pdi[i] - mdi[i]) / (pdi[i] + mdi[i]))
        if len(dxs) == n:
            adx[i] = sum(dxs) / n
        elif len(dxs) > n:
            adx[i] = (adx[i - 1] * (n - 1) + dxs[-1]) / n
    return adx, pdi, mdi


def _close(a: np.ndarray, b: list[float] | np.ndarray, warmup: int) -> None:
    np.testing.assert_allclose(a[warmup:], np.asarray(b)[warmup:], rtol=0, atol=1e-9)
    assert np.isnan(a[:warmup]).all()


def test_rsi_atr_adx_equal_reference_wilder_loops_after_warm_up() -> None:
    h, lo, c = _ohlc(3, 300, seed=1)
    n = 14
    rsi, atr, dm = ind.rsi(c, n), ind.atr(h, lo, c, n), ind.adx(h, lo, c, n)
    for j in range(3):
        hl, ll, cl = h[j].tolist(), lo[j].tolist(), c[j].tolist()
        _close(rsi[j], ref_rsi(cl, n), n)
        _close(atr[j], ref_atr(hl, ll, cl, n), n)
        ref_a, ref_p, ref_m = ref_adx(hl, ll, cl, n)
        _close(dm.adx[j], ref_a, 2 * n - 1)
        _close(dm.plus_di[j], ref_p, n)
        _close(dm.minus_di[j], ref_m, n)


@pytest.mark.parametrize("n", [5, 14, 20])
def test_indicators_equal_talib(n: int) -> None:
    h, lo, c = _ohlc(4, 252, seed=2)
    for j in range(4):
        np.testing.assert_allclose(ind.rsi(c, n)[j], talib.RSI(c[j], n), atol=1e-9, equal_nan=True)
        np.testing.assert_allclose(
            ind.atr(h, lo, c, n)[j], talib.ATR(h[j], lo[j], c[j], n), atol=1e-9, equal_nan=True
        )
        dm = ind.adx(h, lo, c, n)
        np.testing.assert_allclose(
            dm.adx[j], talib.ADX(h[j], lo[j], c[j], n), atol=1e-9, equal_nan=True
        )
        np.testing.assert_allclose(
            dm.plus_di[j], talib.PLUS_DI(h[j], lo[j], c[j], n), atol=1e-9, equal_nan=True
        )
        np.testing.assert_allclose(
            dm.minus_di[j], talib.MINUS_DI(h[j], lo[j], c[j], n), atol=1e-9, equal_nan=True
        )
        np.testing.assert_allclose(ind.sma(c, n)[j], talib.SMA(c[j], n), atol=1e-9, equal_nan=True)
        np.testing.assert_allclose(ind.ema(c, n)[j], talib.EMA(c[j], n), atol=1e-9, equal_nan=True)
        upper, middle, lower = talib.BBANDS(c[j], n, 2.0, 2.0)
        np.testing.assert_allclose(ind.bollinger(c, n).middle[j], middle, atol=1e-9, equal_nan=True)
        bands = ind.bollinger(c, n, 2.0)
        np.testing.assert_allclose(bands.upper[j], upper, atol=1e-9, equal_nan=True)
        np.testing.assert_allclose(bands.lower[j], lower, atol=1e-9, equal_nan=True)


def test_pandas_ta_native_adx_and_rsi_deviate_in_warm_up_and_converge_later() -> None:
    """Documents why pandas-ta is not the reference. With TA-Lib installed pandas-ta delegates to
    it (talib=True, identical values); its own code seeds Wilder's smoothing differently."""
    import pandas_ta as pta

    h, lo, c = _ohlc(1, 400, seed=3)
    hs, ls, cs = pd.Series(h[0]), pd.Series(lo[0]), pd.Series(c[0])
    ours_adx, ours_rsi = ind.adx(h[0], lo[0], c[0], 14).adx, ind.rsi(c[0], 14)
    native_adx = pta.adx(hs, ls, cs, length=14, talib=False)["ADX_14"].to_numpy()
    native_rsi = pta.rsi(cs, length=14, talib=False).to_numpy()
    delegated = pta.adx(hs, ls, cs, length=14, talib=True)["ADX_14"].to_numpy()

    np.testing.assert_allclose(delegated, ours_adx, atol=1e-9, equal_nan=True)
    assert np.nanmax(np.abs(ours_adx[27:60] - native_adx[27:60])) > 5.0  # ADX points
    assert np.nanmax(np.abs(ours_rsi[14:40] - native_rsi[14:40])) > 5.0  # RSI points
    assert np.max(np.abs(ours_adx[300:] - native_adx[300:])) < 1e-5
    assert np.max(np.abs(ours_rsi[300:] - native_rsi[300:])) < 1e-5


def test_leading_nan_rows_start_at_their_first_bar() -> None:
    h, lo, c = _ohlc(2, 120, seed=4)
    for a in (h, lo, c):
        a[1, :30] = np.nan  # second symbol listed 30 bars later
    dm, r = ind.adx(h, lo, c, 14), ind.rsi(c, 14)
    trimmed = ind.adx(h[1, 30:], lo[1, 30:], c[1, 30:], 14)
    np.testing.assert_array_equal(dm.adx[1, 30:], trimmed.adx)
    np.testing.assert_array_equal(r[1, 30:], ind.rsi(c[1, 30:], 14))
    assert np.isnan(dm.adx[1, : 30 + 27]).all()


def test_single_series_returns_one_dimension_and_bad_periods_are_refused() -> None:
    _, _, c = _ohlc(1, 50, seed=5)
    assert ind.rsi(c[0]).shape == (50,)
    with pytest.raises(ValueError, match="period must be >= 1, got 0"):
        ind.sma(c, 0)
    with pytest.raises(ValueError, match="series shapes differ"):
        ind.atr(c, c[:, :10], c)


def test_zscore_returns_and_atr_channel_by_hand() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    z = ind.rolling_zscore(x, 3)
    assert np.isnan(z[:2]).all()
    assert z[2] == pytest.approx((3 - 2) / np.sqrt(2 / 3))
    assert z[4] == pytest.approx((10 - 17 / 3) / np.std([3.0, 4.0, 10.0]))
    np.testing.assert_allclose(ind.returns(x, 2), [np.nan, np.nan, 2.0, 1.0, 7 / 3], equal_nan=True)
    flat = np.full(40, 100.0)
    flat[-1] = 130.0  # a breakout on the last bar
    ch = ind.atr_channel(flat + 1.0, flat - 1.0, flat, lookback=10, atr_period=5, mult=2.0)
    assert bool(ch.in_range[-2]) and ch.inside_fraction[-2] == 1.0
    assert not bool(ch.in_range[-1]) and ch.inside_fraction[-1] == pytest.approx(0.9)
