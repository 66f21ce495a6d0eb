"""Builders for risk tests: candidates of each structure and a trade context with sane facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dorado_tui.domain.candidates import Candidate, CandidateLeg
from dorado_tui.domain.instruments import (
    AssetClass,
    ExerciseStyle,
    Instrument,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.domain.orders import Action
from dorado_tui.risk.context import TradeContext

NOW = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)
EXPIRY = date(2025, 4, 11)  # 30 DTE from NOW


def leg(underlying: str, right: Right, strike: float, action: Action, bid: float, ask: float,
        *, delta: float | None = -0.2, iv: float | None = 0.2, ratio: int = 1,
        expiry: date = EXPIRY, role: str = "") -> CandidateLeg:
    inst = option_instrument(underlying, expiry, right, strike, ExerciseStyle.AMERICAN)
    return CandidateLeg(role or f"{action.value}_{right.value}", inst, action, ratio, bid, ask, delta, iv)


def candidate(legs: tuple[CandidateLeg, ...], *, credit: float, max_loss: float,
              width: float | None, underlying: str = "SPY", template: str = "put_credit_spread",
              layer: str = "L2_credit_spreads", quantity: float = 1.0, dte: int | None = 30,
              **extra: Any) -> Candidate:
    base = Candidate(
        id="c1", scan_id="s1", bot_id="bot-1", underlying=underlying,
        asset_class=AssetClass.EQUITY_OPTIONS, template=template, strategy_layer=layer, legs=legs,
        expiry=EXPIRY if dte is not None else None, dte=dte, credit=credit, max_loss=max_loss,
        max_profit=max(credit, 0.0), width=width, breakevens=(), pop=0.7, quantity=quantity,
        data_quality=0.95,
    )
    return replace(base, **extra)


def put_spread(underlying: str = "SPY", short: float = 440.0, long: float = 435.0,
               quantity: float = 1.0, **extra: Any) -> Candidate:
    """Short 440 / long 435 put, 1.20 credit: credit 120, max loss 380 per unit."""
    legs = (leg(underlying, Right.PUT, short, Action.SELL, 2.00, 2.10, delta=-0.25, role="short_put"),
            leg(underlying, Right.PUT, long, Action.BUY, 0.85, 0.95, delta=-0.15, role="long_put"))
    width = short - long
    return candidate(legs, credit=120.0, max_loss=width * 100 - 120.0, width=width,
                     underlying=underlying, quantity=quantity, **extra)


def iron_condor(quantity: float = 1.0) -> Candidate:
    """Puts 430/425 (width 5), calls 470/480 (width 10), 2.00 credit: max loss 800."""
    legs = (leg("SPY", Right.PUT, 425, Action.BUY, 0.50, 0.55, delta=-0.08),
            leg("SPY", Right.PUT, 430, Action.SELL, 1.00, 1.05, delta=-0.15),
            leg("SPY", Right.CALL, 470, Action.SELL, 1.20, 1.25, delta=0.15),
            leg("SPY", Right.CALL, 480, Action.BUY, 0.30, 0.35, delta=0.06))
    return candidate(legs, credit=140.0, max_loss=10 * 100 - 140.0, width=10.0,
                     template="iron_condor", quantity=quantity)


def cash_secured_put(strike: float = 50.0, quantity: float = 1.0, **extra: Any) -> Candidate:
    legs = (leg("KO", Right.PUT, strike, Action.SELL, 0.95, 1.05, delta=-0.25),)
    return candidate(legs, credit=100.0, max_loss=strike * 100 - 100.0, width=None, underlying="KO",
                     template="short_put", layer="L1_wheel", quantity=quantity, **extra)


def naked_call(quantity: float = 1.0) -> Candidate:
    legs = (leg("SPY", Right.CALL, 470, Action.SELL, 1.20, 1.25, delta=0.15),)
    return candidate(legs, credit=122.5, max_loss=float("inf"), width=None, template="short_call",
                     quantity=quantity)


def covered_call(quantity: float = 1.0) -> Candidate:
    legs = (leg("KO", Right.CALL, 65, Action.SELL, 0.50, 0.55, delta=0.25),)
    return candidate(legs, credit=52.5, max_loss=1.0, width=None, underlying="KO",
                     template="covered_call", layer="L1_wheel", quantity=quantity)


def fx_trade(entry: float = 1.0850, stop: float = 1.0800, quantity: float = 1.0) -> Candidate:
    inst = Instrument("EURUSD", SecType.FX, "EURUSD", multiplier=10_000, tick=0.00001)
    legs = (CandidateLeg("underlying", inst, Action.BUY, 1, entry - 0.00005, entry + 0.00005),)
    return candidate(legs, credit=0.0, max_loss=abs(entry - stop) * 10_000, width=None,
                     underlying="EURUSD", template="fx_momentum", layer="L2_credit_spreads", dte=None,
                     quantity=quantity, entry=entry, stop=stop, asset_class=AssetClass.FX)


def context(**overrides: Any) -> TradeContext:
    base = TradeContext(now=NOW, nav=100_000.0, buying_power=50_000.0, market_open=True,
                        venue_connected=True, quote_time=NOW - timedelta(seconds=2),
                        underlying_price=450.0)
    return replace(base, **overrides)


def linear(symbol: str, entry: float, stop: float, quantity: float, *, layer: str,
           sec: SecType = SecType.FX, currency: str = "USD", loss: float | None = None) -> Candidate:
    """A long FX/crypto trade; `loss` is the per-unit max loss in dollars (default |entry − stop|)."""
    inst = Instrument(symbol, sec, symbol, currency=currency)
    spot = CandidateLeg("spot", inst, Action.BUY, 1, entry * 0.9999, entry * 1.0001)
    asset = AssetClass.FX if sec is SecType.FX else AssetClass.CRYPTO
    template = "fx_momentum" if sec is SecType.FX else "crypto_momentum"
    base = put_spread()
    return replace(base, underlying=symbol, asset_class=asset, template=template, strategy_layer=layer,
                   legs=(spot,), expiry=None, dte=None, credit=0.0, width=None, entry=entry, stop=stop,
                   max_loss=abs(entry - stop) if loss is None else loss, quantity=quantity, delta=1.0,
                   gamma=0.0, vega=0.0, theta=0.0)
