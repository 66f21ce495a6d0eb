"""Pilot tests of the live side: marks, events, invalidations, errors, scheduler, palette, refresh."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from dorado_tui.domain.errors import StoreError
from dorado_tui.engine.console_views import (
    EventKind,
    EventView,
    PositionMark,
    SchedulerRole,
    Severity,
    SnapshotInvalidated,
)
from dorado_tui.tui.widgets.chrome import StatusBar
from dorado_tui.tui.widgets.events import EventFeed
from dorado_tui.tui.widgets.table import SyncTable
from tui import seed
from tui.conftest import build_app, settle
from tui.fakes import RecordingBackend, RecordingScheduler

SIZE = (100, 30)


def _mark(i: int, pnl: float) -> PositionMark:
    return PositionMark(f"pos-{i:04d}", mark=100.0 - pnl, unrealized_pnl=pnl, time=seed.ASOF + timedelta(seconds=1))


def _cell(table: SyncTable, key: str, column: str) -> str:
    value = table.get_cell(key, column)
    return getattr(value, "plain", value)


async def test_a_live_mark_updates_the_position_row(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        backend.push(_mark(2, 999.0))
        await settle(pilot)
        table = app.screen.query_one("#positions", SyncTable)
        assert _cell(table, "pos-0002", "pnl") == "+$999"
        assert _cell(table, "pos-0002", "mark") == "-$899.00"
        assert _cell(table, "pos-0001", "pnl") == "+$71"  # untouched


async def test_a_burst_of_marks_is_coalesced_into_few_redraws(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        batches: list[int] = []
        app.marks_signal.subscribe(app.screen, lambda marks: batches.append(len(marks)), immediate=True)
        for n in range(500):
            backend.push(_mark(n % 4, float(n)))
        await settle(pilot)
        assert sum(batches) <= 500 and len(batches) <= 10
        table = app.screen.query_one("#positions", SyncTable)
        assert [_cell(table, f"pos-{i:04d}", "pnl") for i in range(4)] == ["+$496", "+$497", "+$498", "+$499"]


async def test_marks_reach_a_screen_that_was_hidden_when_they_arrived(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7")
        backend.push(_mark(0, 555.0))
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert _cell(app.screen.query_one("#positions", SyncTable), "pos-0000", "pnl") == "+$555"


async def test_live_events_reach_the_feed_and_errors_notify(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        backend.push(EventView(50, seed.ASOF, Severity.CRITICAL, EventKind.BREAKER, "drawdown breaker tripped"))
        backend.push(EventView(51, seed.ASOF, Severity.INFO, EventKind.FILL, "QQQ filled"))
        await settle(pilot)
        assert [e.seq for e in app.event_log][-2:] == [50, 51]
        feed = app.screen.query_one(EventFeed)
        assert feed.lines[-1].text.endswith("QQQ filled")
        assert [(n.title, n.message) for n in app._notifications] == [("breaker", "drawdown breaker tripped")]


async def test_an_invalidation_rereads_the_snapshot(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        reads = backend.snapshot_reads
        backend.push(SnapshotInvalidated("fill"))
        backend.push(SnapshotInvalidated("fill"))
        await settle(pilot)
        assert reads < backend.snapshot_reads <= reads + 2


async def test_a_failing_action_is_reported_once_with_its_title(backend: RecordingBackend) -> None:
    backend.failures["scan_now"] = StoreError("store unavailable: database is locked")
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        errors = [(n.title, n.message) for n in app._notifications if n.severity == "error"]
        assert errors == [("Store error", "store unavailable: database is locked")]


async def test_a_second_scan_while_one_runs_is_refused(backend: RecordingBackend) -> None:
    backend.gates["scan_now"] = asyncio.Event()
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("s")
        assert backend.names().count("scan_now") == 1
        assert "a scan is already running" in [n.message for n in app._notifications]
        backend.gates["scan_now"].set()
        await settle(pilot)


async def test_a_backend_that_fails_to_open_is_retried_by_the_refresh_timer() -> None:
    backend = RecordingBackend()
    backend.failures["open"] = StoreError("cannot open the store")
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.snapshot is None
        assert "connecting to the engine" in str(app.screen.query_one(StatusBar).render())
        del backend.failures["open"]
        app._periodic_refresh()
        await settle(pilot)
        assert app.snapshot is not None
        assert backend.names().count("open") == 2


async def test_owner_scheduler_is_started_shown_and_shut_down(backend: RecordingBackend) -> None:
    scheduler = RecordingScheduler(wins_lease=True)
    app = build_app(backend, scheduler=scheduler)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        app._tick()
        await pilot.pause()
        assert app.scheduler_role is SchedulerRole.OWNER
        assert "sched owner: regime 16:00, scan 09:45" in str(app.screen.query_one(StatusBar).render())
    assert scheduler.calls == ["start", "shutdown"]


async def test_attached_scheduler_only_reads(backend: RecordingBackend) -> None:
    scheduler = RecordingScheduler(wins_lease=False)
    app = build_app(backend, scheduler=scheduler)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        assert "sched attached" in str(app.screen.query_one(StatusBar).render())


async def test_status_bar_shows_exchange_and_local_time(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one(StatusBar).render())
        assert "10:30:00 EST · 16:30:00 CET" in text
        assert "store sqlite:///state/dorado.db" in text


async def test_palette_offers_every_action_where_it_applies(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dash = {c.title for c in app.get_system_commands(app.screen)}
        assert {"KILL SWITCH", "Scan now", "Approve selected candidate", "Reject selected candidate",
                "Filter rows", "Keys", "Quit"} <= dash
        assert {f"Go to {t}" for t in ("Dashboard", "Candidates", "Positions", "Regimes", "Risk", "Bots",
                                       "Log")} <= dash
        assert "Resume trading…" not in dash
        await pilot.press("5")
        assert "Resume trading…" in {c.title for c in app.get_system_commands(app.screen)}
        await pilot.press("6")
        assert "Enable / disable selected bot" in {c.title for c in app.get_system_commands(app.screen)}


async def test_palette_kill_command_kills(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"KILL", "enter")
        await settle(pilot)
        assert "kill" in backend.names()


async def test_an_older_snapshot_never_replaces_a_newer_one(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        newer = backend.current
        from dataclasses import replace

        app.apply_snapshot(replace(newer, version=newer.version + 5, positions=()))
        app.apply_snapshot(newer)
        assert app.snapshot is not None and app.snapshot.positions == ()
