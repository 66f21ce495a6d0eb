"""Migrations: upgrade builds exactly the models' schema on both backends, idempotently."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from dorado_tui.store import migrate
from dorado_tui.store.database import Database
from dorado_tui.store.tables import AuditRow, metadata
from dorado_tui.store.urls import sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL with nothing in it yet."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "state" / "dorado.db")
    return str(request.getfixturevalue("fresh_pg_url"))


def test_upgrade_builds_the_models_schema_and_is_idempotent(empty_url: str) -> None:
    before = migrate.current_revision(empty_url)

    migrate.upgrade(empty_url)
    migrate.upgrade(empty_url)

    assert before is None
    assert migrate.current_revision(empty_url) == migrate.head_revision() == "0001"


async def test_migrated_schema_equals_the_sqlmodel_metadata(empty_url: str) -> None:
    migrate.upgrade(empty_url)  # sync API from inside a running loop: runs in a helper thread

    diff = await migrate.schema_diff_async(empty_url)
    database = Database(empty_url)
    async with database.read() as session:
        names = await session.run_sync(lambda s: set(s.connection().dialect.get_table_names(s.connection())))
    await database.dispose()

    assert diff == []
    assert set(metadata.tables) <= names


def test_offline_sql_creates_every_table_for_a_dba_to_review() -> None:
    sql = migrate.upgrade_sql("postgresql+asyncpg://dorado@db.example:5432/dorado")

    assert all(f"CREATE TABLE {name} " in sql for name in ("audit_log", "candidates", "ohlcv", "trading_states"))
    assert "JSONB" in sql and "TIMESTAMP WITH TIME ZONE" in sql


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    database = Database(sqlite_url(tmp_path / "state" / "dorado.db"))
    async with database.read() as session:
        pragmas = [(await session.execute(text(f"PRAGMA {p}"))).scalar() for p in
                   ("journal_mode", "busy_timeout", "foreign_keys")]
    await database.dispose()

    assert pragmas == ["wal", 15000, 1]
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o700


async def test_foreign_keys_are_enforced(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    database = Database(empty_url)

    with pytest.raises(IntegrityError):
        async with database.transaction() as tx:
            await tx.execute(text("INSERT INTO candidate_verdicts (user_id, candidate_id, position, \"check\", "
                                  "passed, code, reason, details) VALUES ('local', 4242, 0, 'x', true, 'OK', "
                                  "'', '{}')"))
    await database.dispose()


async def test_naive_timestamps_are_refused_before_reaching_the_database(tmp_path: Path) -> None:
    database = Database(sqlite_url(tmp_path / "dorado.db"))
    await database.create_all()

    with pytest.raises(StatementError, match="naive datetime 2025-03-14T09:30:00 given to the store"):
        async with database.read() as session:
            await session.execute(select(AuditRow).where(AuditRow.at > datetime(2025, 3, 14, 9, 30)))
    await database.dispose()
