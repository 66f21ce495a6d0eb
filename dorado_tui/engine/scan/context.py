"""What one scan shares across its bots, and what one bot's run accumulates."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from dorado_tui.domain.account import AccountState
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.market import Quote
from dorado_tui.domain.regime import RegimeModel
from dorado_tui.engine.scan.chains import ChainFetcher
from dorado_tui.engine.scan.history import StoreHistory
from dorado_tui.engine.scan.model import ScanSettings
from dorado_tui.engine.scan.technicals import Technicals
from dorado_tui.regime.publish import RegimeReading
from dorado_tui.risk.policy import UNASSIGNED_LAYER, RiskPolicy
from dorado_tui.risk.trading_state import TradingStateBook
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.config import Config
from dorado_tui.settings.templates import StrategyTemplate
from dorado_tui.settings.universe import Underlying
from dorado_tui.venues.base import VenueAdapter


@dataclass
class ScanContext:
    """Everything bots of one scan read (built once, shared)."""

    scan_id: str
    now: datetime
    today: date
    config: Config
    policy: RiskPolicy
    settings: ScanSettings
    history: StoreHistory
    readings: Mapping[RegimeModel, RegimeReading]
    fetcher: ChainFetcher
    venue_for: Callable[[Bot], VenueAdapter]
    account: AccountState
    book: TradingStateBook
    bot_states: Mapping[str, str] = field(default_factory=dict)
    quotes: dict[str, Quote] = field(default_factory=dict)
    vix: tuple[float, str] | None = None
    technicals: dict[tuple[str, int], Technicals] = field(default_factory=dict)
    cm_iv: dict[tuple[str, int], float] = field(default_factory=dict)

    @property
    def nav(self) -> float:
        return self.account.net_liquidation


class Skip(Exception):
    """A gate failed (or data is missing): the bot is skipped with this decision."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


@dataclass
class BotRun:
    """One bot's run through the cascade: its template (regime-merged), gates and facts."""

    bot: Bot
    template_key: str
    template: StrategyTemplate
    underlying: Underlying
    gates: list[Decision] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    regime: str = ""
    regime_confidence: float | None = None
    quote: Quote | None = None
    tech: Technicals | None = None
    iv_rank: float | None = None
    realized_vol_pct: float | None = None
    direction: str | None = None

    @property
    def layer(self) -> str:
        return self.bot.strategy_layer or UNASSIGNED_LAYER

    @property
    def asset_class(self) -> str:
        return self.underlying.asset_class

    @property
    def spot(self) -> float:
        return self.quote.mid if self.quote is not None and self.quote.is_two_sided else \
            (self.quote.last if self.quote is not None else math.nan)

    def gate(self, decision: Decision) -> Decision:
        """Record a verdict; a failed one ends the run (Skip)."""
        self.gates.append(decision)
        if not decision.passed:
            raise Skip(decision)
        return decision
