"""The venue state reads executions and events from an instant on without decoding older rows,
and returns exactly what a full read filtered on the decoded instants would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from dorado_tui.domain.orders import Action, Fill
from dorado_tui.venues.simulation.state import VenueEvent, VenueStore

T0 = datetime(2023, 3, 1, 15, 0, tzinfo=UTC)
EST = timezone(timedelta(hours=-5))
TOKYO = timezone(timedelta(hours=9))


def _fill(n: int, at: datetime) -> Fill:
    return Fill(f"SIMX-{n}", f"c-{n}", f"SIM-{n}", "SPY", Action.BUY, 1.0, 400.0, 1, at)


def _store(rows: list[datetime]) -> VenueStore:
    store = VenueStore(None)
    store.init_meta({"cash": 0.0})
    with store.transaction() as book:
        book.new_fills.extend(_fill(i, at) for i, at in enumerate(rows))
        book.new_events.extend(VenueEvent(at, "dividend", "SPY", {"n": i}) for i, at in enumerate(rows))
        book.exec_seq = len(rows)  # a change, so the transaction writes
    return store


def test_fills_and_events_since_an_instant_keep_execution_order_and_any_offset() -> None:
    # written out of time order and with offsets: 10:00 EST is 15:00 UTC, 23:59 Tokyo is 14:59 UTC
    rows = [T0 - timedelta(days=30), T0 + timedelta(minutes=5), T0.astimezone(EST),
            (T0 - timedelta(minutes=1)).astimezone(TOKYO), T0 + timedelta(microseconds=1),
            T0 - timedelta(microseconds=1), T0 + timedelta(days=2)]
    store = _store(rows)

    assert [f.exec_id for f in store.fills_since(T0)] == ["SIMX-1", "SIMX-2", "SIMX-4", "SIMX-6"]
    assert [e.details["n"] for e in store.events_since(T0)] == [1, 2, 4, 6]
    assert [f.exec_id for f in store.fills_since(T0.astimezone(EST))] == ["SIMX-1", "SIMX-2", "SIMX-4", "SIMX-6"]
    assert [f.exec_id for f in store.fills_since(None)] == [f"SIMX-{i}" for i in range(7)]
    assert len(store.events_since(None)) == 7
    assert store.fills_since(T0 + timedelta(days=3)) == []


def test_a_window_read_does_not_decode_older_rows() -> None:
    store = _store([T0 - timedelta(days=400 - d) for d in range(400)])
    store._db.execute("UPDATE fills SET doc = 'not json' WHERE time < ?", ((T0 - timedelta(days=10)).isoformat(),))

    assert len(store.fills_since(T0 - timedelta(days=5))) == 5
