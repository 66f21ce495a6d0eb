"""Tables for risk events, trading states, regime history, and the bandits' state and decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint

from dorado_tui.store.tables.base import Keyed, json_dict, json_list, utc


class RiskEventRow(Keyed, table=True):
    """A risk decision worth keeping: a check result, a breaker trip, a kill, a resume."""

    __tablename__ = "risk_events"
    __table_args__ = (Index(None, "user_id", "at"), Index(None, "user_id", "scope", "scope_key"))

    kind: str = "check"
    scope: str = "global"
    scope_key: str = ""
    candidate_key: str | None = None
    check: str
    passed: bool
    code: str
    reason: str
    figure: float | None = None
    limit: float | None = None
    details: dict[str, Any] = json_dict()
    at: datetime = utc()


class TradingStateRow(Keyed, table=True):
    """The current trading state of one scope (global, a strategy layer, or a bot)."""

    __tablename__ = "trading_states"
    __table_args__ = (UniqueConstraint("user_id", "scope", "scope_key"),)

    scope: str
    scope_key: str = ""
    state: str
    reason: str = ""
    latched: bool = False
    set_by: str = ""
    details: dict[str, Any] = json_dict()
    at: datetime = utc()


class RegimeRow(Keyed, table=True):
    """One regime classification by one model (every computation kept, newest wins on read)."""

    __tablename__ = "regime_history"
    __table_args__ = (Index(None, "user_id", "model", "asof"),)

    model: str
    asof: date
    regime: str
    confidence: float
    probabilities: dict[str, float] = json_dict()
    trend: dict[str, float] = json_dict()
    drivers: dict[str, float] = json_dict()
    extra: dict[str, float] = json_dict()
    transition_alert: bool = False
    horizon_seconds: float = 3 * 86400.0
    model_version: str = ""
    computed_at: datetime = utc()


class BanditStateRow(Keyed, table=True):
    """LinUCB state of one arm of one bandit: A matrix, b vector, observation count."""

    __tablename__ = "bandit_state"
    __table_args__ = (UniqueConstraint("user_id", "bandit", "arm"),)

    bandit: str
    arm: str
    a_matrix: list[list[float]] = json_list()
    b_vector: list[float] = json_list()
    n_obs: int = 0
    params: dict[str, Any] = json_dict()
    updated_at: datetime = utc()


class BanditDecisionRow(Keyed, table=True):
    """One scoring decision of a bandit (context, scores, choice) and, later, its reward."""

    __tablename__ = "bandit_decisions"
    __table_args__ = (Index(None, "user_id", "bandit", "at"),)

    bandit: str
    scan_id: str = ""
    chosen: str = ""
    context: dict[str, Any] = json_dict()
    scores: dict[str, float] = json_dict()
    reward: float | None = None
    at: datetime = utc()
    resolved_at: datetime | None = utc(default=None)
