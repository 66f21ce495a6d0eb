"""Simulation venue settings: account, fill model, commissions, slippage, margin, assignment."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dorado_tui.market.config import DefectRates


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Commissions(_Frozen):
    """IBKR-like fixed pricing (USD)."""

    option_per_contract: float = Field(0.65, ge=0)
    stock_per_share: float = Field(0.005, ge=0)
    order_minimum: float = Field(1.0, ge=0, description="per fill event, stocks and options")
    fx_bps: float = Field(0.2, ge=0, description="basis points of USD notional")
    fx_minimum: float = Field(2.0, ge=0)
    crypto_bps: float = Field(18.0, ge=0)


class Slippage(_Frozen):
    """Adverse price move applied to market orders beyond the natural side (limits never slip)."""

    option_ticks: float = Field(0.0, ge=0)
    stock_bps: float = Field(1.0, ge=0)
    fx_bps: float = Field(0.5, ge=0)
    crypto_bps: float = Field(5.0, ge=0)


class Margin(_Frozen):
    """Reg-T style requirements (see `margin.py`)."""

    stock_long: float = Field(0.5, gt=0, le=1, description="share of a long stock position's value")
    stock_short: float = Field(1.5, ge=1, description="short stock: value × this (proceeds included)")
    naked_call_pct: float = Field(0.2, gt=0, le=1)
    naked_call_min_pct: float = Field(0.1, gt=0, le=1)
    fx: float = Field(0.03, gt=0, le=1, description="FX margin as a share of USD notional")


class EarlyAssignment(_Frozen):
    """When short American options get assigned before expiry."""

    ex_dividend: bool = Field(True, description="ITM short calls whose time value is below the next dividend")
    deep_itm_put_probability: float = Field(0.0, ge=0, le=1, description="per session, for short puts "
                                            "whose time value is below `deep_itm_extrinsic`")
    deep_itm_extrinsic: float = Field(0.05, ge=0)


class SimVenueConfig(_Frozen):
    """Every knob of the simulation venue."""

    account_id: str = "SIM-1"
    initial_cash: float = Field(100_000.0, gt=0)
    currency: str = "USD"
    limit_fill_threshold: float = Field(0.3, ge=0, le=1, description=(
        "a limit fills once it is at least this far from mid toward the natural price"))
    partial_fill_fraction: float | None = Field(None, gt=0, lt=1, description=(
        "when set, a marketable limit order fills at most this share of its quantity per matching "
        "step (at least 1 unit), the rest on later steps"))
    enforce_market_hours: bool = True
    enforce_pacing: bool = Field(False, description="refuse market-data requests over the pacing limit")
    commissions: Commissions = Field(default_factory=Commissions)
    slippage: Slippage = Field(default_factory=Slippage)
    margin: Margin = Field(default_factory=Margin)
    early_assignment: EarlyAssignment = Field(default_factory=EarlyAssignment)
    defects: DefectRates = Field(default_factory=DefectRates)
