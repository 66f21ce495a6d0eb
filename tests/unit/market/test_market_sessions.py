"""Sessions, gaps and intraday bars: calendars are real, intraday bars rebuild the daily bar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.market.calendar import CalendarKind, is_market_open, session_for, trading_days
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec


def _days(market: SimulatedMarket, symbol: str) -> set[date]:
    return {date.fromisoformat(str(d)) for d in market.series(symbol).days}


def test_xnys_holidays_have_no_bars_and_crypto_trades_every_day(market: SimulatedMarket) -> None:
    spy, btc = _days(market, "SPY"), _days(market, "BTC")
    for holiday in (date(2024, 12, 25), date(2024, 7, 4), date(2024, 3, 29), date(2023, 1, 16)):
        assert holiday not in spy
        assert holiday in btc
    assert date(2024, 3, 9) not in spy  # a Saturday
    assert date(2024, 3, 9) in btc


def test_early_close_session_is_three_and_a_half_hours(market: SimulatedMarket) -> None:
    bars = market.intraday("SPY", date(2024, 11, 29))
    assert len(bars) == 210
    last_close = datetime.fromtimestamp(int(bars.start[-1]) + 60, UTC).astimezone(NEW_YORK)
    assert (last_close.hour, last_close.minute) == (13, 0)


def test_session_open_follows_daylight_saving_time() -> None:
    winter = session_for(CalendarKind.XNYS, date(2024, 3, 8))
    summer = session_for(CalendarKind.XNYS, date(2024, 3, 11))
    assert winter is not None and summer is not None
    assert (winter.open.hour, winter.open.minute) == (14, 30)
    assert (summer.open.hour, summer.open.minute) == (13, 30)
    assert winter.open.astimezone(NEW_YORK).hour == summer.open.astimezone(NEW_YORK).hour == 9


def test_fx_week_opens_sunday_evening_new_york_and_skips_saturday() -> None:
    monday = session_for(CalendarKind.FX, date(2024, 3, 11))
    assert monday is not None
    local_open = monday.open.astimezone(NEW_YORK)
    assert (local_open.weekday(), local_open.hour) == (6, 17)  # Sunday 17:00
    assert session_for(CalendarKind.FX, date(2024, 3, 9)) is None
    assert not is_market_open(CalendarKind.FX, datetime(2024, 3, 9, 12, tzinfo=UTC))
    assert is_market_open(CalendarKind.CRYPTO, datetime(2024, 3, 9, 12, tzinfo=UTC))


def test_trading_days_skip_christmas_and_new_year() -> None:
    days = trading_days(CalendarKind.XNYS, date(2024, 12, 23), date(2025, 1, 3))
    assert date(2024, 12, 25) not in days and date(2025, 1, 1) not in days
    assert days[0] == date(2024, 12, 23) and days[-1] == date(2025, 1, 3)


@pytest.mark.parametrize("symbol,day", [("SPY", date(2024, 3, 11)), ("SPX", date(2024, 11, 29)),
                                        ("BTC", date(2024, 3, 9)), ("USDJPY", date(2024, 3, 11)),
                                        ("VIX", date(2023, 6, 1)), ("ETH", date(2021, 5, 19))])
def test_intraday_bars_aggregate_exactly_to_the_daily_bar(market: SimulatedMarket, symbol: str, day: date) -> None:
    one = market.intraday(symbol, day, 1)
    five = market.intraday(symbol, day, 5)
    series = market.series(symbol)
    i = series.index_of_day(np.datetime64(day, "D"))
    assert i is not None
    o, _high, _low, c, v = one.daily()
    half_tick = series.tick / 2 + 1e-12
    assert abs(o - series.open[i]) <= half_tick and abs(c - series.close[i]) <= half_tick
    assert five.daily() == one.daily()
    assert v == float(series.volume[i])
    assert np.array_equal(one.open[1:], one.close[:-1])  # continuous inside the session
    assert np.all(one.high >= np.maximum(one.open, one.close))
    assert np.all(one.low <= np.minimum(one.open, one.close))
    assert len(five) == -(-len(one) // 5)


def test_one_day_generated_alone_equals_the_same_day_of_a_full_run(market: SimulatedMarket) -> None:
    fresh = SimulatedMarket(MarketSpec(market.seed, market.start), until=date(2024, 6, 1))
    day = date(2024, 5, 14)
    a, b = market.intraday("QQQ", day), fresh.intraday("QQQ", day)
    for field in ("start", "open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(a, field), getattr(b, field))


def test_longer_horizon_reproduces_the_shorter_one_exactly(market: SimulatedMarket) -> None:
    short = SimulatedMarket(MarketSpec(market.seed, market.start), until=date(2019, 12, 31))
    n = short.paths.n_days
    assert np.array_equal(short.paths.regime, market.paths.regime[:n])
    assert np.array_equal(short.paths.log_close, market.paths.log_close[:, :n])
    assert np.array_equal(short.paths.macro.credit_spread, market.paths.macro.credit_spread[:n])


def test_equities_gap_over_weekends_and_crypto_opens_at_the_last_close(market: SimulatedMarket) -> None:
    spy, btc = market.series("SPY"), market.series("BTC")
    gaps = np.abs(spy.open[1:] / spy.close[:-1] - 1)
    assert np.mean(gaps > 1e-4) > 0.9
    assert np.allclose(btc.open[1:], btc.close[:-1], rtol=0, atol=1e-9)


def test_price_at_is_the_last_minute_close_and_the_close_after_hours(market: SimulatedMarket) -> None:
    day = date(2024, 3, 11)
    bars = market.intraday("SPY", day)
    open_t = datetime.fromtimestamp(int(bars.start[0]), UTC)
    assert market.price_at("SPY", open_t)[0] == bars.open[0]
    assert market.price_at("SPY", open_t + timedelta(minutes=10, seconds=30))[0] == bars.close[9]
    evening = datetime(2024, 3, 11, 23, 0, tzinfo=UTC)
    assert market.price_at("SPY", evening) == (bars.close[-1], datetime.fromtimestamp(int(bars.start[-1]) + 60, UTC))
