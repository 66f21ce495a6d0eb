"""Store administration behind the CLI: upgrade, chain verification, audit reading, status figures.

Each function opens its own `Database` from a URL, does one job and closes it; errors a driver
raises (unreachable server, wrong password, missing schema) become one-line StoreErrors with the
password masked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from dorado_tui.domain.errors import DoradoError, StoreError
from dorado_tui.store import migrate
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit, risk, status
from dorado_tui.store.urls import mask_url, sqlite_path


def _driver_failure(url: str, doing: str, exc: BaseException) -> StoreError:
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return StoreError(f"{doing} the store at {mask_url(url)} failed: {type(exc).__name__}: {detail}".rstrip(": "))


@asynccontextmanager
async def _open(url: str, doing: str) -> AsyncIterator[Database]:
    """A migrated store, or a StoreError saying what to run (a missing SQLite file is not created)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise StoreError(f"no store at {path}: run `dorado init` (or `dorado db upgrade`) first")
    try:
        revision = await migrate.current_revision_async(url)
    except DoradoError:
        raise
    except (SQLAlchemyError, OSError) as exc:
        raise _driver_failure(url, doing, exc) from exc
    if revision is None:
        raise StoreError(f"the store at {mask_url(url)} has no schema yet: run `dorado init` or `dorado db upgrade`")
    database = Database(url)
    try:
        yield database
    except (SQLAlchemyError, OSError) as exc:
        raise _driver_failure(url, doing, exc) from exc
    finally:
        await database.dispose()


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    """Revisions before and after `dorado db upgrade`."""

    url: str  # masked
    before: str | None
    after: str | None
    head: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade_store(url: str) -> UpgradeResult:
    """Bring the store to the newest revision (idempotent) and say what changed."""
    try:
        before = migrate.current_revision(url)
        migrate.upgrade(url)
        after = migrate.current_revision(url)
    except DoradoError:
        raise
    except (SQLAlchemyError, OSError) as exc:
        raise _driver_failure(url, "upgrading", exc) from exc
    return UpgradeResult(mask_url(url), before, after, migrate.head_revision())


async def verify_audit(url: str) -> audit.ChainReport:
    """Walk the audit chain of the store at `url`."""
    async with _open(url, "verifying") as database, database.read(snapshot=True) as session:
        return await audit.verify(session)


async def audit_tail(url: str, n: int) -> list[audit.AuditEntry]:
    """The newest `n` audit entries, oldest first."""
    async with _open(url, "reading") as database, database.read() as session:
        return await audit.tail(session, n)


async def follow_audit(url: str, after_seq: int, emit: Callable[[audit.AuditEntry], Awaitable[None] | None],
                       *, interval: float = 1.0, stop: asyncio.Event | None = None) -> int:
    """Poll for entries newer than `after_seq` and hand each to `emit` until `stop` is set (or
    forever). Returns the last sequence number seen."""
    stop = stop or asyncio.Event()
    async with _open(url, "following") as database:
        while True:
            async with database.read() as session:
                for entry in await audit.after(session, after_seq):
                    result = emit(entry)
                    if result is not None:
                        await result
                    after_seq = entry.seq
            try:
                await asyncio.wait_for(stop.wait(), interval)
                return after_seq
            except TimeoutError:
                continue


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """What `dorado status` reports about the store."""

    url: str  # masked
    dialect: str
    revision: str | None
    head: str
    trading_state: risk.TradingStateRecord
    restricted_scopes: list[risk.TradingStateRecord] = field(default_factory=list)
    counts: status.StoreCounts | None = None

    def as_dict(self) -> dict[str, Any]:
        ts = self.trading_state
        return {
            "store": {"url": self.url, "dialect": self.dialect, "revision": self.revision, "head": self.head,
                      "up_to_date": self.revision == self.head},
            "trading_state": _state_dict(ts),
            "restricted_scopes": [_state_dict(s) for s in self.restricted_scopes],
            "counts": self.counts.as_dict() if self.counts else None,
        }


def _state_dict(s: risk.TradingStateRecord) -> dict[str, Any]:
    return {"scope": s.scope, "state": s.state.value, "reason": s.reason, "latched": s.latched,
            "set_by": s.set_by, "at": s.at.isoformat() if s.at else None}


async def store_status(url: str) -> StoreStatus:
    """Revision, global trading state, scopes not ACTIVE, and the counts."""
    async with _open(url, "reading") as database:
        revision = await migrate.current_revision_async(url)
        async with database.read() as session:
            states = await risk.trading_states(session)
            glob = await risk.get_trading_state(session)
            figures = await status.counts(session)
    restricted = [s for name, s in sorted(states.items()) if name != risk.GLOBAL and s.state.severity > 0]
    return StoreStatus(mask_url(url), database.dialect, revision, migrate.head_revision(), glob, restricted,
                       figures)
