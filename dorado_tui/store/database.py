"""The `Database`: one async engine and its sessions, for SQLite (aiosqlite) or PostgreSQL (asyncpg).

SQLite is tuned for one machine with several processes: WAL (readers never block the writer),
a busy timeout (a second writer waits instead of failing), foreign keys on, and write
transactions opened with BEGIN IMMEDIATE so two writers never both read the same audit-chain
head and then race to extend it (they queue on the database lock instead).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from dorado_tui.store.types import DEFAULT_USER
from dorado_tui.store.urls import SUPPORTED, mask_url, parse_store_url, sqlite_path

#: How long an SQLite writer waits for another one before giving up (ms).
SQLITE_BUSY_TIMEOUT_MS = 15_000
_READ_ONLY = "dorado_read_only"


def _install_sqlite_events(engine: AsyncEngine, file_backed: bool) -> None:
    """PRAGMAs on every new connection and our own BEGIN (see the module docstring)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN is switched off so that ours (below) is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if file_backed:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """An async engine, its session factories, and the user every row is written for.

    Use `transaction()` for work that writes (one atomic unit, committed on success, rolled back
    on any exception) and `read()` for reads. Repository functions take the yielded session.
    """

    def __init__(self, url: str, *, user_id: str = DEFAULT_USER, echo: bool = False) -> None:
        self.url: URL = parse_store_url(url)
        self.dialect: str = SUPPORTED[self.url.drivername]
        self.user_id = user_id
        self.engine: AsyncEngine = create_async_engine(self.url, echo=echo, **self._engine_options())
        if self.dialect == "sqlite":
            path = sqlite_path(self.url)
            if path is not None:
                _ensure_private_dir(path.parent)
            _install_sqlite_events(self.engine, file_backed=path is not None)
        self._writer = async_sessionmaker(self.engine, expire_on_commit=False)
        self._reader = async_sessionmaker(self.engine.execution_options(**{_READ_ONLY: True}),
                                          expire_on_commit=False)

    def _engine_options(self) -> dict[str, Any]:
        if self.dialect == "postgresql":
            return {"pool_pre_ping": True,
                    "connect_args": {"server_settings": {"application_name": "dorado"}}}
        return {}

    @property
    def masked_url(self) -> str:
        """The URL with its password hidden, for display."""
        return mask_url(self.url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One atomic unit of work: commits when the block ends, rolls back on an exception."""
        async with self._writer() as session:
            session.info["user_id"] = self.user_id
            async with session.begin():
                yield session

    @asynccontextmanager
    async def read(self, snapshot: bool = False) -> AsyncIterator[AsyncSession]:
        """A read-only unit (on SQLite it does not take the write lock).

        `snapshot=True` makes every statement see the same committed state (REPEATABLE READ on
        PostgreSQL; an SQLite read transaction is a snapshot already), for reads that must agree
        with each other, like the audit head and the chain behind it.
        """
        async with self._reader() as session:
            session.info["user_id"] = self.user_id
            async with session.begin():
                if snapshot and self.dialect == "postgresql":
                    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                yield session

    async def create_all(self) -> None:
        """Create every table directly from the models (tests; production uses migrations)."""
        from dorado_tui.store.tables import metadata

        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.dispose()

    def __repr__(self) -> str:
        return f"Database({self.masked_url!r}, user_id={self.user_id!r})"


def _ensure_private_dir(path: Any) -> None:
    """Create the database's folder (0700: it holds the trading history) if it is missing."""
    if not path.exists():
        os.makedirs(path, mode=0o700, exist_ok=True)


def user_of(session: AsyncSession) -> str:
    """The user a session writes for (set by `Database.transaction()` / `read()`)."""
    return str(session.info.get("user_id", DEFAULT_USER))
