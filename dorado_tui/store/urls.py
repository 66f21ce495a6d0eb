"""Store URLs: validation, the embedded SQLite default, and masking passwords for display."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from dorado_tui.domain.errors import BadInput

#: Drivers Dorado's async store speaks.
SUPPORTED = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql"}


def parse_store_url(url: str) -> URL:
    """Parse and check a store URL; a wrong or sync driver is bad input, said in one line."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        # Not echoed: an unparseable URL cannot be masked, and it may hold a password.
        raise BadInput("store URL is not a database URL (expected sqlite+aiosqlite:////abs/path/dorado.db "
                       "or postgresql+asyncpg://user@host:5432/dbname)") from exc
    if parsed.drivername not in SUPPORTED:
        hint = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg",
                "postgres": "postgresql+asyncpg"}.get(parsed.drivername.split("+")[0])
        allowed = ", ".join(SUPPORTED)
        extra = f"; did you mean {hint}://...?" if hint else ""
        raise BadInput(f"store URL driver {parsed.drivername!r} is not supported (allowed: {allowed}){extra}")
    return parsed


def sqlite_url(path: Path) -> str:
    """The async SQLite URL of a database file (absolute path)."""
    return f"sqlite+aiosqlite:///{path.expanduser().resolve()}"


def default_store_url(home: Path) -> str:
    """The embedded default: `state/dorado.db` inside Dorado's home."""
    return sqlite_url(home / "state" / "dorado.db")


def mask_url(url: str | URL) -> str:
    """The URL with any password replaced by ***, safe to print or log."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except ArgumentError:
        return "<unparseable URL>"
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: str | URL) -> Path | None:
    """The database file of an SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = url if isinstance(url, URL) else make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)
