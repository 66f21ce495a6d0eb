"""Alembic environment: runs Dorado's migrations on the async engine of `dorado_tui.store`."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import AutoString

from dorado_tui.store.database import Database
from dorado_tui.store.tables import metadata
from dorado_tui.store.types import UTCDateTime

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render Dorado's column types as plain SQLAlchemy ones, so that a migration never depends on
    application code that may change after it was written."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=render_item,
        compare_type=True,
        # SQLite can only ALTER by copying a table: batch mode does that for future revisions.
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite does run DDL inside a transaction; our own BEGIN (see database.py) makes it so.
        transactional_ddl=True,
    )


def run_on(connection: Connection) -> None:
    configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async(url: str) -> None:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(run_on)
    finally:
        await database.dispose()


def run_offline(url: str) -> None:
    context.configure(url=sa.engine.make_url(url).set(drivername=url.split("+")[0].split(":")[0]),
                      target_metadata=metadata, render_item=render_item, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    shared = config.attributes.get("connection")
    url = config.attributes.get("dorado_url")
    if shared is not None:
        run_on(shared)
    elif url is None:
        raise RuntimeError("no store URL given to the migrations (use dorado_tui.store.migrate)")
    elif context.is_offline_mode():
        run_offline(url)
    else:
        asyncio.run(run_async(url))


main()
