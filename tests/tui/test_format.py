"""Formatting, rows and chrome text: what the operator reads must be right without colour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.text import Text

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views import ActionResult, KillReport
from dorado_tui.tui import format as f
from dorado_tui.tui.actions import kill_banner, result_note
from dorado_tui.tui.rows import candidate_row, position_row, regime_row, sides_text
from dorado_tui.tui.widgets.chrome import banner_text, fit_segments, status_segments
from tui import seed


@pytest.mark.parametrize(("value", "kw", "text"), [
    (1234.5, {}, "$1,234"), (-1234.5, {}, "-$1,234"), (12.0, {"signed": True}, "+$12"),
    (0.0, {"signed": True}, "$0"), (float("nan"), {}, "—"), (None, {}, "—"), (2.016, {"decimals": 2}, "$2.02"),
])
def test_money(value: float | None, kw: dict[str, bool], text: str) -> None:
    assert f.money(value, **kw) == text  # type: ignore[arg-type]


def test_compact_figures() -> None:
    assert [f.compact_money(x) for x in (999, 3120, -1_250_000)] == ["$999", "$3.1k", "-$1.2M"]
    assert [f.compact_number(x) for x in (312, -1850, 2.4e6)] == ["+312", "-1.9k", "+2.4M"]
    assert f.pct(0.041) == "4.1%" and f.pct(-0.05, 0, signed=True) == "-5%"


def test_quality_marks_follow_the_prd() -> None:
    assert [f.quality(q) for q in (0.98, 0.9, 0.75, 0.5)] == ["✓✓✓", "✓✓", "✓", "⚠"]


def test_ages() -> None:
    ages = [timedelta(seconds=45), timedelta(minutes=12), timedelta(hours=3, minutes=7), timedelta(days=2, hours=4)]
    assert [f.age(a) for a in ages] == ["45s", "12m", "3h07m", "2d4h"]
    assert [f.short_age(a) for a in ages] == ["45s", "12m", "3h", "2d"]


def test_spark_scales_to_the_given_bounds() -> None:
    assert f.spark([0.0, 0.5, 1.0], 0.0, 1.0) == "▁▅█"
    assert f.spark([2.0, 2.0]) == "▅▅"  # flat series: mid height
    assert f.spark([]) == ""


def test_usage_bar_and_style() -> None:
    assert f.usage_bar(0.03, 0.06, 10) == "█████░░░░░"
    assert f.usage_bar(0.09, 0.06, 4) == "████"
    assert [f.usage_style(u, 1.0) for u in (0.5, 0.8, 1.0)] == ["green", "yellow", "bold bright_red"]


def test_figures_by_unit() -> None:
    assert [f.figure(0.064, "pct"), f.figure(3120.0, "usd"), f.figure(3.0, "count"), f.figure(25.0, "")] == [
        "6.4%", "$3,120", "3", "25"]


def test_clock_in_exchange_and_local_zone() -> None:
    at = datetime(2026, 7, 1, 13, 45, 9, tzinfo=UTC)
    assert f.clock(at, ZoneInfo("America/New_York")) == "09:45:09 EDT"
    assert f.clock(at, ZoneInfo("Europe/Zurich")) == "15:45:09 CEST"


def test_rows_read_without_colour() -> None:
    cand = [c.plain if isinstance(c, Text) else c for c in candidate_row(seed.candidates()[2])]
    assert cand[:8] == ["3", "QQQ", "✓✓✓", "✗", "$178.00", "✓✓✓", "MED", "paper"]
    pos = [c.plain if isinstance(c, Text) else c for c in position_row(seed.position(0))]
    assert pos[:5] == ["SPY", "+$61", "38", "MONITORING", "hold · 38% of target"]
    reg = [c.plain if isinstance(c, Text) else c for c in regime_row(seed.regimes()[2])]
    assert reg[0] == "crypto" and reg[-1] == "3d8h STALE"
    assert sides_text({"put": 120.0, "call": -40.0}) == "P +$120 C -$40"


def test_status_bar_drops_the_least_important_first() -> None:
    snap = seed.snapshot()
    segs = status_segments(snap, seed.ASOF, ZoneInfo("Europe/Zurich"), None, None)
    wide = fit_segments(segs, 200).plain
    assert wide == ("● SIM simulation │ ACTIVE │ 10:30:00 EST · 16:30:00 CET │ sched owner: monitor 10:45, "
                    "scan 09:45 │ store sqlite:///state/dorado.db │ simulated market seed 7")
    assert fit_segments(segs, 79).plain == "● SIM simulation │ ACTIVE │ 10:30:00 EST · 16:30:00 CET │ sched owner"
    assert fit_segments(segs, 50).plain == "● SIM │ ACTIVE │ 10:30:00 EST · 16:30:00 CET"


def test_banner_for_halt_reducing_and_pending_kill() -> None:
    assert banner_text(seed.snapshot(), None) is None
    halted = banner_text(seed.snapshot(global_state=TradingState.HALTED), None)
    assert halted is not None and halted[0] == "-halted" and "HALTED by kill switch" in halted[1]
    assert banner_text(None, "■ KILL SWITCH ENGAGED") == ("-halted", "■ KILL SWITCH ENGAGED")


def test_kill_banner_shouts_when_orders_are_still_working() -> None:
    at = seed.ASOF
    calm = kill_banner(KillReport(TradingState.HALTED, 3, 0, at), "10:30:00 EST")
    loud = kill_banner(KillReport(TradingState.HALTED, 3, 1, at), "10:30:00 EST")
    assert calm.startswith("■ HALTED by kill switch at 10:30:00 EST — 3 orders cancelled, none working")
    assert "1 ORDERS STILL WORKING AT THE VENUE" in loud


def test_refusal_note_lists_the_failing_decisions() -> None:
    deny = Decision.deny("portfolio.heat", "HEAT_LIMIT", "heat 6.4% > 6.0%", 0.064, 0.06)
    ok = Decision.ok("trade.max_loss", "fine")
    assert result_note(ActionResult(False, "approval refused", (ok, deny))) == (
        "approval refused — heat 6.4% > 6.0%", "warning")
    assert result_note(ActionResult(True, "approved")) == ("approved", "information")


def test_monochrome_styles_use_weight_and_reverse_instead_of_red() -> None:
    f.set_monochrome(True)
    assert f.pnl_text(-68.0).style == "bold"
    assert f.check_text(False).style == "bold reverse"
    assert f.STATE_STYLE[TradingState.HALTED] == "bold reverse"
    f.set_monochrome(False)
    assert f.pnl_text(-68.0).style == "bright_red"
    assert f.STATE_STYLE[TradingState.HALTED] == "bold white on red"
