"""`config/dorado.yaml`: venue, store, cache and bus URLs, paths, schedules, time zone, simulation."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from dorado_tui.settings.base import CalendarName, Section, TimeZoneName, bad_value

VenueMode = Literal["simulation", "paper", "live"]
#: simulation < paper < live: a bot runs at the lower of its own mode and the global one.
VENUE_MODE_RANK: dict[str, int] = {"simulation": 0, "paper": 1, "live": 2}

STORE_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
REDIS_SCHEMES = ("redis", "rediss", "unix")


class IbkrSettings(Section):
    """How to reach TWS / IB Gateway. Dorado connects out; it listens on nothing."""

    host: str = "127.0.0.1"
    """Host running TWS or IB Gateway."""
    paper_port: int = Field(4002, ge=1, le=65535)
    """API port of the paper account (IB Gateway default 4002)."""
    live_port: int = Field(4001, ge=1, le=65535)
    """API port of the live account (IB Gateway default 4001)."""
    client_id: int = Field(17, ge=0, le=2_147_483_647)
    """API clientId; each connected Dorado process needs its own."""
    account: str | None = None
    """Account code to trade (e.g. DU1234567); null = the gateway's only account."""
    connect_timeout_s: float = Field(10.0, gt=0, le=300)
    """Seconds to wait for the API handshake."""
    probe_client_id: int = Field(99, ge=0, le=2_147_483_647)
    """clientId of short read-only probes (`dorado status --venue`); must differ from client_id."""
    request_timeout_s: float = Field(15.0, gt=0, le=300)
    """Seconds any single request (orders list, positions, contract details) may take."""
    order_ack_timeout_s: float = Field(5.0, gt=0, le=120)
    """Seconds to wait for IB to acknowledge an order before reporting it PENDING_SUBMIT."""
    reconnect_initial_s: float = Field(1.0, gt=0, le=60)
    """First reconnect delay after a lost connection (doubles, ±25 % jitter)."""
    reconnect_max_s: float = Field(60.0, gt=0, le=900)
    """Longest reconnect delay."""
    outage_reducing_after_s: float = Field(120.0, gt=0, le=86_400)
    """An outage this long (outside the nightly restart) trips the trading state to REDUCING."""
    outage_halt_after_s: float = Field(900.0, gt=0, le=86_400)
    """An outage this long trips HALTED; must exceed outage_reducing_after_s."""
    nightly_restart_start: time = time(23, 45)
    """IB Gateway's daily auto-restart (its Lock and Exit setting), local to nightly_restart_tz.
    Disconnects inside the window are expected and do not count toward an outage."""
    nightly_restart_minutes: int = Field(15, ge=0, le=180)
    """Length of the nightly restart window (0 = none)."""
    nightly_restart_tz: TimeZoneName = "America/New_York"
    """Time zone of nightly_restart_start."""
    heartbeat_interval_s: float = Field(30.0, gt=0, le=600)
    """A connection silent this long is probed; no answer within as long again = reconnect."""
    messages_per_second: float = Field(40.0, gt=0, le=49)
    """Dorado's own message rate toward IB; with message_burst it stays within IB's 50/s cap."""
    message_burst: int = Field(5, ge=1, le=49)
    """Messages that may go out at once above the rate (messages_per_second + burst ≤ 50; the
    default 45 leaves room for messages that arrive at IB bunched closer than they were sent)."""
    max_market_data_lines: int = Field(90, ge=1, le=10_000)
    """Concurrent market-data lines (IB's default allowance is 100 per login)."""
    chain_cache_s: float = Field(120.0, ge=0, le=3600)
    """How long a fetched option chain is reused."""
    chain_strike_window: float = Field(0.25, gt=0, le=1)
    """Strikes quoted per chain lie within ± this fraction of spot."""
    chain_near_strikes: int = Field(8, ge=1, le=100)
    """Strikes each side of spot quoted in both rights; the wings then widen by as many at a time,
    in the out-of-the-money right only."""
    chain_min_abs_delta: float = Field(0.05, ge=0, lt=0.5)
    """The wings widen until the outermost option's |model delta| is at most this."""
    chain_max_strikes: int = Field(80, ge=2, le=500)
    """At most this many strikes per right and expiry (bounds the messages one chain costs)."""
    quote_wait_s: float = Field(4.0, gt=0, le=60)
    """Seconds to wait for an option's complete quote (bid, ask, model Greeks, open interest)."""
    fx_interest_rates: dict[str, tuple[float, float]] = Field(default_factory=dict)
    """Currency → [rate IB pays on a credit balance, rate IB charges on a debit], annual fractions
    (0.043 = 4.3 %). IB spot FX carries no swap points: FX carry is computed from these."""

    @field_validator("fx_interest_rates")
    @classmethod
    def _check_rates(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for ccy, (credit, debit) in value.items():
            if len(ccy) != 3 or not ccy.isalpha() or not ccy.isupper():
                raise bad_value("a currency is a three-letter upper-case ISO code", ccy, "e.g. USD")
            if not (-0.2 <= credit <= debit <= 0.5):
                raise bad_value(f"{ccy}: rates are [credit, debit] annual fractions, credit ≤ debit",
                                [credit, debit], "-0.2 ≤ credit ≤ debit ≤ 0.5")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> IbkrSettings:
        if self.outage_halt_after_s <= self.outage_reducing_after_s:
            raise bad_value("outage_halt_after_s must exceed outage_reducing_after_s",
                            self.outage_halt_after_s, f"> {self.outage_reducing_after_s:g}")
        if self.reconnect_max_s < self.reconnect_initial_s:
            raise bad_value("reconnect_max_s must be at least reconnect_initial_s",
                            self.reconnect_max_s, f">= {self.reconnect_initial_s:g}")
        if self.messages_per_second + self.message_burst > 50:
            raise bad_value("messages_per_second + message_burst exceeds IB's 50 messages/s",
                            self.messages_per_second + self.message_burst, "≤ 50")
        if self.probe_client_id == self.client_id:
            raise bad_value("probe_client_id must differ from client_id (IB refuses a second "
                            "session with the same clientId: error 326)", self.probe_client_id)
        return self

    def port(self, mode: str) -> int:
        """The port for a venue mode (paper or live)."""
        return self.live_port if mode == "live" else self.paper_port


class VenueSettings(Section):
    """Which venue the process trades through and how far it may go."""

    mode: VenueMode = "simulation"
    """Global ceiling: simulation (no broker), paper (IB paper account), live (real money).
    A bot's own venue_mode is capped by it, and a live bot also needs `live` here."""
    ibkr: IbkrSettings = IbkrSettings()
    """Interactive Brokers connection."""


def _no_password(url: str, secret_name: str) -> None:
    if urlsplit(url).password:
        raise bad_value(f"a password in the URL is a secret: set {secret_name} in the environment "
                        "or secrets.yaml and leave it out of this file", "a URL with a password")


class StoreSettings(Section):
    """The SQL store (SQLite embedded by default, PostgreSQL for scale-out)."""

    url: str | None = None
    """Async SQLAlchemy URL. null = sqlite+aiosqlite:///<state>/dorado.db; PostgreSQL:
    postgresql+asyncpg://user@127.0.0.1:5432/dorado (password from DORADO_STORE_PASSWORD)."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        scheme = urlsplit(value).scheme
        if scheme not in STORE_SCHEMES:
            raise bad_value("unsupported store URL scheme", scheme or value, ", ".join(STORE_SCHEMES))
        _no_password(value, "DORADO_STORE_PASSWORD")
        return value


def _redis_url(value: str | None, secret_name: str) -> str | None:
    if value is None:
        return value
    scheme = urlsplit(value).scheme
    if scheme not in REDIS_SCHEMES:
        raise bad_value("unsupported Redis URL scheme", scheme or value, ", ".join(REDIS_SCHEMES))
    _no_password(value, secret_name)
    return value


class CacheSettings(Section):
    """Quote/chain/regime cache."""

    url: str | None = None
    """null = in-process; redis://127.0.0.1:6379/0 to share it between processes."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        return _redis_url(value, "DORADO_REDIS_PASSWORD")


class BusSettings(Section):
    """Event bus that carries fills, state changes and the kill switch to every process."""

    url: str | None = None
    """null = in-process; redis://127.0.0.1:6379/0 for Redis pub/sub across processes."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        return _redis_url(value, "DORADO_REDIS_PASSWORD")


class PathSettings(Section):
    """Where runtime state lives (relative paths: state to the home, the rest to state)."""

    state: Path = Path("state")
    """Database, models, logs and exports (created 0700, contents git-ignored)."""
    models: Path = Path("models")
    """Fitted regime and ML models."""
    logs: Path = Path("logs")
    """Structured logs."""
    exports: Path = Path("exports")
    """Reports and CSV exports."""


class DailyJob(Section):
    """A job that runs once per trading day at an exchange-local time."""

    at: time
    """Exchange-local time, HH:MM."""
    calendar: CalendarName = "XNYS"
    """Trading days and time zone come from this exchange calendar."""


def _job(at: time, calendar: str = "XNYS") -> DailyJob:
    """A default job, built without validation (trusted values; no calendar lookup at import)."""
    return DailyJob.model_construct(at=at, calendar=calendar)


def _default_scans() -> dict[str, DailyJob]:
    return {"daily_market_open": _job(time(9, 45))}


class MonitoringCadence(Section):
    """How often open positions are checked (PRD §3.1 monitoring table)."""

    pnl_live_minutes: int = Field(15, ge=1, le=240)
    """P&L, profit target and stop checks of live positions, during market hours."""
    pnl_paper_minutes: int = Field(60, ge=1, le=240)
    """The same for paper positions (paper precision is not critical; spares rate limits)."""
    breach_minutes: int = Field(15, ge=1, le=240)
    """Short-strike breach detection."""
    circuit_breaker_minutes: int = Field(15, ge=1, le=240)
    """Circuit-breaker evaluation (must halt before losses compound)."""
    fx_crypto_minutes: int = Field(60, ge=1, le=1440)
    """FX and crypto position checks (3–7 day holds)."""
    iv_rank_at: list[time] = Field(default_factory=lambda: [time(9, 45), time(12, 30), time(15, 45)],
                                   min_length=1, max_length=6)
    """IV-rank spike (vol exit) checks, exchange-local: open, midday, close."""
    dte_exit: DailyJob = Field(default_factory=lambda: _job(time(9, 35)))
    """Daily DTE-exit check."""

    @field_validator("iv_rank_at")
    @classmethod
    def _sorted(cls, value: list[time]) -> list[time]:
        if value != sorted(set(value)):
            raise bad_value("times must be distinct and in increasing order",
                            ", ".join(f"{t:%H:%M}" for t in value))
        return value


class Schedules(Section):
    """When the scheduler runs each job."""

    scans: dict[str, DailyJob] = Field(default_factory=_default_scans)
    """Named scan schedules; a bot's signal_source.schedule names one of them."""
    regime_update: DailyJob = Field(default_factory=lambda: _job(time(8, 30)))
    """Daily regime classification (all models), before the scan."""
    reconcile_minutes: int = Field(30, ge=1, le=1440)
    """Venue vs store reconciliation interval (also run at start-up and after reconnects)."""
    monitoring: MonitoringCadence = Field(default_factory=MonitoringCadence)
    """Position monitoring cadences."""


class SimulationSettings(Section):
    """The simulated market used by the simulation venue, replays and the demo."""

    seed: int = Field(7, ge=0, le=2**32 - 1)
    """Random seed: the same seed gives the same market."""


class DoradoSettings(Section):
    """`config/dorado.yaml`: process-wide settings. Every section is optional."""

    venue: VenueSettings = VenueSettings()
    """Venue mode and the IBKR connection."""
    store: StoreSettings = StoreSettings()
    """SQL store URL."""
    cache: CacheSettings = CacheSettings()
    """Cache URL."""
    bus: BusSettings = BusSettings()
    """Event bus URL."""
    paths: PathSettings = PathSettings()
    """Runtime directories."""
    schedules: Schedules = Field(default_factory=Schedules)
    """Job times and monitoring cadences."""
    timezone: TimeZoneName = "America/New_York"
    """Time zone the console and reports show times in (market logic uses each exchange's)."""
    simulation: SimulationSettings = SimulationSettings()
    """Simulated market."""


def effective_mode(bot_mode: str, global_mode: str) -> str:
    """The mode a bot actually runs in: the lower of its own and the global ceiling."""
    return min(bot_mode, global_mode, key=VENUE_MODE_RANK.__getitem__)
