"""The in-memory book's listed universe: underlyings, weekly/monthly expirations, strike grids.

Deterministic: the same configuration and trading day list the same contracts with the same
conIds, so a "restarted" gateway serves the same contracts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.venues.ibkr.gateway_sim.book import ContractSpec, OptionParams

OPTION_CON_ID_BASE = 600_000_000


@dataclass(frozen=True, slots=True)
class UnderlyingConfig:
    """One underlying the in-memory book lists (options where `strike_step` > 0)."""

    symbol: str
    con_id: int
    sec_type: str = "STK"  # STK | IND | CASH
    exchange: str = "SMART"
    primary_exchange: str = "ARCA"
    currency: str = "USD"
    spot: float = 100.0
    vol: float = 0.20
    skew: float = 0.8  # vol rises by skew × log-moneyness below spot
    dividend_yield: float = 0.0
    strike_step: float = 0.0
    strike_range: float = 0.15  # strikes listed within ± this fraction of spot
    trading_class: str = ""
    long_name: str = ""
    min_tick: float = 0.01


def default_underlyings() -> tuple[UnderlyingConfig, ...]:
    """SPY, QQQ and IWM (ETF options), SPX (index options, class SPXW) and two FX pairs."""
    return (
        UnderlyingConfig("SPY", 756733, spot=560.0, vol=0.16, dividend_yield=0.013, strike_step=1.0,
                         long_name="SPDR S&P 500 ETF TRUST"),
        UnderlyingConfig("QQQ", 320227571, primary_exchange="NASDAQ", spot=480.0, vol=0.21,
                         dividend_yield=0.006, strike_step=1.0, long_name="INVESCO QQQ TRUST SERIES 1"),
        UnderlyingConfig("IWM", 9579970, spot=205.0, vol=0.23, dividend_yield=0.012, strike_step=1.0,
                         long_name="ISHARES RUSSELL 2000 ETF"),
        UnderlyingConfig("SPX", 416904, sec_type="IND", exchange="CBOE", primary_exchange="CBOE",
                         spot=5600.0, vol=0.15, dividend_yield=0.013, strike_step=5.0,
                         strike_range=0.10, trading_class="SPXW", long_name="S&P 500 Stock Index",
                         min_tick=0.05),
        UnderlyingConfig("USD", 15016059, sec_type="CASH", exchange="IDEALPRO", primary_exchange="",
                         currency="JPY", spot=150.25, vol=0.09, long_name="USD.JPY", min_tick=0.005),
        UnderlyingConfig("AUD", 14433401, sec_type="CASH", exchange="IDEALPRO", primary_exchange="",
                         currency="USD", spot=0.6612, vol=0.10, long_name="AUD.USD", min_tick=0.00005),
    )


def expirations(today: date, weeklies: int = 6, months: int = 3) -> list[date]:
    """The next `weeklies` Fridays plus the third Friday of the next `months` months."""
    out: set[date] = set()
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    for i in range(weeklies):
        out.add(friday + timedelta(weeks=i))
    year, month = today.year, today.month
    for _ in range(months + 1):
        first = date(year, month, 1)
        third = first + timedelta(days=(4 - first.weekday()) % 7 + 14)
        if third >= today:
            out.add(third)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(d for d in out if d >= today)[: weeklies + months]


def expiry_instant(expiry: date) -> datetime:
    """16:00 New York on the expiration day (PM settlement)."""
    return datetime.combine(expiry, time(16, 0), tzinfo=NEW_YORK)


def occ_local_symbol(root: str, expiry: date, right: str, strike: float) -> str:
    return f"{root:<6}{expiry:%y%m%d}{right}{round(strike * 1000):08d}"


@dataclass
class Universe:
    """Every listed contract, indexed by conId."""

    underlyings: tuple[UnderlyingConfig, ...]
    today: date
    specs: dict[int, ContractSpec] = field(default_factory=dict)
    params: dict[int, OptionParams] = field(default_factory=dict)
    config_of: dict[int, UnderlyingConfig] = field(default_factory=dict)  # conId -> underlying

    def __post_init__(self) -> None:
        for index, u in enumerate(self.underlyings):
            self.specs[u.con_id] = self._underlying_spec(u)
            self.config_of[u.con_id] = u
            if u.strike_step > 0:
                self._list_options(index, u)

    @staticmethod
    def _underlying_spec(u: UnderlyingConfig) -> ContractSpec:
        local = f"{u.symbol}.{u.currency}" if u.sec_type == "CASH" else u.symbol
        return ContractSpec(con_id=u.con_id, symbol=u.symbol, sec_type=u.sec_type,
                            exchange=u.exchange, primary_exchange=u.primary_exchange,
                            currency=u.currency, local_symbol=local,
                            trading_class=local if u.sec_type == "CASH" else u.symbol,
                            min_tick=u.min_tick, long_name=u.long_name)

    def strikes(self, u: UnderlyingConfig) -> list[float]:
        low = math.ceil(u.spot * (1 - u.strike_range) / u.strike_step)
        high = math.floor(u.spot * (1 + u.strike_range) / u.strike_step)
        return [round(k * u.strike_step, 4) for k in range(low, high + 1)]

    def _list_options(self, index: int, u: UnderlyingConfig) -> None:
        exps = expirations(self.today)
        strikes = self.strikes(u)
        tclass = u.trading_class or u.symbol
        for e_idx, exp in enumerate(exps):
            for k_idx, strike in enumerate(strikes):
                for r_idx, right in enumerate(("C", "P")):
                    con_id = OPTION_CON_ID_BASE + index * 1_000_000 + e_idx * 10_000 + k_idx * 2 + r_idx
                    self.specs[con_id] = ContractSpec(
                        con_id=con_id, symbol=u.symbol, sec_type="OPT", exchange="SMART",
                        currency=u.currency, local_symbol=occ_local_symbol(tclass, exp, right, strike),
                        trading_class=tclass, multiplier="100", expiry=f"{exp:%Y%m%d}",
                        strike=strike, right=right, min_tick=0.05 if u.sec_type == "IND" else 0.01,
                        under_con_id=u.con_id, under_symbol=u.symbol,
                        under_sec_type=u.sec_type, long_name=u.long_name)
                    self.config_of[con_id] = u
        self.params[u.con_id] = OptionParams("SMART", u.con_id, tclass, "100",
                                             tuple(f"{e:%Y%m%d}" for e in exps), tuple(strikes))
