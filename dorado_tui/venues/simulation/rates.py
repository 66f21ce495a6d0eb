"""FX swap rates and crypto perpetual funding of the simulated market, as the venue reports them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.market import FundingRate, SwapRates
from dorado_tui.market.simulator import SimulatedMarket

SWAP_MARKUP_PIPS = 0.3  # the broker's spread on the overnight rate, per side per day
_FUNDING_SYMBOLS = {"BTC": 0, "ETH": 1, "BTC-PERP": 0, "ETH-PERP": 1}


def swap_rates(market: SimulatedMarket, pair: str, now: datetime) -> SwapRates:
    """Overnight carry in pips per day from the simulated 2-year rate differential."""
    day = now.astimezone(NEW_YORK).date()
    i = market.day_index(day)
    macro = market.paths.macro
    if pair == "USDJPY":
        differential, pip = float(macro.rate_diff_us_jp[i]), 0.01  # long USD earns US − JP
    elif pair == "AUDUSD":
        differential, pip = float(macro.rate_diff_au_us[i]), 0.0001  # long AUD earns AU − US
    else:
        raise VenueError(f"no FX pair {pair!r} at the simulation venue (USDJPY, AUDUSD)")
    price = market.price_at(pair, now)[0]
    carry = price * differential / 100.0 / 365.0 / pip
    return SwapRates(pair, carry - SWAP_MARKUP_PIPS, -carry - SWAP_MARKUP_PIPS, now)


def funding_rate(market: SimulatedMarket, symbol: str, now: datetime) -> FundingRate:
    """The last funding fixing (00, 08, 16 UTC) at or before `now`."""
    if symbol not in _FUNDING_SYMBOLS:
        raise VenueError(f"no perpetual {symbol!r} at the simulation venue (BTC, ETH)")
    utc = now.astimezone(UTC)
    i = market.day_index(utc.date())
    fixing = utc.hour // 8
    rate = float(market.paths.macro.funding[_FUNDING_SYMBOLS[symbol], i, fixing])
    at = datetime(utc.year, utc.month, utc.day, tzinfo=UTC) + timedelta(hours=8 * fixing)
    return FundingRate(symbol, rate, at)
