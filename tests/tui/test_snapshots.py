"""SVG snapshots of every screen at 80×24 and 160×48, the dialogs, the kill banner and NO_COLOR.

Seeded state, frozen clock, fixed local zone: re-record with `just snap-update` after a reviewed
change (`pytest tests/tui --snapshot-update`), and look at snapshot_report.html when one fails.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from dorado_tui.domain.states import TradingState
from dorado_tui.tui.keys import MODES
from tui import seed
from tui.conftest import build_app, settle
from tui.fakes import RecordingBackend

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
Snap = Callable[..., bool]


def keys_then_settle(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Press `keys` once the first snapshot is drawn, wait for the work they start, stop blinking."""
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()
    return run_before


class TestScreens:
    @pytest.mark.parametrize("size", SIZES)
    @pytest.mark.parametrize(("mode", "key"), [pytest.param(m, k, id=m) for m, k, _ in MODES])
    def test_screen(self, snap_compare: Snap, mode: str, key: str, size: tuple[int, int]) -> None:
        keys = () if mode == "dashboard" else (key,)
        assert snap_compare(build_app(), run_before=keys_then_settle(*keys), terminal_size=size)


class TestDialogs:
    def test_approve_tag_picker(self, snap_compare: Snap) -> None:
        assert snap_compare(build_app(), run_before=keys_then_settle("2", "a"))

    def test_approve_tag_picker_for_fx(self, snap_compare: Snap) -> None:
        assert snap_compare(build_app(), run_before=keys_then_settle("2", "down", "down", "down", "a"))

    def test_reject_with_reason_typed(self, snap_compare: Snap) -> None:
        assert snap_compare(build_app(), run_before=keys_then_settle("r", *"earnings", "space", *"week"))

    def test_reject_refuses_empty_reason(self, snap_compare: Snap) -> None:
        assert snap_compare(build_app(), run_before=keys_then_settle("r", "enter"))

    def test_resume_asks_for_confirmation(self, snap_compare: Snap) -> None:
        backend = RecordingBackend(seed.snapshot(global_state=TradingState.HALTED))
        keys = ("5", "R", *"breaker", "space", *"reviewed", "enter")
        assert snap_compare(build_app(backend), run_before=keys_then_settle(*keys))

    def test_help(self, snap_compare: Snap) -> None:
        assert snap_compare(build_app(), run_before=keys_then_settle("question_mark"))

    def test_quit_with_orders_in_flight(self, snap_compare: Snap) -> None:
        assert snap_compare(build_app(RecordingBackend(in_flight=3)), run_before=keys_then_settle("q"))

    def test_filter_open_on_candidates(self, snap_compare: Snap) -> None:
        assert snap_compare(build_app(), run_before=keys_then_settle("2", "slash", *"spy"))


class TestKillBanner:
    @pytest.mark.parametrize("size", SIZES)
    def test_after_ctrl_k(self, snap_compare: Snap, size: tuple[int, int]) -> None:
        assert snap_compare(build_app(), run_before=keys_then_settle("ctrl+k"), terminal_size=size)

    def test_risk_screen_when_halted(self, snap_compare: Snap) -> None:
        backend = RecordingBackend(seed.snapshot(global_state=TradingState.HALTED))
        assert snap_compare(build_app(backend), run_before=keys_then_settle("5"))


class TestNoColor:
    @pytest.mark.parametrize(("mode", "key"), [("dashboard", "1"), ("risk", "5"), ("regimes", "4")])
    def test_screen_without_colour(self, snap_compare: Snap, monkeypatch: pytest.MonkeyPatch,
                                   mode: str, key: str) -> None:
        monkeypatch.setenv("NO_COLOR", "1")
        assert snap_compare(build_app(), run_before=keys_then_settle(key))
