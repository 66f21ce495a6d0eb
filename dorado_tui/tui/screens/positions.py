"""Positions: every open position, and the selected one's legs, per-side P&L, Greeks and P&L chart."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll

from dorado_tui.engine.console_views import DashboardSnapshot, PositionMark, PositionView
from dorado_tui.tui.keys import FILTER_BINDING
from dorado_tui.tui.rows import POSITION_COLUMNS, PositionRows, mark_cells
from dorado_tui.tui.screens.base import ConsoleScreen
from dorado_tui.tui.widgets.charts import PnlChart
from dorado_tui.tui.widgets.detail import position_detail
from dorado_tui.tui.widgets.panels import Panel
from dorado_tui.tui.widgets.table import SyncTable


class PositionsScreen(ConsoleScreen):
    """Open positions; the detail and chart follow the cursor."""

    MODE = "positions"
    BINDINGS: ClassVar[list[BindingType]] = [FILTER_BINDING]

    def __init__(self) -> None:
        super().__init__()
        self._position_rows = PositionRows()

    def body(self) -> ComposeResult:
        yield SyncTable(POSITION_COLUMNS, id="positions", classes="pane")
        with Horizontal(id="pos-bottom"):
            with VerticalScroll(id="pos-detail-scroll", classes="pane"):
                yield Panel(id="pos-detail")
            yield PnlChart(id="pnl-chart", classes="pane")

    TITLES: ClassVar[dict[str, str]] = {"#positions": "Positions", "#pos-detail-scroll": "Detail", "#pnl-chart": "P&L"}

    def show_snapshot(self, snap: DashboardSnapshot) -> None:
        table = self.query_one("#positions", SyncTable)
        table.sync(self._position_rows.rows(snap.positions))
        table.border_subtitle = f"{len(snap.positions)} open"
        self._show_detail()

    def show_marks(self, marks: list[PositionMark]) -> None:
        table = self.query_one("#positions", SyncTable)
        for m in marks:
            table.patch(m.position_id, mark_cells(m))

    def select(self, position_id: str) -> None:
        """Put the cursor on one position (coming from the dashboard)."""
        table = self.query_one("#positions", SyncTable)
        if position_id in table.shown_keys:
            table.move_cursor(row=table.shown_keys.index(position_id), animate=False)
        table.focus()

    def selected_position(self) -> PositionView | None:
        key = self.query_one("#positions", SyncTable).selected_key
        snap = self.console.snapshot
        if snap is None or key is None:
            return None
        return next((p for p in snap.positions if p.id == key), None)

    @on(SyncTable.RowHighlighted, "#positions")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(SyncTable.RowSelected, "#positions")
    def _focus_detail(self) -> None:
        self.query_one("#pos-detail-scroll").focus()

    def _show_detail(self) -> None:
        pos = self.selected_position()
        self.query_one("#pos-detail", Panel).show_for(pos, position_detail, "no position selected")
        title = f"{pos.underlying} {pos.template} unrealised P&L" if pos else "P&L"
        self.query_one(PnlChart).show(title, pos.pnl_history if pos else ())
