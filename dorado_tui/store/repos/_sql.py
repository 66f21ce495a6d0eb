"""Small SQL helpers shared by the repositories: dialect-aware upserts and savepointed inserts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.store.errors import DuplicateKey


def dialect_name(session: AsyncSession) -> str:
    bind = session.bind
    if bind is None:
        raise RuntimeError("session is not bound to a database")
    return str(bind.dialect.name)


def insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on both SQLite and PostgreSQL."""
    return postgresql.insert(table) if dialect_name(session) == "postgresql" else sqlite.insert(table)


def upsert(session: AsyncSession, table: Any, keys: Sequence[str], update: Sequence[str]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET each of `update` to the incoming value."""
    stmt = insert(session, table)
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: getattr(stmt.excluded, c) for c in update})


async def insert_unique(session: AsyncSession, row: Any, what: str, key: str) -> Any:
    """Add `row` inside a savepoint; a unique-key clash raises DuplicateKey and leaves the
    caller's transaction usable (PostgreSQL would otherwise abort it)."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateKey(what, key) from exc
    return row
