"""`config/universe.yaml` (PRD §2.1): the underlyings Dorado may trade; nothing exists outside it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from dorado_tui.settings.base import CalendarName, Section, bad_value

AssetClassName = Literal["equity_options", "fx", "crypto"]
SecTypeName = Literal["stock", "index", "fx", "crypto"]
VenueName = Literal["ibkr", "simulation", "oanda", "hyperliquid", "deribit"]

#: Which instrument kinds each asset class may hold, and the default calendar and sec type.
SEC_TYPES: dict[str, tuple[str, ...]] = {
    "equity_options": ("stock", "index"),
    "fx": ("fx",),
    "crypto": ("crypto",),
}
DEFAULT_CALENDAR = {"equity_options": "XNYS", "fx": "24/5", "crypto": "24/7"}


class Underlying(Section):
    """One underlying. A bot binds to exactly one of these."""

    symbol: str = Field(pattern=r"^[A-Z][A-Z0-9.]{0,11}$")
    """Ticker (SPY), index (SPX), FX pair (USDJPY) or crypto base asset (BTC), upper case."""
    asset_class: AssetClassName
    """equity_options, fx or crypto: decides templates, venue adapters and risk limits."""
    venue: VenueName
    """Where it trades (ibkr; oanda/hyperliquid/deribit are Phase 2; simulation for tests)."""
    sec_type: SecTypeName = "stock"
    """stock (equities and ETFs), index (SPX: only its options trade), fx or crypto.
    Default: stock for equity_options, else the asset class."""
    quote_currency: str = Field("USD", pattern=r"^[A-Z]{3,5}$")
    """Currency prices are quoted in. Default USD; for FX the pair's second currency."""
    calendar: CalendarName = "XNYS"
    """Exchange calendar (trading days, hours, time zone). Default XNYS / 24/5 / 24/7."""
    options: bool = True
    """Whether option chains are fetched. Default true for equity_options, else false."""
    multiplier: int = Field(100, ge=1, le=10_000)
    """Option contract multiplier."""
    exercise: Literal["american", "european"] = "american"
    """Option exercise style. Default american; european for an index (SPX is cash-settled)."""
    description: str | None = None
    """Free text shown in the console."""

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_class(cls, data: Any) -> Any:
        """Fill what the asset class implies, so a file only states what differs."""
        if not isinstance(data, dict) or data.get("asset_class") not in SEC_TYPES:
            return data  # the asset_class error is the one to report; field defaults stand in
        klass = data["asset_class"]
        out = dict(data)
        out.setdefault("sec_type", "stock" if klass == "equity_options" else klass)
        out.setdefault("calendar", DEFAULT_CALENDAR[klass])
        out.setdefault("options", klass == "equity_options")
        out.setdefault("exercise", "european" if out["sec_type"] == "index" else "american")
        symbol = data.get("symbol")
        fx_quote = symbol[3:] if klass == "fx" and isinstance(symbol, str) and len(symbol) == 6 else None
        out.setdefault("quote_currency", fx_quote or "USD")
        return out

    @model_validator(mode="after")
    def _consistent(self) -> Underlying:
        allowed = SEC_TYPES[self.asset_class]
        if self.sec_type not in allowed:
            raise bad_value(f"sec_type {self.sec_type!r} does not fit asset_class {self.asset_class!r}",
                            self.sec_type, ", ".join(allowed))
        if self.asset_class == "fx" and len(self.symbol) != 6:
            raise bad_value("an FX symbol is a six-letter pair", self.symbol, "e.g. USDJPY")
        if self.options and self.asset_class != "equity_options":
            raise bad_value("option chains are only fetched for equity_options", self.options, "false")
        return self


class DataConfig(Section):
    """What data is kept for the universe."""

    ohlcv: bool = True
    """Daily bars for every underlying."""
    option_chains: bool = True
    """Option chains (only underlyings with options: true)."""
    fetch_frequency: Literal["eod", "intraday"] = "eod"
    """eod for all; open positions are polled intraday regardless."""


class Universe(Section):
    """The universe: the portfolio boundary for data, bots, risk and models."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    """Name bots refer to (lower case, digits, - and _)."""
    description: str | None = None
    """Free text."""
    underlyings: list[Underlying] = Field(min_length=1)
    """The tradable underlyings; symbols are unique."""
    data_config: DataConfig = DataConfig()
    """Data kept for them."""

    def get(self, symbol: str) -> Underlying | None:
        """The underlying named `symbol`, if in the universe."""
        return next((u for u in self.underlyings if u.symbol == symbol), None)

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(u.symbol for u in self.underlyings)
