"""Time series: bars, IV, macro, Hurst and funding upserted in bulk and read back as pandas."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from dorado_tui.domain.errors import BadInput
from dorado_tui.store.database import Database
from dorado_tui.store.repos import series


def _bars(n: int = 300, start: str = "2024-01-02", seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    index = pd.date_range(start, periods=n, freq="B", tz="America/New_York") + pd.Timedelta(hours=9, minutes=30)
    return pd.DataFrame({"open": close * 0.999, "high": close * 1.01, "low": close * 0.99, "close": close,
                         "volume": rng.integers(1_000, 9_000, n).astype(float)}, index=index)


async def test_bars_round_trip_exactly_in_utc(db: Database) -> None:
    bars = _bars()

    async with db.transaction() as tx:
        written = await series.upsert_bars(tx, "SPY", "1d", bars)
    async with db.read() as session:
        loaded = await series.load_bars(session, "SPY", "1d")

    assert written == 300
    assert str(loaded.index.tz) == "UTC"
    pd.testing.assert_frame_equal(loaded, bars.tz_convert("UTC"), check_names=False, check_freq=False)


async def test_overlapping_import_replaces_bars_instead_of_failing(db: Database) -> None:
    first = _bars(100)
    revised = _bars(100, seed=9).iloc[50:]  # the last 50 days again, with other prices
    async with db.transaction() as tx:
        await series.upsert_bars(tx, "SPY", "1d", first)
        await series.upsert_bars(tx, "SPY", "1d", revised)

    async with db.read() as session:
        loaded = await series.load_bars(session, "SPY", "1d")
        counts = await series.bar_symbols(session, "1d")

    assert len(loaded) == 100 and counts == {"SPY": 100}
    np.testing.assert_array_equal(loaded["close"].to_numpy()[50:], revised["close"].to_numpy())
    np.testing.assert_array_equal(loaded["close"].to_numpy()[:50], first["close"].to_numpy()[:50])


async def test_range_filter_is_inclusive(db: Database) -> None:
    bars = _bars(20)
    async with db.transaction() as tx:
        await series.upsert_bars(tx, "QQQ", "1d", bars)

    async with db.read() as session:
        window = await series.load_bars(session, "QQQ", "1d", start=bars.index[5], end=bars.index[9])

    assert list(window.index) == list(bars.index[5:10].tz_convert("UTC"))


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda f: f.tz_localize(None), "bars SPY 1d: timestamps must be timezone-aware (got naive ones)"),
    (lambda f: f.drop(columns=["low"]), "bars SPY 1d: missing column(s) low"),
    (lambda f: f.assign(close=np.where(np.arange(len(f)) == 3, np.nan, f["close"])),
     "bars SPY 1d: column 'close' has 1 missing or infinite value(s)"),
    (lambda f: pd.concat([f, f.iloc[:2]]), "bars SPY 1d: duplicate timestamps in the input"),
])
async def test_bad_bars_are_refused_and_nothing_is_written(db: Database, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        async with db.transaction() as tx:
            await series.upsert_bars(tx, "SPY", "1d", mutate(_bars(10)))

    async with db.read() as session:
        assert await series.bar_symbols(session) == {}


async def test_daily_series_round_trip(db: Database) -> None:
    days = pd.Index([date(2025, 3, d) for d in (10, 11, 12)])
    iv = pd.Series([0.18, 0.2, 0.19], index=days)
    async with db.transaction() as tx:
        await series.upsert_iv(tx, "SPY", iv, source="venue")
        await series.upsert_macro(tx, "vix", pd.Series([14.2, 15.0], index=days[:2]))
        await series.upsert_macro(tx, "t10y2y", pd.Series([0.31], index=days[2:]))
        await series.upsert_hurst(tx, "BTC", 100, pd.Series([0.58, 0.61, 0.57], index=days))

    async with db.read() as session:
        got_iv = await series.load_iv(session, "SPY", start=date(2025, 3, 11))
        macro = await series.load_macro(session, ["vix", "t10y2y"])
        hurst = await series.load_hurst(session, "BTC", 100)

    assert got_iv.to_dict() == {date(2025, 3, 11): 0.2, date(2025, 3, 12): 0.19}
    assert macro.loc[date(2025, 3, 10), "vix"] == 14.2 and np.isnan(macro.loc[date(2025, 3, 10), "t10y2y"])
    assert macro.loc[date(2025, 3, 12), "t10y2y"] == 0.31
    assert hurst.tolist() == [0.58, 0.61, 0.57]


async def test_funding_rates_round_trip_in_utc(db: Database) -> None:
    index = pd.date_range("2025-03-14", periods=3, freq="8h", tz="UTC")
    rates = pd.Series([0.0001, -0.00005, 0.00012], index=index)
    async with db.transaction() as tx:
        await series.upsert_funding(tx, "BTC-PERP", rates)

    async with db.read() as session:
        loaded = await series.load_funding(session, "BTC-PERP", start=datetime(2025, 3, 14, 8, tzinfo=UTC))

    assert loaded.tolist() == [-0.00005, 0.00012]
    assert list(loaded.index) == list(index[1:])
