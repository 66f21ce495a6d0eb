"""Candidates: the latest scan ranked, and the selected candidate's legs, chain and every verdict."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll

from dorado_tui.engine.console_views import CandidateView, DashboardSnapshot, ScanView
from dorado_tui.tui.keys import APPROVE_BINDING, FILTER_BINDING, REJECT_BINDING
from dorado_tui.tui.messages import ApproveRequested, RejectRequested
from dorado_tui.tui.rows import CANDIDATE_COLUMNS
from dorado_tui.tui.screens.base import ConsoleScreen
from dorado_tui.tui.screens.dashboard import candidate_rows, find_candidate, request
from dorado_tui.tui.widgets.detail import candidate_detail
from dorado_tui.tui.widgets.panels import Panel
from dorado_tui.tui.widgets.table import SyncTable


def scan_line(scan: ScanView | None) -> Text:
    """Scan time, count, portfolio budget and skipped underlyings with their reasons."""
    if scan is None:
        return Text("No scan yet — press s to scan now.", style="italic")
    when = f"{scan.ran_at:%Y-%m-%d %H:%M} UTC" if scan.ran_at else "not run"
    parts = [f"scan {scan.scan_id} at {when}", f"{len(scan.candidates)} candidates"]
    if scan.budget_text:
        parts.append(scan.budget_text)
    line = Text(" · ".join(parts), style="bold")
    if scan.skipped:
        line.append("\nskipped: " + "; ".join(f"{u} ({why})" for u, why in scan.skipped.items()),
                    style="dim")
    return line


class CandidatesScreen(ConsoleScreen):
    """Ranked candidates with ✓/✗ gates; the detail follows the cursor."""

    MODE = "candidates"
    BINDINGS: ClassVar[list[BindingType]] = [APPROVE_BINDING, REJECT_BINDING, FILTER_BINDING]

    def body(self) -> ComposeResult:
        yield Panel(id="scan-line")
        yield SyncTable(CANDIDATE_COLUMNS, id="candidates", classes="pane")
        with VerticalScroll(id="cand-detail-scroll", classes="pane"):
            yield Panel(id="cand-detail")

    TITLES: ClassVar[dict[str, str]] = {"#candidates": "Candidates (ranked)", "#cand-detail-scroll": "Detail"}

    def show_snapshot(self, snap: DashboardSnapshot) -> None:
        self.query_one("#scan-line", Panel).show_for(snap.scan, scan_line, "No scan yet — press s to scan now.")
        self.query_one("#candidates", SyncTable).sync(candidate_rows(snap.scan))
        self._show_detail()

    def select(self, candidate_id: str) -> None:
        """Put the cursor on one candidate (coming from the dashboard)."""
        table = self.query_one("#candidates", SyncTable)
        if candidate_id in table.shown_keys:
            table.move_cursor(row=table.shown_keys.index(candidate_id), animate=False)
        table.focus()

    def selected_candidate(self) -> CandidateView | None:
        key = self.query_one("#candidates", SyncTable).selected_key
        return find_candidate(self.console.snapshot, key)

    @on(SyncTable.RowHighlighted, "#candidates")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        cand = self.selected_candidate()
        self.query_one("#cand-detail", Panel).show_for(cand, candidate_detail,
                                                   "select a candidate")

    @on(SyncTable.RowSelected, "#candidates")
    def _focus_detail(self) -> None:
        self.query_one("#cand-detail-scroll").focus()

    def action_approve(self) -> None:
        request(self, self.selected_candidate(), ApproveRequested)

    def action_reject(self) -> None:
        request(self, self.selected_candidate(), RejectRequested)
