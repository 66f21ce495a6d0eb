"""The audit log: hash chain, tamper detection by hand edits, serialized concurrent appenders."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from datetime import timedelta

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit
from dorado_tui.store.urls import sqlite_path


async def _append_n(db: Database, clock: FixedClock, n: int) -> None:
    for i in range(n):
        async with db.transaction() as tx:
            await audit.append(tx, actor="engine", action="bot.transition", subject=f"bot{i % 3}",
                               at=clock.advance(timedelta(seconds=1)), payload={"i": i, "mark": 1.25 * i})


async def _verify(db: Database) -> audit.ChainReport:
    async with db.read() as session:
        return await audit.verify(session)


async def _raw(db: Database, sql: str) -> None:
    """A hand edit that bypasses Dorado (on SQLite through the stdlib sqlite3 module)."""
    path = sqlite_path(db.url)
    if path is not None:
        await db.dispose()
        with sqlite3.connect(path) as conn:
            conn.execute(sql)
        conn.close()
        return
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql(sql)


async def test_untouched_chain_verifies_and_links_each_row_to_the_previous(db: Database, clock: FixedClock) -> None:
    await _append_n(db, clock, 6)

    report = await _verify(db)
    async with db.read() as session:
        entries = await audit.tail(session, 10)

    assert report.ok and report.rows == 6 and report.head_seq == 6
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert report.head_hash == entries[-1].hash
    assert entries[2].payload == {"i": 2, "mark": 2.5}


async def test_empty_chain_verifies(db: Database) -> None:
    report = await _verify(db)

    assert report.ok and report.rows == 0 and report.head_seq == 0


async def test_hand_edited_payload_is_reported_with_its_sequence_number(db: Database, clock: FixedClock) -> None:
    await _append_n(db, clock, 5)

    await _raw(db, """UPDATE audit_log SET payload = '{"i":2,"mark":99.0}' WHERE seq = 3""")
    report = await _verify(db)

    assert not report.ok
    assert report.bad_seq == 3
    assert report.problem == "seq 3 (bot.transition by engine): content does not match its hash (edited?)"
    assert report.rows == 2


async def test_hand_edited_actor_breaks_the_chain(db: Database, clock: FixedClock) -> None:
    await _append_n(db, clock, 4)

    await _raw(db, "UPDATE audit_log SET actor = 'operator' WHERE seq = 2")
    report = await _verify(db)

    assert not report.ok and report.bad_seq == 2


async def test_deleted_middle_row_is_reported_as_missing(db: Database, clock: FixedClock) -> None:
    await _append_n(db, clock, 5)

    await _raw(db, "DELETE FROM audit_log WHERE seq = 3")
    report = await _verify(db)

    assert not report.ok
    assert report.bad_seq == 3
    assert report.problem == "row(s) 3 missing before seq 4 (deleted?)"


async def test_deleted_last_rows_are_caught_by_the_head(db: Database, clock: FixedClock) -> None:
    await _append_n(db, clock, 5)

    await _raw(db, "DELETE FROM audit_log WHERE seq >= 4")
    report = await _verify(db)

    assert not report.ok
    assert report.problem == "the chain ends at seq 3 but the head records seq 5 (rows deleted from the end?)"


async def test_rehashed_row_still_fails_because_the_next_row_links_to_the_old_hash(
        db: Database, clock: FixedClock) -> None:
    await _append_n(db, clock, 4)
    async with db.read() as session:
        second = (await audit.tail(session, 3))[0]
    forged = audit.entry_hash(second.prev_hash, "local", 2, second.at, "mallory", second.action,
                              second.subject, '{"i":1,"mark":1.25}')

    await _raw(db, f"UPDATE audit_log SET actor = 'mallory', hash = '{forged}' WHERE seq = 2")
    report = await _verify(db)

    assert not report.ok
    assert report.problem == "seq 3: prev_hash does not match the hash of seq 2"


async def test_append_rolls_back_with_the_callers_transaction(db: Database, clock: FixedClock) -> None:
    await _append_n(db, clock, 2)

    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await audit.append(tx, actor="engine", action="x", at=clock.now())
            raise RuntimeError("the caller's work failed")
    await _append_n(db, clock, 1)
    report = await _verify(db)

    assert report.ok and report.rows == 3


async def test_after_returns_only_newer_entries_in_order(db: Database, clock: FixedClock) -> None:
    await _append_n(db, clock, 5)

    async with db.read() as session:
        newer = await audit.after(session, 3)
        count = await audit.count(session)

    assert [e.seq for e in newer] == [4, 5]
    assert count == 5


async def test_concurrent_appenders_never_fork_the_chain(db: Database, clock: FixedClock) -> None:
    """Many tasks on separate connections append at once; the chain stays one line."""
    async def one(i: int) -> int:
        async with db.transaction() as tx:
            entry = await audit.append(tx, actor=f"worker{i}", action="race", at=clock.now(), payload={"i": i})
            await asyncio.sleep(0)  # hold the transaction open across a scheduling point
            return entry.seq

    seqs = await asyncio.gather(*(one(i) for i in range(20)))
    report = await _verify(db)

    assert sorted(seqs) == list(range(1, 21))
    assert report.ok and report.rows == 20


async def test_verify_in_a_snapshot_ignores_entries_committed_after_it_began(db: Database, clock: FixedClock) -> None:
    await _append_n(db, clock, 3)

    async with db.read(snapshot=True) as session:
        before = await audit.count(session)  # the snapshot starts here
        await _append_n(db, clock, 2)  # committed by another connection meanwhile
        report = await audit.verify(session)

    assert before == 3
    assert report.ok and (report.rows, report.head_seq) == (3, 3)
    assert (await _verify(db)).rows == 5
