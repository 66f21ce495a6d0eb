"""Durable state of the simulation venue: one SQLite file under the home's `state/`.

Every operation that changes the "broker" runs in one `BEGIN IMMEDIATE` transaction committed
with `synchronous=FULL` before the call returns, so an order acknowledged to the caller is on
disk, a SIGKILL at any point leaves either the state before or after the operation, and several
processes can share the venue (SQLite serialises the writers).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import Instrument
from dorado_tui.domain.orders import Fill, Order, OrderStatus
from dorado_tui.venues.simulation.codec import (
    fill_from_json,
    fill_to_json,
    instrument_from_json,
    instrument_to_json,
    order_from_json,
    order_to_json,
)

STATE_FILE = "sim_venue.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS positions (symbol TEXT PRIMARY KEY, instrument TEXT NOT NULL,
    quantity REAL NOT NULL, avg_cost REAL NOT NULL);
CREATE TABLE IF NOT EXISTS orders (client_order_id TEXT PRIMARY KEY, venue_order_id TEXT NOT NULL,
    status TEXT NOT NULL, filled REAL NOT NULL, avg_price REAL, reason TEXT NOT NULL,
    doc TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE TABLE IF NOT EXISTS fills (seq INTEGER PRIMARY KEY AUTOINCREMENT, exec_id TEXT UNIQUE NOT NULL,
    client_order_id TEXT NOT NULL, time TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fills_order ON fills(client_order_id);
CREATE INDEX IF NOT EXISTS fills_time ON fills(time);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL,
    kind TEXT NOT NULL, symbol TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_time ON events(time);
"""
_WORKING = tuple(s.value for s in OrderStatus if s.is_working)
#: The `time` columns hold ISO strings, compared as text; any UTC offset a row was written with
#: shifts its text by less than this, so rows from `since - _TEXT_MARGIN` on are a superset of the
#: rows at or after `since` (the exact comparison is then made on the decoded instants).
_TEXT_MARGIN = timedelta(days=1)


def _time_floor(since: datetime | None) -> str:
    """The text lower bound for rows at or after `since` (everything when None)."""
    return "" if since is None else (since.astimezone(UTC) - _TEXT_MARGIN).isoformat()


@dataclass
class PositionRec:
    instrument: Instrument
    quantity: float
    avg_cost: float


@dataclass
class OrderRec:
    order: Order
    venue_order_id: str
    status: OrderStatus
    filled: float
    avg_price: float | None
    reason: str
    created: datetime
    updated: datetime

    @property
    def remaining(self) -> float:
        return self.order.quantity - self.filled


@dataclass(frozen=True, slots=True)
class VenueEvent:
    """Something the venue did on its own: assignment, exercise, expiry, dividend, cancel."""

    time: datetime
    kind: str  # assignment | exercise | expiry | cash_settlement | dividend | early_assignment
    symbol: str
    details: dict[str, Any]


@dataclass
class Book:
    """The state one operation reads and mutates; written back as a whole on commit."""

    cash: float
    positions: dict[str, PositionRec]
    working: dict[str, OrderRec]
    last_advanced: datetime | None
    order_seq: int
    exec_seq: int
    new_fills: list[Fill] = field(default_factory=list)
    new_events: list[VenueEvent] = field(default_factory=list)
    touched: dict[str, OrderRec] = field(default_factory=dict)

    def next_order_id(self) -> str:
        self.order_seq += 1
        return f"SIM-{self.order_seq}"

    def next_exec_id(self) -> str:
        self.exec_seq += 1
        return f"SIMX-{self.exec_seq}"

    def touch(self, rec: OrderRec) -> None:
        self.touched[rec.order.client_order_id] = rec
        if rec.status.is_working:
            self.working[rec.order.client_order_id] = rec
        else:
            self.working.pop(rec.order.client_order_id, None)


def _fingerprint(book: Book) -> tuple[Any, ...]:
    """What a write would change: counters, cash, clock, positions and pending appends."""
    positions = tuple(sorted((s, p.quantity, p.avg_cost) for s, p in book.positions.items()))
    return (book.cash, book.last_advanced, book.order_seq, book.exec_seq, positions,
            len(book.new_fills), len(book.new_events), len(book.touched))


def _order_row(row: tuple[Any, ...]) -> OrderRec:
    _cid, vid, status, filled, avg, reason, doc, created, updated = row
    return OrderRec(order_from_json(json.loads(doc)), vid, OrderStatus(status), float(filled),
                    None if avg is None else float(avg), reason, datetime.fromisoformat(created),
                    datetime.fromisoformat(updated))


