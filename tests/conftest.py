"""Shared fixtures: every test runs without network and with a clean Dorado environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, NoReturn

import pytest


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test inherits the developer's Dorado home or debug switches."""
    for var in ("DORADO_HOME", "DORADO_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def services_required() -> bool:
    """CI sets DORADO_REQUIRE_SERVICES=1: a missing PostgreSQL/Redis then fails instead of skipping."""
    return os.environ.get("DORADO_REQUIRE_SERVICES", "") not in ("", "0")


# --- real PostgreSQL and Redis (store, bus, cache, leases) -----------------------------------

#: Where the test servers are (override with env for another machine).
PG_ADMIN_DSN = os.environ.get("DORADO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("DORADO_TEST_REDIS", "redis://127.0.0.1:6379")


def service_unavailable(service: str, where: str, error: BaseException) -> NoReturn:
    """Skip (or, with DORADO_REQUIRE_SERVICES=1, fail) with the reason the server is unusable."""
    message = f"{service} unavailable at {where}: {type(error).__name__}: {error}"
    if services_required():
        pytest.fail(f"{message} (DORADO_REQUIRE_SERVICES=1, so this is a failure)", pytrace=False)
    pytest.skip(message)


def run_coroutine_in_thread[T](factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on a private loop in a helper thread. Session fixtures use
    it: they may be first requested from inside an async test, where a loop is already running."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def _pg_admin(*statements: str) -> None:
    """Run statements on the admin database (outside any transaction: CREATE/DROP DATABASE)."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    run_coroutine_in_thread(run)


def _async_pg_url(database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_ADMIN_DSN).set(drivername="postgresql+asyncpg", database=database).render_as_string(
        hide_password=False)


def _fresh_pg_database() -> str:
    import uuid

    import asyncpg

    name = f"dorado_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        _pg_admin(f'CREATE DATABASE "{name}"')
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        service_unavailable("PostgreSQL", PG_ADMIN_DSN, exc)
    return name


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of its own for this test session (and xdist worker), as an async
    SQLAlchemy URL; dropped at the end. Skips when the server is absent (fails in CI)."""
    name = _fresh_pg_database()
    yield _async_pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database for one test (migrations start from nothing)."""
    name = _fresh_pg_database()
    yield _async_pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _redis_db_index() -> int:
    """Each xdist worker gets its own database index, counting down from 15 (0 is left alone)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    return 15 - number % 15


@pytest.fixture(scope="session")
def _redis_server() -> str:
    import redis

    url = f"{REDIS_TEST_URL.rstrip('/')}/{_redis_db_index()}"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        client.ping()
        client.close()
    except (OSError, redis.RedisError) as exc:
        service_unavailable("Redis", url, exc)
    return url


@pytest.fixture
def redis_url(_redis_server: str) -> Iterator[str]:
    """A Redis URL on a database index dedicated to this worker, flushed before and after the test."""
    import redis

    client = redis.Redis.from_url(_redis_server)
    client.flushdb()
    yield _redis_server
    client.flushdb()
    client.close()
