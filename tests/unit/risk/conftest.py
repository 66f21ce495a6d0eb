"""Fixtures for the engine half of the risk radar: a store on SQLite (and PostgreSQL when asked)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.store.database import Database
from dorado_tui.store.tables import metadata
from dorado_tui.store.urls import sqlite_url

from ._builders import NOW


def _create_tables(url: str) -> None:
    async def create() -> None:
        database = Database(url)
        await database.create_all()
        await database.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, create()).result()


@pytest.fixture(scope="session")
def risk_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("risk-store") / "dorado.db"
    _create_tables(sqlite_url(path))
    return path


@pytest.fixture(scope="session")
def risk_pg_url(pg_url: str) -> str:
    _create_tables(pg_url)
    return pg_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty store on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "state" / "dorado.db"
        target.parent.mkdir(mode=0o700)
        shutil.copyfile(request.getfixturevalue("risk_sqlite_template"), target)
        database = Database(sqlite_url(target))
    else:
        database = Database(request.getfixturevalue("risk_pg_url"))
        async with database.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                await conn.execute(table.delete())
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)
