"""Store speed: bulk bar upsert/load, audit append and verify, the order-intent transaction.

SQLite always; PostgreSQL too when the test server answers (127.0.0.1:5432, db `test`, or
$DORADO_TEST_PG), in a scratch database dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness import Result, percentile
from dorado_tui.domain.instruments import SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.domain.states import BotState
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit, bots, orders, series
from dorado_tui.store.urls import sqlite_url

SYMBOLS, DAYS = 15, 2520  # ~10 years of daily bars for the PRD-sized universe
AUDIT_ROWS = 1_000
INTENTS = 100
T0 = datetime(2025, 1, 2, 14, 30, tzinfo=UTC)


def _frames() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    index = pd.date_range("2015-01-02 21:00", periods=DAYS, freq="B", tz="UTC")
    out = {}
    for i in range(SYMBOLS):
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, DAYS)))
        out[f"S{i:02d}"] = pd.DataFrame({"open": close, "high": close * 1.01, "low": close * 0.99,
                                         "close": close, "volume": rng.random(DAYS) * 1e6}, index=index)
    return out


async def _seconds(fn: Callable[[], Awaitable[object]]) -> float:
    t0 = time.perf_counter()
    await fn()
    return time.perf_counter() - t0


async def _bars(db: Database, label: str) -> list[Result]:
    frames = _frames()

    async def write() -> None:
        async with db.transaction() as tx:
            for symbol, frame in frames.items():
                await series.upsert_bars(tx, symbol, "1d", frame)

    async def load() -> None:
        async with db.read() as session:
            for symbol in frames:
                await series.load_bars(session, symbol, "1d")

    size = f"{SYMBOLS} symbols x {DAYS} daily bars = {SYMBOLS * DAYS:,} rows"
    first = await _seconds(write)
    again = await _seconds(write)
    loaded = min([await _seconds(load) for _ in range(3)])
    return [Result(f"{label}: bars insert", first, "s", 2.0, size),
            Result(f"{label}: bars upsert over existing", again, "s", 2.0, size),
            Result(f"{label}: bars load (all symbols)", loaded, "s", 1.0, size)]


async def _audit(db: Database, label: str) -> list[Result]:
    async def append_all() -> None:
        for i in range(AUDIT_ROWS):
            async with db.transaction() as tx:
                await audit.append(tx, actor="engine", action="bench", subject=f"s{i % 7}",
                                   at=T0 + timedelta(seconds=i), payload={"i": i, "mark": i * 0.25})

    elapsed = await _seconds(append_all)

    async def verify() -> None:
        async with db.read() as session:
            report = await audit.verify(session)
            assert report.ok and report.rows == AUDIT_ROWS

    checked = await _seconds(verify)
    size = f"{AUDIT_ROWS:,} entries, one transaction each"
    return [Result(f"{label}: audit append rate", AUDIT_ROWS / elapsed, "entries/s", 100, size,
                   higher_is_better=True),
            Result(f"{label}: audit verify", checked * 1e3, "ms", 2000, f"{AUDIT_ROWS:,} entries")]


def _order(i: int) -> Order:
    from dorado_tui.domain.instruments import Instrument

    leg = OrderLeg(Instrument("SPY", SecType.STOCK, "SPY"), Action.BUY)
    return Order(f"BENCH-{i:05d}", (leg,), 1.0, OrderType.LIMIT, 500.0, bot_id="bench")


async def _intent_path(db: Database, label: str) -> list[Result]:
    """The execute step's transaction: bot -> EXECUTING, order intent, both audited, committed."""
    async with db.transaction() as tx:
        await bots.sync_bot(tx, "bench", {"id": "bench"}, at=T0)
    cycle = (BotState.SIGNAL_RECEIVED, BotState.RISK_CHECK, BotState.AWAITING_APPROVAL)
    samples: list[float] = []
    for i in range(INTENTS):
        async with db.transaction() as tx:
            for state in cycle:
                await bots.record_transition(tx, "bench", state, at=T0)
        t0 = time.perf_counter()
        async with db.transaction() as tx:
            await bots.record_transition(tx, "bench", BotState.EXECUTING, at=T0)
            await orders.record_intent(tx, _order(i), at=T0)
        samples.append((time.perf_counter() - t0) * 1e3)
        async with db.transaction() as tx:
            for state in (BotState.FAILED, BotState.IDLE):
                await bots.record_transition(tx, "bench", state, at=T0)
    size = f"{INTENTS} transactions (transition + intent + 2 audit entries + commit)"
    return [Result(f"{label}: execute transaction p50", statistics.median(samples), "ms", 25, size),
            Result(f"{label}: execute transaction p99", percentile(samples, 99), "ms", 100, size)]


async def _suite(url: str, label: str) -> list[Result]:
    db = Database(url)
    await db.create_all()
    try:
        return [*await _bars(db, label), *await _audit(db, label), *await _intent_path(db, label)]
    finally:
        await db.dispose()


def _pg_scratch() -> tuple[str, Callable[[], None]] | None:
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = os.environ.get("DORADO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"dorado_bench_{uuid.uuid4().hex[:8]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin, timeout=3)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(run(f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        print(f"   (PostgreSQL figures skipped: {type(exc).__name__}: {exc})")
        return None
    url = make_url(admin).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    return url, lambda: asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _with_load(results: list[Result]) -> list[Result]:
    """Stamp each figure with the machine's load: store latency is mostly thread and socket
    hand-offs, which a busy machine slows far more than it slows arithmetic."""
    note = f"load avg {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    return [replace(r, note=note) for r in results]


def main() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as scratch:
        results += asyncio.run(_suite(sqlite_url(Path(scratch) / "bench.db"), "sqlite"))
    pg = _pg_scratch()
    if pg is not None:
        url, drop = pg
        try:
            results += asyncio.run(_suite(url, "postgresql"))
        finally:
            drop()
    return _with_load(results)


if __name__ == "__main__":
    from benchmarks.harness import print_results

    print_results(main())
