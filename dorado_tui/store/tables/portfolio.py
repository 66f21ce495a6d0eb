"""Tables for positions and their legs, closed trades, and account snapshots (NAV)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint

from dorado_tui.store.tables.base import Field, Keyed, json_dict, utc


class PositionRow(Keyed, table=True):
    """A position Dorado manages (one combo), live or paper, from open to closed."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("user_id", "position_key"), Index(None, "user_id", "status"))

    position_key: str
    bot_key: str = Field(index=True)
    candidate_key: str | None = None
    underlying: str
    asset_class: str = ""
    template: str = ""
    strategy_layer: str = ""
    paper: bool = False
    status: str = "open"
    quantity: float
    entry_price: float
    max_loss: float = 0.0
    mark: float | None = None
    unrealized_pnl: float = 0.0
    realized_pnl: float = 0.0
    greeks: dict[str, Any] = json_dict()
    opened_at: datetime = utc()
    marked_at: datetime | None = utc(default=None)
    closed_at: datetime | None = utc(default=None)


class PositionLegRow(Keyed, table=True):
    """One instrument of a position with its signed quantity and average price."""

    __tablename__ = "position_legs"
    __table_args__ = (UniqueConstraint("position_id", "leg_index"),)

    position_id: int = Field(foreign_key="positions.id", ondelete="CASCADE")
    leg_index: int
    symbol: str
    instrument: dict[str, Any] = json_dict()
    quantity: float
    avg_price: float
    multiplier: int = 1
    mark: float | None = None


class TradeRow(Keyed, table=True):
    """A closed (or closing) round trip with its entry-time features and realized outcome."""

    __tablename__ = "trades"
    __table_args__ = (UniqueConstraint("user_id", "trade_key"), Index(None, "user_id", "closed_at"))

    trade_key: str
    position_id: int | None = Field(default=None, foreign_key="positions.id")
    bot_key: str = Field(index=True)
    candidate_key: str | None = None
    underlying: str
    template: str = ""
    strategy_layer: str = ""
    paper: bool = False
    max_loss: float = 0.0
    realized_pnl: float | None = None
    fees: float = 0.0
    reward: float | None = None
    exit_reason: str = ""
    entry_features: dict[str, Any] = json_dict()
    opened_at: datetime = utc()
    closed_at: datetime | None = utc(default=None)


class AccountSnapshotRow(Keyed, table=True):
    """Balances and NAV at one instant, as the venue reported them."""

    __tablename__ = "account_snapshots"
    __table_args__ = (UniqueConstraint("user_id", "account_id", "at"),)

    account_id: str
    currency: str
    cash: float
    net_liquidation: float
    buying_power: float
    initial_margin: float
    maintenance_margin: float
    realized_pnl: float | None = None
    unrealized_pnl: float | None = None
    at: datetime = utc()
