"""Issue 9 acceptance, Pilot over the REAL engine backend with the simulation venue: `s` scans into
the candidates pane, `a` executes at the venue, ctrl+k halts and cancels within a second (and a
second process sees it), resume needs a reason and a confirmation and records the reason."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from console_world import at_venue, read_store, rest_an_order
from console_world import backend as engine_backend
from sqlalchemy.ext.asyncio import AsyncSession
from tui.conftest import settle

from dorado_tui.domain.annotations import AnnotationTag
from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.states import BotState, TradingState
from dorado_tui.engine.console_backend import EngineConsoleBackend
from dorado_tui.engine.lifecycle.ids import position_id
from dorado_tui.home import Home
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.store.repos import audit
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import risk as risk_repo
from dorado_tui.tui.app import DoradoConsole, create_app
from dorado_tui.tui.screens.dialogs import ApproveScreen, ResumeScreen
from dorado_tui.tui.widgets.chrome import KillBanner
from dorado_tui.tui.widgets.table import SyncTable

SIZE = (120, 40)
DORADO = Path(sys.executable).parent / "dorado"


def console(backend: EngineConsoleBackend, clock: FixedClock) -> DoradoConsole:
    """The console as `dorado tui` builds it; the periodic re-read is off (events drive redraws)."""
    return create_app(backend, clock=clock, local_tz=ZoneInfo("Europe/Zurich"), refresh_seconds=3600.0)


async def _latest_scan(s: AsyncSession) -> list[str]:
    scans = [sig for sig in await bot_repo.signals(s) if sig.source == "scan"]
    found = await candidate_repo.list_candidates(s, scan_id=scans[0].signal_id)
    return [c.id for c in sorted(found, key=lambda c: (c.rank, -c.score))]


async def test_s_scans_and_the_candidates_pane_shows_the_ranked_candidates(
        home: Home, market: SimulatedMarket, clock: FixedClock) -> None:
    backend = engine_backend(home, market, clock)
    app = console(backend, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#candidates", SyncTable)
        assert table.shown_keys == ()
        await pilot.press("s")
        await settle(pilot)
        ranked = await read_store(backend, _latest_scan)
        assert ranked, "the scan stored no candidate"
        assert table.shown_keys == tuple(ranked)
        assert app.snapshot is not None and app.snapshot.scan is not None
        assert app.snapshot.scan.budget_text.startswith("Portfolio budget:")
        assert any(e.kind.value == "scan" for e in app.event_log)


async def test_a_approves_and_the_order_reaches_the_simulation_venue(
        home: Home, market: SimulatedMarket, clock: FixedClock) -> None:
    backend = engine_backend(home, market, clock)
    app = console(backend, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("2")
        table = app.screen.query_one("#candidates", SyncTable)
        chosen = table.selected_key
        view = next(c for c in app.snapshot.scan.candidates if c.id == chosen)  # type: ignore[union-attr]
        assert view.status is CandidateStatus.SELECTED
        await pilot.press("a")
        assert isinstance(app.screen, ApproveScreen)
        await pilot.press("1")  # best_credit
        await settle(pilot)

        stored = await read_store(backend, lambda s: candidate_repo.get_candidate(s, chosen))
        bot = await read_store(backend, lambda s: bot_repo.get_bot(s, view.bot_id))
        tags = await read_store(backend, lambda s: candidate_repo.list_annotations(s, chosen))
        assert stored is not None and stored.status is CandidateStatus.APPROVED
        assert bot is not None and bot.state in (BotState.EXECUTING, BotState.MONITORING)
        assert [a.tag for a in tags] == [AnnotationTag.BEST_CREDIT.value]
        pid = position_id(chosen)
        order = await at_venue(backend, lambda v: v.get_order(f"{pid}.o1-1"))
        assert order is not None, "the approval sent no order to the simulation venue"
        assert app.snapshot is not None and [p.id for p in app.snapshot.positions] == [pid]
        row = [getattr(cell, "plain", cell) for cell in table.get_row(chosen)]
        assert "approved" in row


async def test_ctrl_k_halts_the_store_and_leaves_nothing_working_within_a_second(
        home: Home, market: SimulatedMarket, clock: FixedClock) -> None:
    backend = engine_backend(home, market, clock)
    app = console(backend, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await at_venue(backend, rest_an_order)
        assert await backend.orders_in_flight() == 1

        started = time.perf_counter()
        await pilot.press("ctrl+k")
        await settle(pilot)
        elapsed = time.perf_counter() - started

        state = await read_store(backend, risk_repo.get_trading_state)
        assert state.state is TradingState.HALTED and state.latched
        assert await at_venue(backend, lambda v: v.get_open_orders()) == []
        assert elapsed < 1.0, f"kill took {elapsed:.2f} s from the key to a HALTED store and no working order"
        banner = str(app.screen.query_one(KillBanner).render())
        assert "HALTED by kill switch" in banner and "1 orders cancelled" in banner

        status = await _second_process_status(home)  # while the console still runs
        assert status["trading_state"]["state"] == "HALTED"


async def _second_process_status(home: Home) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(str(DORADO), "status", "--json", "--home", str(home.root),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    loaded: dict[str, Any] = json.loads(out)
    return loaded


async def test_resume_needs_a_reason_and_a_confirmation_and_records_the_reason(
        home: Home, market: SimulatedMarket, clock: FixedClock) -> None:
    backend = engine_backend(home, market, clock)
    app = console(backend, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        await pilot.press("5", "R")
        assert isinstance(app.screen, ResumeScreen)
        await pilot.press(*"venue checked by phone", "enter")
        await settle(pilot)
        held = await read_store(backend, risk_repo.get_trading_state)
        assert held.state is TradingState.HALTED  # not before the y
        await pilot.press("y")
        await settle(pilot)

        state = await read_store(backend, risk_repo.get_trading_state)
        resumes = await read_store(backend, lambda s: risk_repo.risk_events(s, kind="resume"))
        entries = await read_store(backend, lambda s: audit.tail(s, 50))
        assert state.state is TradingState.ACTIVE and not state.latched
        assert "venue checked by phone" in state.reason
        assert len(resumes) == 1 and "venue checked by phone" in resumes[0].decision.reason
        change = [e for e in entries if e.action == "trading_state.set" and e.payload["to"] == "ACTIVE"]
        assert change and "venue checked by phone" in change[-1].payload["reason"]
        assert not app.screen.query_one(KillBanner).has_class("-halted")
