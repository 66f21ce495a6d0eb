"""Schema migrations (Alembic) callable from code: upgrade, current and head revision, schema diff.

The Alembic configuration is built here rather than read from an alembic.ini, so migrations run
the same from a checkout and from an installed wheel. Alembic's env.py drives the async engine
with `asyncio.run`; when a caller already runs an event loop, the work moves to a helper thread.

Developers add a revision with `python -m dorado_tui.store.migrate revision "what changed"`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from dorado_tui.store.urls import parse_store_url, sqlite_url

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config for Dorado's migrations, targeting `url` when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: ini values undergo %-interpolation.
    if url is not None:
        cfg.attributes["dorado_url"] = url
    return cfg


def _off_loop[T](fn: Callable[[], T]) -> T:
    """Run `fn` here, or in a helper thread when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="dorado-migrate")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the store at `url` to `revision` (default: the newest). Idempotent."""
    parse_store_url(url)
    _off_loop(lambda: command.upgrade(alembic_config(url), revision))


def head_revision() -> str:
    """The newest revision the installed code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


async def _with_connection[T](url: str, fn: Callable[[Any], T]) -> T:
    from dorado_tui.store.database import Database

    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await database.dispose()


async def current_revision_async(url: str) -> str | None:
    """The revision the store at `url` is at (None: never migrated)."""
    return await _with_connection(url, lambda c: MigrationContext.configure(c).get_current_revision())


def current_revision(url: str) -> str | None:
    """The revision the store at `url` is at (None: never migrated)."""
    parse_store_url(url)
    return _off_loop(lambda: asyncio.run(current_revision_async(url)))


def _diff(connection: Any) -> list[Any]:
    from alembic.autogenerate import compare_metadata

    from dorado_tui.store.tables import metadata

    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def schema_diff_async(url: str) -> list[Any]:
    """What autogenerate would change to make the store at `url` match the models ([] = equal)."""
    return await _with_connection(url, _diff)


def upgrade_sql(url: str, revision: str = "head") -> str:
    """The SQL `upgrade` would run, as text (offline mode), for a DBA to review or apply."""
    import io

    buffer = io.StringIO()
    cfg = alembic_config(url)
    cfg.output_buffer = buffer
    command.upgrade(cfg, revision, sql=True)
    return buffer.getvalue()


def _new_revision(message: str) -> None:
    """Autogenerate a revision against a scratch SQLite store upgraded to the current head."""
    with tempfile.TemporaryDirectory() as scratch:
        url = sqlite_url(Path(scratch) / "scratch.db")
        upgrade(url)
        command.revision(alembic_config(url), message=message, autogenerate=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m dorado_tui.store.migrate revision "what changed"')
    _new_revision(sys.argv[2])
