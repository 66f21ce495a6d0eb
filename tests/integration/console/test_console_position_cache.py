"""The snapshot's per-position view cache over the real engine: a view is reused while nothing it
is built from changed, and rebuilt as soon as the live mark, the P&L path, the stored row or the
bot's state changes. The mark pump is slowed to one pass an hour so every mark here is the test's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from console_world import FAST, LIFECYCLE, read_store, venues
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.states import BotState
from dorado_tui.engine.console_backend import ConsoleCore, EngineConsoleBackend
from dorado_tui.engine.console_backend.positions import LiveMark
from dorado_tui.engine.console_views import PositionView
from dorado_tui.engine.lifecycle.ids import position_id
from dorado_tui.home import Home
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos.positions import ManagedPosition


@pytest.fixture
async def backend(home: Home, market: SimulatedMarket, clock: FixedClock) -> AsyncIterator[EngineConsoleBackend]:
    venue, twins = venues(home, market, clock)
    b = EngineConsoleBackend(home, clock=clock, venue=venue, twin_venue=twins, lifecycle=LIFECYCLE,
                             settings=replace(FAST, mark_seconds=3600.0), operator="tester")
    await b.open()
    try:
        yield b
    finally:
        await b.close()


async def _held(backend: EngineConsoleBackend) -> ManagedPosition:
    """Scan, approve the best selected candidate and wait for its position to be open."""
    assert (await backend.scan_now()).ok
    snap = await backend.snapshot()
    assert snap.scan is not None
    chosen = next(c.id for c in snap.scan.candidates if c.status is CandidateStatus.SELECTED)
    assert (await backend.approve(chosen, None)).ok
    pid = position_id(chosen)

    async def opened(s: AsyncSession) -> tuple[ManagedPosition | None, bot_repo.BotRecord | None]:
        held = await position_repo.get_position(s, pid)
        return held, await bot_repo.get_bot(s, held.bot_id) if held else None

    for _ in range(400):
        held, bot = await read_store(backend, opened)
        if held is not None and held.status == "open" and bot is not None and bot.state is BotState.MONITORING:
            return held
        await asyncio.sleep(0.05)
    raise AssertionError(f"position {pid} did not open")


async def _view(backend: EngineConsoleBackend, pid: str) -> PositionView:
    return next(p for p in (await backend.snapshot()).positions if p.id == pid)


async def _marked(backend: EngineConsoleBackend, held: ManagedPosition) -> LiveMark:
    """One pass of the mark pump; the position's live mark after it."""
    async def mark(core: ConsoleCore) -> LiveMark:
        await core.marks.mark_once()
        return core.marks.live[held.position_id]

    return await backend.call(mark)


async def _record(backend: EngineConsoleBackend, held: ManagedPosition, *marks: LiveMark) -> None:
    async def record(core: ConsoleCore) -> None:
        for m in marks:
            core.marks._record(held, m)

    await backend.call(record)


async def test_a_position_view_is_reused_until_its_mark_or_its_path_changes(backend: EngineConsoleBackend) -> None:
    held = await _held(backend)
    pid = held.position_id
    marked = await _marked(backend, held)
    assert (await _view(backend, pid)).unrealized_pnl == pytest.approx(marked.unrealized)
    live = replace(marked, time=marked.time + timedelta(seconds=30))  # after the open: on the P&L path
    await _record(backend, held, live)
    first = await _view(backend, pid)
    assert first.unrealized_pnl == pytest.approx(live.unrealized)
    assert first.pnl_history[-1].pnl == pytest.approx(held.realized_pnl + live.unrealized)
    assert await _view(backend, pid) is first  # nothing changed: the same view

    moved = replace(live, unrealized=live.unrealized - 40.0, side_pnl={"put": live.unrealized - 40.0})
    await _record(backend, held, moved)
    second = await _view(backend, pid)
    assert second is not first
    assert second.unrealized_pnl == pytest.approx(live.unrealized - 40.0)
    assert second.pnl_by_side == pytest.approx({"put": live.unrealized - 40.0})
    assert len(second.pnl_history) == len(first.pnl_history) + 1

    # the mark moves away and back between two reads (a fixed clock: equal by value to the last
    # read's): the mark is the same, the P&L path is two points longer and must be shown
    await _record(backend, held, live, moved)
    third = await _view(backend, pid)
    assert third is not second
    assert third.unrealized_pnl == pytest.approx(second.unrealized_pnl)
    assert len(third.pnl_history) == len(second.pnl_history) + 2
    assert [pt.pnl for pt in third.pnl_history[-3:]] == pytest.approx(
        [held.realized_pnl + m.unrealized for m in (moved, live, moved)])


async def test_a_position_view_follows_the_bot_state_and_the_stored_row(
        backend: EngineConsoleBackend, clock: FixedClock) -> None:
    held = await _held(backend)
    pid = held.position_id
    await _marked(backend, held)
    first = await _view(backend, pid)
    assert first.state is BotState.MONITORING and first.management.startswith("hold")

    async def closing(core: ConsoleCore) -> None:
        async with core.engine.rt.db.transaction() as tx:
            await bot_repo.record_transition(tx, held.bot_id, BotState.CLOSING, at=clock.now(), reason="test")

    await backend.call(closing)
    second = await _view(backend, pid)
    assert second.state is BotState.CLOSING
    assert second.management == "closing · exit order working"

    async def realize(core: ConsoleCore) -> None:
        async with core.engine.rt.db.transaction() as tx:
            await position_repo.update_position(tx, pid, realized_pnl=-12.5)

    await backend.call(realize)
    third = await _view(backend, pid)
    assert third is not second and third.realized_pnl == -12.5
    assert await _view(backend, pid) is third
