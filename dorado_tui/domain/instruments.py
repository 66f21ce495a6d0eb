"""Instruments: what can be traded, how it is identified, and option contracts and chains."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum


class AssetClass(StrEnum):
    """Universe-level asset class (PRD §2.1): decides templates, venues and limits."""

    EQUITY_OPTIONS = "equity_options"
    FX = "fx"
    CRYPTO = "crypto"


class SecType(StrEnum):
    """What a single instrument is."""

    STOCK = "stock"  # equities and ETFs
    INDEX = "index"  # SPX, VIX: not tradable themselves, options on them are
    OPTION = "option"
    FX = "fx"
    CRYPTO = "crypto"


class Right(StrEnum):
    PUT = "put"
    CALL = "call"


class ExerciseStyle(StrEnum):
    AMERICAN = "american"
    EUROPEAN = "european"


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable (or quotable) instrument. `symbol` is unique across Dorado.

    Options use an OCC-style symbol built by `option_symbol`; their option fields are set.
    """

    symbol: str
    sec_type: SecType
    underlying: str
    multiplier: int = 1
    tick: float = 0.01
    currency: str = "USD"
    right: Right | None = None
    strike: float | None = None
    expiry: date | None = None
    exercise: ExerciseStyle | None = None

    @property
    def is_option(self) -> bool:
        return self.sec_type is SecType.OPTION


def option_symbol(underlying: str, expiry: date, right: Right, strike: float) -> str:
    """OCC-style option symbol: root padded to 6, yymmdd, C/P, strike × 1000 in 8 digits."""
    code = "C" if right is Right.CALL else "P"
    return f"{underlying:<6}{expiry:%y%m%d}{code}{round(strike * 1000):08d}"


def option_instrument(
    underlying: str,
    expiry: date,
    right: Right,
    strike: float,
    exercise: ExerciseStyle,
    multiplier: int = 100,
) -> Instrument:
    """The Instrument for a listed option."""
    return Instrument(
        symbol=option_symbol(underlying, expiry, right, strike),
        sec_type=SecType.OPTION,
        underlying=underlying,
        multiplier=multiplier,
        right=right,
        strike=strike,
        expiry=expiry,
        exercise=exercise,
    )


@dataclass(frozen=True, slots=True)
class OptionContract:
    """A quoted option (PRD normalized chain schema) with the venue's Greeks beside raw prices.

    Greeks and IV are None when the venue did not send them (a chain-quality defect).
    `greeks_time` may lag `quote_time` (stale Greeks).
    """

    instrument: Instrument
    bid: float
    ask: float
    delta: float | None
    gamma: float | None
    theta: float | None
    vega: float | None
    implied_vol: float | None
    open_interest: int
    volume: int
    quote_time: datetime
    greeks_time: datetime | None = None
    underlying_price: float | None = None

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def underlying(self) -> str:
        return self.instrument.underlying

    @property
    def strike(self) -> float:
        assert self.instrument.strike is not None
        return self.instrument.strike

    @property
    def expiration(self) -> date:
        assert self.instrument.expiry is not None
        return self.instrument.expiry

    @property
    def right(self) -> Right:
        assert self.instrument.right is not None
        return self.instrument.right

    @property
    def mid(self) -> float:
        return 0.5 * (self.bid + self.ask)

    @property
    def spread_quality(self) -> float:
        """(ask − bid) / mid; infinite when there is no two-sided quote."""
        mid = self.mid
        if self.bid <= 0 or self.ask <= 0 or mid <= 0:
            return float("inf")
        return (self.ask - self.bid) / mid

    @property
    def has_greeks(self) -> bool:
        return self.delta is not None and self.implied_vol is not None

    def dte(self, today: date) -> int:
        """Calendar days to expiry."""
        return (self.expiration - today).days


@dataclass(frozen=True, slots=True)
class OptionChain:
    """A chain snapshot for one underlying: every listed expiration and the quoted contracts."""

    underlying: str
    underlying_price: float
    expirations: tuple[date, ...]
    contracts: tuple[OptionContract, ...]
    timestamp: datetime
    source: str = "venue"
    notes: tuple[str, ...] = field(default=())

    def for_expiration(self, expiry: date) -> OptionChain:
        """The same chain restricted to one expiration."""
        kept = tuple(c for c in self.contracts if c.expiration == expiry)
        return replace(self, contracts=kept, expirations=(expiry,) if kept else ())

    def filter_by_dte(self, today: date, min_dte: int, max_dte: int) -> OptionChain:
        """Contracts whose calendar DTE lies in [min_dte, max_dte]."""
        kept = tuple(c for c in self.contracts if min_dte <= c.dte(today) <= max_dte)
        exps = tuple(sorted({c.expiration for c in kept}))
        return replace(self, contracts=kept, expirations=exps)

    def filter_by_delta(self, min_d: float, max_d: float, right: Right) -> list[OptionContract]:
        """Contracts of one right whose delta lies in [min_d, max_d] (missing delta excluded)."""
        return [
            c
            for c in self.contracts
            if c.right is right and c.delta is not None and min_d <= c.delta <= max_d
        ]

    def nearest_delta(self, target: float, right: Right, expiry: date) -> OptionContract | None:
        """The contract of `right` at `expiry` whose delta is closest to `target`."""
        pool = [
            c
            for c in self.contracts
            if c.right is right and c.expiration == expiry and c.delta is not None
        ]
        if not pool:
            return None
        return min(pool, key=lambda c: (abs((c.delta or 0.0) - target), c.strike))

    def strikes(self, expiry: date, right: Right) -> list[float]:
        """Sorted strikes listed for one expiration and right."""
        return sorted(c.strike for c in self.contracts if c.expiration == expiry and c.right is right)

    def find(self, expiry: date, right: Right, strike: float) -> OptionContract | None:
        """The contract at an exact expiration, right and strike, if listed."""
        for c in self.contracts:
            if c.expiration == expiry and c.right is right and abs(c.strike - strike) < 1e-9:
                return c
        return None
