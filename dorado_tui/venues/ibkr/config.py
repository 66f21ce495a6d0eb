"""IBKR adapter settings: where the gateway is, who we are, and the safety and pacing limits.

Paper (IB Gateway port 4002) unless the bot's venue mode says live (4001); TWS uses 7497/7496.
No credentials live here: IB Gateway holds the login (IBC for unattended starts, docs/ibkr.md).
"""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PAPER_PORT = 4002
LIVE_PORT = 4001


class IBKRConfig(BaseModel):
    """Every knob of the adapter, frozen and bounded (the lead maps dorado.yaml onto this)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["paper", "live"] = Field("paper", description="paper → port 4002, live → 4001")
    host: str = Field("127.0.0.1", description="IB Gateway / TWS host")
    port: int | None = Field(None, ge=1, le=65535, description="explicit port; default by mode")
    client_id: int = Field(17, ge=0, le=2**31 - 1, description="unique per connected API client")
    account: str = Field("", description="account code; blank = the only managed account")

    connect_timeout_s: float = Field(10.0, gt=0, le=120)
    request_timeout_s: float = Field(15.0, gt=0, le=300)
    order_ack_timeout_s: float = Field(5.0, gt=0, le=120,
                                       description="wait this long for openOrder/orderStatus")
    reconnect_initial_s: float = Field(1.0, gt=0, le=60)
    reconnect_max_s: float = Field(60.0, gt=0, le=900)
    reconnect_jitter: float = Field(0.25, ge=0, le=1, description="± fraction of each delay")
    client_id_in_use_backoff_s: float = Field(10.0, gt=0, le=600,
                                              description="first wait after error 326")
    connect_retries_326: int = Field(3, ge=0, le=20, description="326 retries inside connect()")

    outage_reducing_after_s: float = Field(120.0, gt=0, description="outage → recommend REDUCING")
    outage_halt_after_s: float = Field(900.0, gt=0, description="outage → recommend HALTED")
    nightly_restart_start: time = Field(time(23, 45), description="IB Gateway auto-restart (local)")
    nightly_restart_minutes: int = Field(15, ge=0, le=180)
    nightly_restart_tz: str = "America/New_York"
    heartbeat_interval_s: float = Field(30.0, gt=0, le=600, description="idle keepalive probe")

    messages_per_second: float = Field(40.0, gt=0, le=50, description="token rate (IB cap: 50/s)")
    message_burst: int = Field(5, ge=1, le=50, description="rate + burst = 45 ≤ IB's 50/s, with room "
                                                           "for arrival bunching (pacing.py)")
    max_market_data_lines: int = Field(90, ge=1, le=10_000, description="concurrent tickers")
    historical_per_10min: int = Field(60, ge=1, le=60)
    pacing_retry_limit: int = Field(3, ge=0, le=10)
    pacing_backoff_s: float = Field(1.0, gt=0, le=60)

    chain_cache_s: float = Field(120.0, ge=0, le=3600)
    chain_strike_window: float = Field(0.25, gt=0, le=1, description="± fraction of spot quoted")
    chain_near_strikes: int = Field(8, ge=1, le=100,
                                    description="strikes each side of spot quoted in both rights; "
                                                "also the batch by which the wings widen")
    chain_min_abs_delta: float = Field(0.05, ge=0, lt=0.5,
                                       description="wings widen until the outermost |delta| is this low")
    chain_max_strikes: int = Field(80, ge=2, le=500, description="strikes per right and expiry")
    quote_wait_s: float = Field(4.0, gt=0, le=60, description="wait for a complete option quote")
    quote_max_age_s: float = Field(30.0, gt=0, le=3600)
    quote_guard: bool = Field(True, description="deny orders whose legs lack a live two-sided quote")

    index_underlyings: dict[str, str] = Field(
        default_factory=lambda: {"SPX": "CBOE", "VIX": "CBOE", "XSP": "CBOE", "NDX": "NASDAQ",
                                 "RUT": "RUSSELL"},
        description="underlyings that are indices, with their listing exchange")
    trading_classes: dict[str, str] = Field(
        default_factory=lambda: {"SPX": "SPXW"},
        description="option trading class per underlying (SPXW: PM-settled dailies/weeklies)")
    fx_interest_rates: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description="currency → (rate IB pays on credit, rate IB charges on debit), annual")

    @model_validator(mode="after")
    def _check(self) -> IBKRConfig:
        if self.outage_halt_after_s <= self.outage_reducing_after_s:
            raise ValueError("outage_halt_after_s must exceed outage_reducing_after_s")
        if self.reconnect_max_s < self.reconnect_initial_s:
            raise ValueError("reconnect_max_s must be >= reconnect_initial_s")
        return self

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return LIVE_PORT if self.mode == "live" else PAPER_PORT
