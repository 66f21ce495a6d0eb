"""The append-only, hash-chained audit log: append inside the caller's transaction, verify, read.

Each entry's hash is sha256(previous hash + canonical JSON of its content), so editing, deleting
or reordering a row breaks the chain from that row on. The `audit_head` row names the newest entry
(exposing a truncated tail) and is locked by every appender, so concurrent appenders on
PostgreSQL queue instead of forking the chain. (On SQLite the write transaction already holds the
database lock.) The chain is tamper-evident, not tamper-proof: someone who rewrites every hash
and the head can only be caught by comparing the head with a copy kept elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.store.database import user_of
from dorado_tui.store.repos._sql import insert
from dorado_tui.store.tables import AuditHeadRow, AuditRow
from dorado_tui.store.types import canonical_json

GENESIS = "0" * 64
AUDIT = AuditRow.__table__  # type: ignore[attr-defined]
HEAD = AuditHeadRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit log entry as stored."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What `verify` found: `ok`, how many rows it checked, and the first problem if any."""

    ok: bool
    rows: int
    head_seq: int
    head_hash: str
    problem: str = ""
    bad_seq: int | None = None


def entry_hash(prev_hash: str, user_id: str, seq: int, at: datetime, actor: str, action: str,
               subject: str, payload_text: str) -> str:
    """The hash of one entry given its predecessor's hash (payload as its stored canonical text)."""
    content = canonical_json({"user_id": user_id, "seq": seq,
                              "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
                              "actor": actor, "action": action, "subject": subject,
                              "payload": payload_text})
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


async def _lock_head(session: AsyncSession, user: str, at: datetime) -> tuple[int, str]:
    """Lock the head row for the rest of the transaction (creating it on the very first append)."""
    conn = await session.connection()
    query = select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.user_id == user).with_for_update()
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        await conn.execute(insert(session, HEAD).values(user_id=user, seq=0, hash=GENESIS, at=at)
                           .on_conflict_do_nothing(index_elements=["user_id"]))
        row = (await conn.execute(query)).one()
    return int(row.seq), str(row.hash)


async def lock_chain(session: AsyncSession, at: datetime) -> None:
    """Take the chain's lock now rather than at `append`: a caller that reads state, then writes
    it and audits the change, holds it across the read so a concurrent writer cannot slip in."""
    await _lock_head(session, user_of(session), at)


async def append(session: AsyncSession, *, actor: str, action: str, at: datetime, subject: str = "",
                 payload: Mapping[str, Any] | None = None) -> AuditEntry:
    """Append one entry to the chain in the caller's transaction (it commits or rolls back with it).

    `actor` is who did it ("operator", "engine", "risk"), `action` what ("bot.transition",
    "trading_state.set", "order.intent"), `subject` what it concerns (a bot, an order id).
    """
    user = user_of(session)
    seq, prev = await _lock_head(session, user, at)
    seq += 1
    text = canonical_json(dict(payload or {}))
    digest = entry_hash(prev, user, seq, at, actor, action, subject, text)
    conn = await session.connection()
    await conn.execute(AUDIT.insert().values(user_id=user, seq=seq, at=at, actor=actor, action=action,
                                             subject=subject, payload=text, prev_hash=prev, hash=digest))
    await conn.execute(HEAD.update().where(HEAD.c.user_id == user).values(seq=seq, hash=digest, at=at))
    return AuditEntry(seq, at, actor, action, subject, json.loads(text), prev, digest)


def _entry(row: AuditRow) -> AuditEntry:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        payload = {"unparseable": row.payload}
    return AuditEntry(row.seq, row.at, row.actor, row.action, row.subject, payload, row.prev_hash, row.hash)


async def tail(session: AsyncSession, n: int = 20) -> list[AuditEntry]:
    """The newest `n` entries, oldest first."""
    rows = (await session.execute(select(AuditRow).where(AuditRow.user_id == user_of(session))
                                  .order_by(AuditRow.seq.desc()).limit(n))).scalars().all()
    return [_entry(r) for r in reversed(rows)]


async def after(session: AsyncSession, seq: int, limit: int = 1000) -> list[AuditEntry]:
    """Entries with a sequence number above `seq`, oldest first (for `tail --follow`)."""
    rows = (await session.execute(select(AuditRow).where(AuditRow.user_id == user_of(session),
                                                         AuditRow.seq > seq)
                                  .order_by(AuditRow.seq).limit(limit))).scalars().all()
    return [_entry(r) for r in rows]


async def count(session: AsyncSession) -> int:
    """How many entries the chain holds."""
    return int((await session.execute(select(func.count()).select_from(AuditRow)
                                      .where(AuditRow.user_id == user_of(session)))).scalar_one())


async def _rows(session: AsyncSession, user: str) -> AsyncIterator[AuditRow]:
    result = await session.stream(select(AuditRow).where(AuditRow.user_id == user)
                                  .order_by(AuditRow.seq).execution_options(yield_per=2000))
    async for row in result.scalars():
        yield row


def _check_row(row: AuditRow, user: str, expected_seq: int, prev: str) -> str:
    """The problem with one row given what precedes it, or "" when it is sound."""
    if row.seq != expected_seq:
        gap = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}..{row.seq - 1}"
        return f"row(s) {gap} missing before seq {row.seq} (deleted?)"
    if row.prev_hash != prev:
        return f"seq {row.seq}: prev_hash does not match the hash of seq {row.seq - 1}"
    computed = entry_hash(prev, user, row.seq, row.at, row.actor, row.action, row.subject, row.payload)
    if computed != row.hash:
        return f"seq {row.seq} ({row.action} by {row.actor}): content does not match its hash (edited?)"
    return ""


async def verify(session: AsyncSession) -> ChainReport:
    """Walk the whole chain; report the first missing, edited or re-linked row.

    Give it a `Database.read(snapshot=True)` session while others may append: the head and the
    rows must come from one snapshot, or an append between the two reads looks like tampering.
    """
    user = user_of(session)
    head = (await session.execute(select(AuditHeadRow.seq, AuditHeadRow.hash)
                                  .where(AuditHeadRow.user_id == user))).one_or_none()
    head_seq, head_hash = (int(head.seq), str(head.hash)) if head else (0, GENESIS)
    prev, expected, checked = GENESIS, 1, 0
    async for row in _rows(session, user):
        problem = _check_row(row, user, expected, prev)
        if problem:
            bad = expected if row.seq != expected else row.seq
            return ChainReport(False, checked, head_seq, head_hash, problem, bad)
        prev, expected, checked = row.hash, row.seq + 1, checked + 1
    if (expected - 1, prev) != (head_seq, head_hash):
        problem = (f"the chain ends at seq {expected - 1} but the head records seq {head_seq}"
                   + (" (rows deleted from the end?)" if head_seq > expected - 1 else " (head edited?)"))
        return ChainReport(False, checked, head_seq, head_hash, problem, expected)
    return ChainReport(True, checked, head_seq, head_hash)