class VenueStore:
    """The SQLite file (or an in-memory database when `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(":memory:" if path is None else str(path), timeout=15.0,
                                       isolation_level=None, check_same_thread=False)
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise VenueError(f"simulation venue state {path}: {exc}") from exc
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def meta(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def init_meta(self, values: dict[str, Any]) -> None:
        """Write meta keys that are not set yet (first open of a fresh file)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for key, value in values.items():
                    self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                                     (key, json.dumps(value)))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _load(self) -> Book:
        positions = {
            sym: PositionRec(instrument_from_json(json.loads(inst)), float(q), float(cost))
            for sym, inst, q, cost in self._db.execute(
                "SELECT symbol, instrument, quantity, avg_cost FROM positions ORDER BY symbol")
        }
        marks = ",".join("?" for _ in _WORKING)
        working = {r.order.client_order_id: r for r in map(_order_row, self._db.execute(
            f"SELECT client_order_id, venue_order_id, status, filled, avg_price, reason, doc, created, "
            f"updated FROM orders WHERE status IN ({marks}) ORDER BY created, client_order_id", _WORKING))}
        last = self.meta("last_advanced")
        return Book(float(self.meta("cash")), positions, working,
                    None if last is None else datetime.fromisoformat(last),
                    int(self.meta("order_seq") or 0), int(self.meta("exec_seq") or 0))

    def _save(self, book: Book) -> None:
        db = self._db
        for key, value in (("cash", book.cash), ("order_seq", book.order_seq), ("exec_seq", book.exec_seq),
                           ("last_advanced", book.last_advanced.isoformat() if book.last_advanced else None)):
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))
        db.execute("DELETE FROM positions")
        db.executemany("INSERT INTO positions VALUES (?, ?, ?, ?)", [
            (sym, json.dumps(instrument_to_json(p.instrument)), p.quantity, p.avg_cost)
            for sym, p in book.positions.items() if abs(p.quantity) > 1e-12])
        db.executemany("INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (cid, r.venue_order_id, r.status.value, r.filled, r.avg_price, r.reason,
             json.dumps(order_to_json(r.order)), r.created.isoformat(), r.updated.isoformat())
            for cid, r in book.touched.items()])
        db.executemany("INSERT INTO fills (exec_id, client_order_id, time, doc) VALUES (?, ?, ?, ?)", [
            (f.exec_id, f.client_order_id, f.time.isoformat(), json.dumps(fill_to_json(f)))
            for f in book.new_fills])
        db.executemany("INSERT INTO events (time, kind, symbol, doc) VALUES (?, ?, ?, ?)", [
            (e.time.isoformat(), e.kind, e.symbol, json.dumps(e.details)) for e in book.new_events])

    @contextmanager
    def transaction(self) -> Iterator[Book]:
        """Load the book, let the caller mutate it, write it back and commit (all or nothing).

        A pure read (nothing changed) ends without writing, so queries cost no fsync.
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                book = self._load()
                before = _fingerprint(book)
                yield book
                if _fingerprint(book) != before:
                    self._save(book)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def order(self, client_order_id: str) -> OrderRec | None:
        with self._lock:
            row = self._db.execute(
                "SELECT client_order_id, venue_order_id, status, filled, avg_price, reason, doc, created, "
                "updated FROM orders WHERE client_order_id = ?", (client_order_id,)).fetchone()
        return None if row is None else _order_row(row)

    def fills_of(self, client_order_id: str) -> list[Fill]:
        with self._lock:
            rows = self._db.execute("SELECT doc FROM fills WHERE client_order_id = ? ORDER BY seq",
                                    (client_order_id,)).fetchall()
        return [fill_from_json(json.loads(r[0])) for r in rows]

    def fills_since(self, since: datetime | None) -> list[Fill]:
        """Executions at or after `since` (all when None), in execution order; only rows near
        or after `since` are read and decoded, so the cost follows the window, not the history."""
        with self._lock:
            rows = self._db.execute("SELECT doc FROM fills WHERE time >= ? ORDER BY seq",
                                    (_time_floor(since),)).fetchall()
        fills = [fill_from_json(json.loads(r[0])) for r in rows]
        return fills if since is None else [f for f in fills if f.time >= since]

    def events_since(self, since: datetime | None) -> list[VenueEvent]:
        """Venue events at or after `since` (all when None), oldest first (read like fills)."""
        with self._lock:
            rows = self._db.execute("SELECT time, kind, symbol, doc FROM events WHERE time >= ? ORDER BY seq",
                                    (_time_floor(since),)).fetchall()
        events = [VenueEvent(datetime.fromisoformat(t), k, s, json.loads(d)) for t, k, s, d in rows]
        return events if since is None else [e for e in events if e.time >= since]
