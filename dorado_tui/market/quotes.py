"""Top-of-book quotes and dividends of simulated non-option instruments."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np

from dorado_tui.domain.market import Quote
from dorado_tui.market.dividends import ex_dividend_days
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.universe import INDICES, instrument_for

#: Half-spread in basis points of price in a normal regime (the tick is the floor).
HALF_SPREAD_BP = {"SPY": 0.15, "QQQ": 0.2, "IWM": 0.4, "TLT": 0.5, "GLD": 0.5, "USDJPY": 0.4,
                  "AUDUSD": 0.6, "BTC": 1.0, "ETH": 1.5}
_SIZE = {"SPY": 500.0, "QQQ": 400.0, "IWM": 300.0, "TLT": 200.0, "GLD": 200.0,
         "USDJPY": 5e6, "AUDUSD": 5e6, "BTC": 5.0, "ETH": 50.0}


def quote(market: SimulatedMarket, symbol: str, moment: datetime) -> Quote:
    """The quote of a stock, index, FX pair or coin at `moment` (indices: no bid/ask, NaN)."""
    inst = instrument_for(symbol)
    last, at = market.price_at(symbol, moment)
    if symbol in INDICES:
        return Quote(symbol, math.nan, math.nan, last, at)
    regime = market.config.regimes[market.regime_on(at.date())]
    half = max(inst.tick / 2, last * HALF_SPREAD_BP[symbol] / 1e4 * regime.spread_mult)
    decimals = max(0, round(-math.log10(inst.tick)))
    bid = round(math.floor((last - half) / inst.tick + 1e-9) * inst.tick, decimals)
    ask = round(math.ceil((last + half) / inst.tick - 1e-9) * inst.tick, decimals)
    if ask <= bid:
        ask = round(bid + inst.tick, decimals)
    size = _SIZE[symbol]
    return Quote(symbol, bid, ask, last, at, bid_size=size, ask_size=size)


def ex_dividend_dates(market: SimulatedMarket, symbol: str, start: date, end: date) -> list[date]:
    """Ex-dates of an ETF within [start, end]."""
    if symbol == "SPY":
        rule, months = market.config.spy.dividend_rule, market.config.spy.dividend_months
    elif symbol in market.config.assets:
        rule, months = market.config.assets[symbol].dividend_rule, market.config.assets[symbol].dividend_months
    else:
        return []
    return [date.fromisoformat(str(d)) for d in ex_dividend_days(rule, months, start, end)]


def dividend(market: SimulatedMarket, symbol: str, day: date) -> float:
    """Cash dividend per share of `symbol` going ex on `day` (0.0 when none)."""
    if day not in ex_dividend_dates(market, symbol, day, day):
        return 0.0
    market.ensure(day)
    if symbol == "SPY":
        spy = market.series("SPY")
        i = spy.index_of_day(np.datetime64(day, "D"))
        if i is None or i == 0:
            return 0.0
        spx = market.series(market.config.spy.parent)
        return round(float(spx.close[i - 1] * (spy.scale[i - 1] - spy.scale[i])), 4)
    frac = float(market.paths.dividends[symbol][market.day_index(day)])
    series = market.series(symbol)
    i = series.index_of_day(np.datetime64(day, "D"))
    if i is None or i == 0 or frac <= 0:
        return 0.0
    return round(float(series.close[i - 1]) * frac, 4)
