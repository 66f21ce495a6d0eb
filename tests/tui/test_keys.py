"""Pilot tests: each key reaches the right backend call, and the console shows the outcome."""

from __future__ import annotations

import asyncio

import pytest

from dorado_tui.domain.annotations import AnnotationTag
from dorado_tui.domain.states import TradingState
from dorado_tui.tui.screens.dialogs import (
    ApproveScreen,
    ConfirmScreen,
    HelpScreen,
    RejectScreen,
    ResumeScreen,
)
from dorado_tui.tui.widgets.chrome import KillBanner
from dorado_tui.tui.widgets.table import SyncTable
from tui import seed
from tui.conftest import build_app, settle
from tui.fakes import RecordingBackend

SIZE = (100, 30)


async def test_start_opens_backend_and_shows_seeded_state(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert backend.names()[0] == "open"
        assert app.snapshot is backend.current
        assert app.screen.query_one("#positions", SyncTable).shown_keys == tuple(f"pos-{i:04d}" for i in range(4))
        assert app.screen.query_one("#candidates", SyncTable).shown_keys == ("c-1", "c-2", "c-3", "c-4", "c-5")
    assert backend.names()[-1] == "close"


async def test_s_scans_and_the_candidates_pane_fills() -> None:
    backend = RecordingBackend(with_scan=False)
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#candidates", SyncTable)
        assert table.shown_keys == ()
        await pilot.press("s")
        await settle(pilot)
        assert "scan_now" in backend.names()
        assert table.shown_keys == ("c-1", "c-2", "c-3", "c-4", "c-5")


async def test_a_approves_the_selected_candidate_with_the_picked_tag(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, ApproveScreen)
        await pilot.press("1")
        await settle(pilot)
        assert ("approve", ("c-1", AnnotationTag.BEST_CREDIT)) in backend.calls
        assert not isinstance(app.screen, ApproveScreen)
        row = app.screen.query_one("#candidates", SyncTable).get_row("c-1")
        assert "approved" in [getattr(c, "plain", c) for c in row]


async def test_approve_dialog_offers_fx_tags_first_for_an_fx_candidate(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#candidates", SyncTable).move_cursor(row=3)  # c-4: USDJPY
        await pilot.press("a")
        assert isinstance(app.screen, ApproveScreen)
        assert app.screen.tags[:2] == (AnnotationTag.CARRY_SETUP, AnnotationTag.DIVERSIFICATION)
        await pilot.press("enter")  # the highlighted (first) option
        await settle(pilot)
        assert ("approve", ("c-4", AnnotationTag.CARRY_SETUP)) in backend.calls


async def test_approve_without_tag_and_escape_cancels(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "escape")
        await settle(pilot)
        assert "approve" not in backend.names()
        await pilot.press("a", "0")
        await settle(pilot)
        assert ("approve", ("c-1", None)) in backend.calls


async def test_r_rejects_with_the_typed_reason(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "down", "r")
        assert isinstance(app.screen, RejectScreen)
        await pilot.press(*"earnings in 3 days", "enter")
        await settle(pilot)
        assert ("reject", ("c-2", "earnings in 3 days")) in backend.calls


async def test_reject_refuses_an_empty_reason(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RejectScreen)
        assert "at least 3 characters" in str(app.screen.query_one("#error").render())
        assert "reject" not in backend.names()


async def test_ctrl_k_shows_the_banner_at_once_and_kills_without_asking(backend: RecordingBackend) -> None:
    backend.gates["kill"] = asyncio.Event()  # the venue has not answered yet
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert backend.names()[-1] == "kill"
        banner = app.screen.query_one(KillBanner)
        assert banner.has_class("-halted") and "KILL SWITCH ENGAGED" in str(banner.render())
        backend.gates["kill"].set()
        await settle(pilot)
        assert backend.names().count("kill") == 1
        assert not isinstance(app.screen, ConfirmScreen)
        assert banner.has_class("-halted")
        assert "HALTED" in str(banner.render())
        assert app.snapshot is not None and app.snapshot.trading.global_state is TradingState.HALTED


@pytest.mark.parametrize("keys", [("a",), ("question_mark",), ("2", "slash", "s", "p")],
                         ids=["approve-dialog", "help", "typing-in-filter"])
async def test_ctrl_k_works_inside_dialogs_and_inputs(backend: RecordingBackend, keys: tuple[str, ...]) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert "kill" in backend.names()


async def test_failed_kill_says_so_in_the_banner_and_an_error(backend: RecordingBackend) -> None:
    from dorado_tui.domain.errors import VenueError

    backend.failures["kill"] = VenueError("venue unreachable")
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert app.kill_pending is not None and "KILL SWITCH FAILED: venue unreachable" in app.kill_pending
        assert [(n.title, n.severity) for n in app._notifications] == [("Venue error", "error")]


async def test_resume_is_not_bound_outside_the_risk_screen() -> None:
    backend = RecordingBackend(seed.snapshot(global_state=TradingState.HALTED))
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert not isinstance(app.screen, ResumeScreen)
        assert "resume" not in backend.names()


async def test_resume_needs_a_reason_then_a_confirmation() -> None:
    backend = RecordingBackend(seed.snapshot(global_state=TradingState.HALTED))
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5", "R")
        assert isinstance(app.screen, ResumeScreen)
        await pilot.press("enter")  # no reason yet
        assert app.screen.reason is None
        await pilot.press(*"breaker reviewed", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ResumeScreen) and app.screen.reason == "breaker reviewed"
        assert "resume" not in backend.names()
        await pilot.press("y")
        await settle(pilot)
        assert ("resume", ("breaker reviewed",)) in backend.calls
        assert not app.screen.query_one(KillBanner).has_class("-halted")


async def test_resume_backs_out_with_n() -> None:
    backend = RecordingBackend(seed.snapshot(global_state=TradingState.HALTED))
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5", "R", *"checked", "enter", "n")
        await settle(pilot)
        assert not isinstance(app.screen, ResumeScreen)
        assert "resume" not in backend.names()


async def test_q_quits_at_once_with_no_orders_in_flight(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot, skip=("events",))
    assert backend.names()[-2:] == ["orders_in_flight", "close"]


async def test_q_asks_first_when_orders_are_in_flight() -> None:
    backend = RecordingBackend(in_flight=2)
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "2 order(s) are in flight" in app.screen.question
        await pilot.press("n")
        await settle(pilot)
        assert app.is_running and "close" not in backend.names()
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, skip=("events",))
    assert backend.names()[-1] == "close"


async def test_slash_filters_rows_and_escape_clears(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash", *"qqq")
        table = app.screen.query_one("#candidates", SyncTable)
        assert table.shown_keys == ("c-3",)
        await pilot.press("escape")
        assert table.shown_keys == ("c-1", "c-2", "c-3", "c-4", "c-5")


async def test_filter_on_the_log_screen_filters_events(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7", "slash", *"breaker", "enter")
        feed = app.screen.query_one("#log")
        assert [line.text for line in feed.lines] == [
            "09:54:00 ERR  breaker   daily_loss L3 tripped: 2.3% ≥ 2.0% → layer L3 HALTED"]


@pytest.mark.parametrize(("key", "mode"), [("1", "dashboard"), ("2", "candidates"), ("3", "positions"),
                                           ("4", "regimes"), ("5", "risk"), ("6", "bots"), ("7", "log")])
async def test_number_keys_switch_screens(backend: RecordingBackend, key: str, mode: str) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7" if key == "1" else "1", key)
        assert app.current_mode == mode
        assert app.screen.id == f"screen-{mode}"


async def test_number_keys_do_nothing_while_a_dialog_is_open(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark", "3")
        assert app.current_mode == "dashboard" and isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "3")
        assert app.current_mode == "positions"


async def test_e_toggles_the_selected_bot(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6", "down", "down", "down", "down", "e")  # usdjpy-carry, disabled
        await settle(pilot)
        assert ("set_bot_enabled", ("usdjpy-carry", True)) in backend.calls


async def test_enter_on_a_dashboard_position_opens_its_detail(backend: RecordingBackend) -> None:
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#positions", SyncTable).focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.current_mode == "positions"
        assert app.screen.query_one("#positions", SyncTable).selected_key == "pos-0001"
