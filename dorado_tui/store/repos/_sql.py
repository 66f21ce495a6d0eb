"""Small SQL helpers shared by the repositories: dialect-aware upserts and savepointed inserts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.store.errors import DuplicateKey


def dialect_name(session: AsyncSession) -> str:
    bind = session.bind
    if bind is None:
        raise RuntimeError("session is not bound to a database")
    return str(bind.dialect.name)


def starts_with(session: AsyncSession, column: Any, prefix: str) -> Any:
    """`column LIKE 'prefix%'` (prefix free of LIKE wildcards); on SQLite also bounded as the range
    [prefix, prefix with its last character + 1), which a (user_id, column) index can seek: SQLite's
    case-insensitive LIKE alone scans every row of the user. Not on PostgreSQL, where a non-C
    collation's order is not the code-point order the range assumes."""
    like = column.like(prefix + "%")
    if not prefix or dialect_name(session) != "sqlite":
        return like
    return and_(like, column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


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


async def insert_new(session: AsyncSession, row: Any, keys: Sequence[str], what: str, key: str) -> int:
    """Insert a table-class instance unless its natural key exists; returns the new surrogate id.

    One INSERT ... ON CONFLICT DO NOTHING RETURNING id: a clash raises DuplicateKey without any
    database error, so the caller's transaction stays usable and no savepoint is needed.
    """
    table = type(row).__table__
    values = {c.name: getattr(row, c.name) for c in table.columns if not (c.name == "id" and row.id is None)}
    stmt = insert(session, table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    new_id = (await session.execute(stmt.returning(table.c.id))).scalar_one_or_none()
    if new_id is None:
        raise DuplicateKey(what, key)
    return int(new_id)
