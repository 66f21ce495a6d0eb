"""Tables for universes, bots, their versioned configurations, state transitions and signals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint

from dorado_tui.store.tables.base import Field, Keyed, json_dict, utc


class UniverseRow(Keyed, table=True):
    """A named universe of underlyings (its YAML payload as last loaded)."""

    __tablename__ = "universes"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    name: str
    asset_class: str
    payload: dict[str, Any] = json_dict()
    updated_at: datetime = utc()


class BotRow(Keyed, table=True):
    """A bot and its current state-machine state (transitions are the history)."""

    __tablename__ = "bots"
    __table_args__ = (UniqueConstraint("user_id", "bot_key"),)

    bot_key: str
    universe: str = ""
    underlying: str = ""
    template: str = ""
    strategy_layer: str = ""
    mode: str = "paper"
    enabled: bool = True
    state: str = "IDLE"
    config_version: int = 0
    updated_at: datetime = utc()


class BotConfigRow(Keyed, table=True):
    """One version of a bot's configuration; a new version only when the payload changes."""

    __tablename__ = "bot_configs"
    __table_args__ = (UniqueConstraint("bot_id", "version"),)

    bot_id: int = Field(foreign_key="bots.id", ondelete="CASCADE")
    version: int
    digest: str
    payload: dict[str, Any] = json_dict()
    source: str = ""
    created_at: datetime = utc()


class BotTransitionRow(Keyed, table=True):
    """One step of a bot's state machine, with the event that caused it."""

    __tablename__ = "bot_transitions"
    __table_args__ = (Index(None, "bot_id", "at"),)

    bot_id: int = Field(foreign_key="bots.id", ondelete="CASCADE")
    from_state: str
    to_state: str
    event: str
    reason: str = ""
    candidate_key: str | None = None
    actor: str = "engine"
    at: datetime = utc()


class SignalRow(Keyed, table=True):
    """A signal received (scan trigger, adjustment, external) and what was done with it."""

    __tablename__ = "signals"
    __table_args__ = (UniqueConstraint("user_id", "signal_key"), Index(None, "user_id", "received_at"))

    signal_key: str
    bot_key: str | None = Field(default=None, index=True)
    source: str
    kind: str
    underlying: str = ""
    payload: dict[str, Any] = json_dict()
    research_context: dict[str, Any] = json_dict()
    action: str = ""
    action_reason: str = ""
    received_at: datetime = utc()
