"""The declarative base of every store table: one metadata with stable constraint names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from dorado_tui.store.types import DEFAULT_USER, JSONType, UTCDateTime

#: Named constraints keep migrations identical on SQLite and PostgreSQL and let SQLite batch
#: migrations find a constraint to drop.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Dorado's own metadata (not SQLModel's global one), so nothing imported elsewhere leaks into
#: the migrations.
metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StoreModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of every table class."""


class UserScoped(StoreModel):
    """Every row belongs to a user (PRD: `user_id` on every table for multi-user readiness)."""

    user_id: str = Field(default=DEFAULT_USER, max_length=64)


class Keyed(UserScoped):
    """A row with a surrogate integer key (natural keys are unique per user alongside it)."""

    id: int | None = Field(default=None, primary_key=True)


def utc(**kw: Any) -> Any:
    """An aware-UTC timestamp column."""
    return Field(sa_type=UTCDateTime, **kw)


def json_dict() -> Any:
    """A JSON object column, empty by default."""
    return Field(default_factory=dict, sa_type=JSONType)


def json_list() -> Any:
    """A JSON array column, empty by default."""
    return Field(default_factory=list, sa_type=JSONType)


__all__ = ["Field", "Keyed", "StoreModel", "UserScoped", "date", "datetime", "json_dict",
           "json_list", "metadata", "utc"]
