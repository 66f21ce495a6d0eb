"""Tables for the hash-chained audit log and the leases that keep one scheduler per store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text

from dorado_tui.store.tables.base import Field, StoreModel, utc
from dorado_tui.store.types import DEFAULT_USER


class AuditRow(StoreModel, table=True):
    """One audit entry. `hash` = sha256(prev_hash + canonical JSON of the entry's content); the
    payload is stored as that canonical text so the hash is checked against exactly what is kept."""

    __tablename__ = "audit_log"

    user_id: str = Field(default=DEFAULT_USER, max_length=64, primary_key=True)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = utc()
    actor: str
    action: str
    subject: str = ""
    payload: str = Field(default="{}", sa_type=Text)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class LeaseRow(StoreModel, table=True):
    """A named lease with an expiry, held by one owner at a time (store-wide when no Redis)."""

    __tablename__ = "leases"

    user_id: str = Field(default=DEFAULT_USER, max_length=64, primary_key=True)
    name: str = Field(primary_key=True)
    owner: str
    acquired_at: datetime = utc()
    expires_at: datetime = utc()


class AuditHeadRow(StoreModel, table=True):
    """The newest entry of each user's chain. Appenders lock this row, which serializes them on
    PostgreSQL; verify compares it with the last row, which exposes a truncated tail."""

    __tablename__ = "audit_head"

    user_id: str = Field(default=DEFAULT_USER, max_length=64, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)
    at: datetime = utc()
