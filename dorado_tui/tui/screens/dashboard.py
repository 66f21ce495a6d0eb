"""The dashboard: risk and breakers, regimes, positions, candidates and the event feed on one screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message

from dorado_tui.engine.console_views import (
    CandidateView,
    DashboardSnapshot,
    PositionMark,
    RegimeView,
    ScanView,
)
from dorado_tui.tui import format as f
from dorado_tui.tui.keys import APPROVE_BINDING, FILTER_BINDING, REJECT_BINDING
from dorado_tui.tui.messages import ApproveRequested, RejectRequested
from dorado_tui.tui.rows import (
    CANDIDATE_COLUMNS,
    POSITION_COLUMNS,
    PositionRows,
    candidate_row,
    mark_cells,
    top_regime_series,
)
from dorado_tui.tui.screens.base import ConsoleScreen
from dorado_tui.tui.widgets.events import EventFeed
from dorado_tui.tui.widgets.panels import (
    Panel,
    TradingStateBadge,
    breakers_table,
    greeks_line,
    risk_figures,
)
from dorado_tui.tui.widgets.table import SyncTable

_MODEL_SHORT = {"macro": "macro", "fx": "fx", "crypto": "crypto", "correlation": "corr"}


def regimes_compact(regimes: tuple[RegimeView, ...], spark_width: int = 6) -> Table:
    """One line per model: regime, probability, trend sparkline, 3-day change, age."""
    t = Table.grid(padding=(0, 1))
    t.add_column(style="bold", no_wrap=True)
    t.add_column(no_wrap=True, overflow="ellipsis", max_width=12)
    for justify in ("right", "left", "right", "right"):
        t.add_column(justify=justify, no_wrap=True)
    for r in regimes:
        d3 = r.trend_3d.get(r.regime)
        age = Text(f.short_age(r.age) + ("!" if r.stale else ""), style=f.ALARM if r.stale else "dim")
        name = Text(r.regime + ("⚠" if r.transition_alert else ""),
                    style="bold yellow" if r.transition_alert else "")
        t.add_row(_MODEL_SHORT.get(r.model.value, r.model.value), name, f.pct(r.confidence, 0),
                  f.spark(top_regime_series(r)[-spark_width:], 0.0, 1.0),
                  f"{d3 * 100:+.0f}pp" if d3 is not None else f.DASH, age)
    return t


def candidate_rows(scan: ScanView | None) -> list[tuple[str, tuple[str | Text, ...]]]:
    if scan is None:
        return []
    return [(c.id, candidate_row(c)) for c in sorted(scan.candidates, key=lambda c: c.rank)]


def find_candidate(snap: DashboardSnapshot | None, candidate_id: str | None) -> CandidateView | None:
    if snap is None or snap.scan is None or candidate_id is None:
        return None
    return next((c for c in snap.scan.candidates if c.id == candidate_id), None)


def request(screen: ConsoleScreen, cand: CandidateView | None,
            message: Callable[[CandidateView], Message]) -> None:
    """Post `message` for the screen's selected candidate, or say that none is selected."""
    if cand is None:
        screen.notify("no candidate selected", severity="warning")
        return
    screen.post_message(message(cand))


class DashboardScreen(ConsoleScreen):
    """Every concern at a glance; `a`/`r` act on the candidate under the candidates cursor."""

    MODE = "dashboard"
    BINDINGS: ClassVar[list[BindingType]] = [APPROVE_BINDING, REJECT_BINDING, FILTER_BINDING]

    def __init__(self) -> None:
        super().__init__()
        self._position_rows = PositionRows()

    def body(self) -> ComposeResult:
        with Grid(id="dash"):
            with Vertical(id="risk-pane", classes="pane"):
                with Horizontal(id="risk-top"):
                    yield TradingStateBadge("…", id="state-badge")
                    yield Panel(id="risk-figures")
                yield Panel(id="greeks")
                yield Panel(id="breakers")
            yield Panel(id="regimes", classes="pane")
            yield SyncTable(POSITION_COLUMNS, id="positions", classes="pane")
            yield SyncTable(CANDIDATE_COLUMNS, id="candidates", classes="pane")
            yield EventFeed(id="events")

    TITLES: ClassVar[dict[str, str]] = {
        "#risk-pane": "Risk & breakers", "#regimes": "Regimes", "#positions": "Positions",
        "#candidates": "Candidates", "#events": "Events"}

    def show_snapshot(self, snap: DashboardSnapshot) -> None:
        self.query_one(TradingStateBadge).show(snap.trading.global_state)
        wide = self.size.width >= 120
        risk = snap.risk
        bars = 10 if wide else 0
        self.query_one("#risk-figures", Panel).show_for(risk, lambda r: risk_figures(r, bars))
        self.query_one("#greeks", Panel).show_for(risk, greeks_line, "")
        self.query_one("#breakers", Panel).show_for(risk.breakers if risk else None,
                                                    lambda b: breakers_table(b, full=False), "no breakers reported")
        spark = 12 if wide else 6
        self.query_one("#regimes", Panel).show_for(snap.regimes or None, lambda r: regimes_compact(r, spark),
                                                   "no regime published yet")
        self.query_one("#positions", SyncTable).sync(self._position_rows.rows(snap.positions))
        self.query_one("#positions").border_subtitle = f"{len(snap.positions)} open"
        cands = self.query_one("#candidates", SyncTable)
        cands.sync(candidate_rows(snap.scan))
        cands.border_subtitle = snap.scan.budget_text if snap.scan else "no scan yet"

    def show_marks(self, marks: list[PositionMark]) -> None:
        table = self.query_one("#positions", SyncTable)
        for m in marks:
            table.patch(m.position_id, mark_cells(m))

    def selected_candidate(self) -> CandidateView | None:
        key = self.query_one("#candidates", SyncTable).selected_key
        return find_candidate(self.console.snapshot, key)

    def action_approve(self) -> None:
        request(self, self.selected_candidate(), ApproveRequested)

    def action_reject(self) -> None:
        request(self, self.selected_candidate(), RejectRequested)

    @on(SyncTable.RowSelected, "#positions")
    def _open_position(self, event: SyncTable.RowSelected) -> None:
        self.console.open_detail("positions", event.key)

    @on(SyncTable.RowSelected, "#candidates")
    def _open_candidate(self, event: SyncTable.RowSelected) -> None:
        self.console.open_detail("candidates", event.key)
