"""`config/bots/*.yaml` (PRD §2.2): a bot binds one underlying of the universe to one template."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dorado_tui.settings.base import Fraction, RegimeName, Section
from dorado_tui.settings.dorado import VenueMode
from dorado_tui.settings.universe import VenueName

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class SignalSource(Section):
    """Where the bot's signals come from."""

    type: Literal["scheduled", "webhook", "manual"] = "scheduled"
    """scheduled (a named scan schedule), webhook (external JSON signals), manual (operator)."""
    schedule: str | None = "daily_market_open"
    """For scheduled: the name of a scan in dorado.yaml `schedules.scans`."""
    webhook_secret: str | None = Field(None, pattern=r"^[a-z0-9_]{1,64}$")
    """For webhook signals: the NAME of the secret that authenticates them (its value comes
    from DORADO_WEBHOOK_SECRET_<NAME> or secrets.yaml `webhook_secrets`)."""


class BotSizing(Section):
    """How many contracts/units a candidate gets."""

    method: Literal["fixed_risk_pct", "vol_adjusted", "adaptive_rules"] = "fixed_risk_pct"
    """fixed_risk_pct: risk_pct of NAV at max loss; vol_adjusted: scaled by volatility;
    adaptive_rules: the PRD's rules around risk_pct, bounded 0.5–4 %."""
    risk_pct: float = Field(2.0, gt=0, le=10)
    """Percent of NAV at risk per trade (the base for adaptive methods)."""
    max_units: int | None = Field(None, ge=1, le=10_000)
    """Hard cap on contracts (options) or units per order."""


class RegimeFilter(Section):
    """Bot-level regime filter (on top of the template's gate 1)."""

    allowed: tuple[RegimeName, ...] = ()
    """Regimes the bot trades in; empty = the template decides."""
    min_regime_confidence: Fraction = 0.60
    """Minimum probability of the current regime."""


class Bot(Section):
    """One bot (the document's `bot:` mapping). Never live unless said so twice: here and in
    dorado.yaml's venue.mode."""

    id: str = Field(pattern=ID_PATTERN)
    """Unique id (lower case, digits, - and _), e.g. spy-ic-01."""
    universe: str
    """Id of the universe the underlying belongs to."""
    underlying: str
    """Symbol of one underlying of that universe."""
    venue: VenueName | None = None
    """Venue; null = the underlying's venue in the universe."""
    venue_mode: VenueMode = "paper"
    """simulation, paper or live (capped by dorado.yaml venue.mode)."""
    strategy_template: str = Field(pattern=r"^[a-z0-9_]+$")
    """Template name: strategies/<name>.yaml."""
    strategy_layer: str | None = Field(None, pattern=r"^[A-Za-z0-9_]{1,40}$")
    """Capital layer (seed 000), e.g. L1_wheel, L2_credit_spreads, ZERO_DTE; its budget and
    limits come from risk_policy.yaml."""
    signal_mode: Literal["scan", "webhook", "both"] = "scan"
    """scan (daily pipeline), webhook (external signals), both."""
    signal_source: SignalSource = SignalSource()
    """Signal source."""
    approval_mode: Literal["human_required", "auto_execute"] = "human_required"
    """human_required: the operator approves each trade; auto_execute skips the human."""
    sizing: BotSizing = BotSizing()
    """Sizing."""
    regime_filter: RegimeFilter = RegimeFilter()
    """Regime filter."""
    timeout_hours: float = Field(4.0, gt=0, le=72)
    """AWAITING_APPROVAL auto-cancels after this long."""
    enabled: bool = True
    """Disabled bots are validated but never scan or trade."""
    description: str | None = None
    """Free text."""
