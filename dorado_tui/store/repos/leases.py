"""SQL lease rows: take, extend, drop, and read the holder (used by `store.leases.SqlLeases`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.store.database import user_of
from dorado_tui.store.repos._sql import insert
from dorado_tui.store.tables import LeaseRow

_T = LeaseRow.__table__.c  # type: ignore[attr-defined]


async def take(session: AsyncSession, name: str, owner: str, now: datetime, expires: datetime) -> bool:
    """Claim the lease when it is free, expired, or already ours (one atomic upsert)."""
    user = user_of(session)
    stmt = insert(session, LeaseRow.__table__).values(user_id=user, name=name, owner=owner, acquired_at=now,
                                                      expires_at=expires)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "name"],
        set_={"owner": stmt.excluded.owner, "acquired_at": stmt.excluded.acquired_at,
              "expires_at": stmt.excluded.expires_at},
        where=(_T.owner == stmt.excluded.owner) | (_T.expires_at <= now))
    await session.execute(stmt)
    return await holder(session, name, now) == owner


async def extend(session: AsyncSession, name: str, owner: str, now: datetime, expires: datetime) -> bool:
    """Push back the expiry of a lease `owner` still holds."""
    result = await session.execute(update(LeaseRow.__table__).where(
        _T.user_id == user_of(session), _T.name == name, _T.owner == owner, _T.expires_at > now)
        .values(expires_at=expires))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def drop(session: AsyncSession, name: str, owner: str) -> bool:
    """Delete the lease row if `owner` holds it."""
    result = await session.execute(delete(LeaseRow.__table__).where(
        _T.user_id == user_of(session), _T.name == name, _T.owner == owner))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def holder(session: AsyncSession, name: str, now: datetime) -> str | None:
    """The owner of an unexpired lease, or None."""
    owner = (await session.execute(select(_T.owner).where(_T.user_id == user_of(session), _T.name == name,
                                                          _T.expires_at > now))).scalar_one_or_none()
    return None if owner is None else str(owner)
