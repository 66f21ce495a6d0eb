"""The gateway simulator's market: the small "book" interface it is backed by, and its values.

The protocol half of the simulator (sessions, order ids, fault injection) talks only to a
`Book`: contracts, quotes with model Greeks, option parameters, executions (the fill decision
and its accounting) and the account. `MemoryBook` is the deterministic in-memory book used by the
protocol tests; `VenueBook` serves Dorado's simulation venue through the same interface.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

#: One historical bar as the wire carries it: date, open, high, low, close, volume, WAP, count.
BarRow = tuple[str, float, float, float, float, float, float, int]

#: IB reports every combo execution against this synthetic BAG conId.
BAG_CON_ID = 28812380


@dataclass(frozen=True, slots=True)
class ComboLegSpec:
    """One leg of a BAG as IB encodes it (action BUY/SELL, ratio per combo unit)."""

    con_id: int
    ratio: int
    action: str
    exchange: str = "SMART"


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """Everything the gateway says about one contract (the contract-details payload)."""

    con_id: int
    symbol: str
    sec_type: str  # STK | IND | OPT | CASH | BAG
    exchange: str = "SMART"
    primary_exchange: str = ""
    currency: str = "USD"
    local_symbol: str = ""
    trading_class: str = ""
    multiplier: str = ""
    expiry: str = ""  # YYYYMMDD for options
    strike: float = 0.0
    right: str = ""  # C | P for options
    min_tick: float = 0.01
    long_name: str = ""
    under_con_id: int = 0
    under_symbol: str = ""
    under_sec_type: str = ""
    time_zone: str = "US/Eastern"
    combo_legs: tuple[ComboLegSpec, ...] = ()

    @property
    def multiplier_value(self) -> float:
        """The numeric multiplier (1 when IB leaves it blank)."""
        return float(self.multiplier) if self.multiplier else 1.0


@dataclass(frozen=True, slots=True)
class ContractQuery:
    """A contract-details request: blank fields match anything (IB semantics)."""

    con_id: int = 0
    symbol: str = ""
    sec_type: str = ""
    expiry: str = ""
    strike: float = 0.0
    right: str = ""
    exchange: str = ""
    currency: str = ""
    local_symbol: str = ""
    trading_class: str = ""

    def matches(self, spec: ContractSpec) -> bool:
        if self.con_id:
            return self.con_id == spec.con_id
        if self.local_symbol and self.local_symbol != spec.local_symbol:
            return False
        checks = (
            (self.symbol, spec.symbol),
            (self.sec_type, spec.sec_type),
            (self.currency, spec.currency),
            (self.trading_class, spec.trading_class),
        )
        if any(want and want != have for want, have in checks):
            return False
        if self.expiry and not spec.expiry.startswith(self.expiry):
            return False
        if self.right and self.right[:1] != spec.right[:1]:
            return False
        if self.strike and not math.isclose(self.strike, spec.strike, abs_tol=1e-9):
            return False
        return not (self.exchange and self.exchange not in ("SMART", spec.exchange, spec.primary_exchange))


@dataclass(frozen=True, slots=True)
class Greeks:
    """An option computation as tick types 10–13 carry it (None = not computed)."""

    implied_vol: float | None
    delta: float | None
    gamma: float | None
    vega: float | None
    theta: float | None
    option_price: float | None
    underlying_price: float | None
    pv_dividend: float | None = 0.0


@dataclass(frozen=True, slots=True)
class BookQuote:
    """A top-of-book quote with model Greeks. NaN prices = no market on that side.

    `market_data_type` follows IB: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen.
    """

    bid: float
    ask: float
    last: float
    bid_size: float = 0.0
    ask_size: float = 0.0
    last_size: float = 0.0
    volume: float = 0.0
    close: float = math.nan
    open_interest: int | None = None
    model: Greeks | None = None
    bid_greeks: Greeks | None = None
    ask_greeks: Greeks | None = None
    market_data_type: int = 1
    halted: bool = False


@dataclass(frozen=True, slots=True)
class OptionParams:
    """One secdef-option-parameters row (one exchange/trading class)."""

    exchange: str
    underlying_con_id: int
    trading_class: str
    multiplier: str
    expirations: tuple[str, ...]
    strikes: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class LegRequest:
    """One leg to execute: the contract, its action relative to the order's, and ratio per unit.

    As in IB combos, a leg's action applies when the order BUYs; a SELL order flips every leg.
    A single-contract order is one "BUY" leg of ratio 1.
    """

    spec: ContractSpec
    action: str  # BUY | SELL
    ratio: int = 1


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """Execute up to `quantity` combo units now, if the market allows, at or better than limit.

    `limit` is the net price per unit in IB's combo convention (for a BUY, the most paid; a
    negative limit on a BUY combo is a credit received). None = market order.
    """

    ref: str
    action: str  # BUY | SELL of the order (combo) itself
    legs: tuple[LegRequest, ...]
    quantity: float
    limit: float | None
    time: datetime


@dataclass(frozen=True, slots=True)
class LegExecution:
    """What one leg executed at (per unit of the leg instrument) and its commission."""

    spec: ContractSpec
    action: str
    quantity: float
    price: float
    commission: float


@dataclass(frozen=True, slots=True)
class ExecutionOutcome:
    """The book's fill decision: `quantity` combo units done (0 = not marketable now)."""

    quantity: float
    net_price: float = math.nan
    legs: tuple[LegExecution, ...] = ()
    reject_reason: str = ""

    @property
    def rejected(self) -> bool:
        return bool(self.reject_reason)


@dataclass(frozen=True, slots=True)
class BookPosition:
    """A position as IB reports it: avg_cost per unit × multiplier (IB's convention)."""

    spec: ContractSpec
    quantity: float
    avg_cost: float
    market_price: float = math.nan


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """The account values the gateway reports (all in `currency`)."""

    account: str
    currency: str
    cash: float
    net_liquidation: float
    buying_power: float
    initial_margin: float
    maintenance_margin: float
    extra: dict[str, float] = field(default_factory=dict)


class Book(Protocol):
    """What the gateway simulator needs from a market (every call may await)."""

    account_id: str

    async def find_contracts(self, query: ContractQuery) -> list[ContractSpec]:
        """Every contract matching the query (contract details)."""
        ...

    async def contract(self, con_id: int) -> ContractSpec | None:
        """The contract with this conId, if listed."""
        ...

    async def option_params(self, underlying_con_id: int) -> list[OptionParams]:
        """Expirations and strikes listed for an underlying (secdef option parameters)."""
        ...

    async def quote(self, con_id: int, now: datetime) -> BookQuote | None:
        """The current quote and model Greeks, or None for an unknown contract."""
        ...

    async def execute(self, request: ExecutionRequest) -> ExecutionOutcome:
        """Decide a fill against the current market and book its cash, positions and fees."""
        ...

    async def margin_impact(self, request: ExecutionRequest) -> tuple[float, float, float] | str:
        """(initial, maintenance, commission) an order would add, or why it would be rejected."""
        ...

    async def positions(self) -> list[BookPosition]:
        """Every non-zero position."""
        ...

    async def account(self, now: datetime) -> AccountSnapshot:
        """Balances and margin now."""
        ...

    async def bars(self, con_id: int, end: datetime, days: int, bar_size: str) -> list[BarRow]:
        """Historical bars ending at `end` covering `days` calendar days (empty = no data)."""
        ...

    def trading_day(self, now: datetime) -> date:
        """The exchange date used for expirations (New York)."""
        ...
