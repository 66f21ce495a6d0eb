"""The simulated universe as domain instruments, and which calendar each one trades on."""

from __future__ import annotations

from datetime import date

from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.market.calendar import CalendarKind

STOCKS = ("SPY", "QQQ", "IWM", "TLT", "GLD")
INDICES = ("SPX", "VIX", "VIX3M")
FX_PAIRS = ("USDJPY", "AUDUSD")
CRYPTO = ("BTC", "ETH")

_FX_TICK = {"USDJPY": 0.001, "AUDUSD": 0.00001}
_FX_QUOTE_CCY = {"USDJPY": "JPY", "AUDUSD": "USD"}


def instrument_for(symbol: str) -> Instrument:
    """The Instrument of a simulated non-option symbol (KeyError for anything else)."""
    if symbol in STOCKS:
        return Instrument(symbol, SecType.STOCK, symbol)
    if symbol in INDICES:
        return Instrument(symbol, SecType.INDEX, symbol)
    if symbol in FX_PAIRS:
        return Instrument(symbol, SecType.FX, symbol, tick=_FX_TICK[symbol], currency=_FX_QUOTE_CCY[symbol])
    if symbol in CRYPTO:
        return Instrument(symbol, SecType.CRYPTO, symbol)
    raise KeyError(f"{symbol!r} is not in the simulated universe")


def calendar_of(instrument: Instrument) -> CalendarKind:
    """The session calendar an instrument trades on (options trade with their underlying)."""
    if instrument.sec_type is SecType.FX:
        return CalendarKind.FX
    if instrument.sec_type is SecType.CRYPTO:
        return CalendarKind.CRYPTO
    return CalendarKind.XNYS


def parse_option_symbol(symbol: str) -> tuple[str, date, Right, float]:
    """(underlying, expiry, right, strike) from an OCC-style symbol (ValueError when malformed)."""
    if len(symbol) != 21 or symbol[12] not in "CP":
        raise ValueError(f"{symbol!r} is not an OCC option symbol (ROOT  YYMMDDC00000000)")
    underlying = symbol[:6].strip()
    expiry = date(2000 + int(symbol[6:8]), int(symbol[8:10]), int(symbol[10:12]))
    right = Right.CALL if symbol[12] == "C" else Right.PUT
    return underlying, expiry, right, int(symbol[13:]) / 1000.0


def option_from_symbol(symbol: str) -> Instrument:
    underlying, expiry, right, strike = parse_option_symbol(symbol)
    style = ExerciseStyle.EUROPEAN if underlying in INDICES else ExerciseStyle.AMERICAN
    return option_instrument(underlying, expiry, right, strike, style)
