"""Regimes: every model's state, the selected model's probability history and its feature drivers."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll

from dorado_tui.engine.console_views import DashboardSnapshot, RegimeView
from dorado_tui.tui import format as f
from dorado_tui.tui.keys import FILTER_BINDING
from dorado_tui.tui.rows import REGIME_COLUMNS, regime_row
from dorado_tui.tui.screens.base import ConsoleScreen
from dorado_tui.tui.widgets.charts import RegimeChart
from dorado_tui.tui.widgets.panels import Panel
from dorado_tui.tui.widgets.table import SyncTable


def probabilities_table(r: RegimeView) -> Table:
    """Each regime's probability with a bar and its 3-day change."""
    t = Table(box=None, padding=(0, 1), title=f"{r.model.value} probabilities", title_justify="left")
    t.add_column("Regime", no_wrap=True)
    t.add_column("P", justify="right")
    t.add_column("", no_wrap=True)
    t.add_column("3d Δ", justify="right")
    for name, p in sorted(r.probabilities.items(), key=lambda kv: -kv[1]):
        d3 = r.trend_3d.get(name)
        t.add_row(Text(name, style="bold" if name == r.regime else ""), f.pct(p, 0), f.usage_bar(p, 1.0, 10),
                  f"{d3 * 100:+.0f}pp" if d3 is not None else f.DASH)
    return t


def drivers_table(r: RegimeView) -> Table:
    """Feature drivers, largest absolute contribution first."""
    t = Table(box=None, padding=(0, 1), title="drivers", title_justify="left")
    t.add_column("Feature", no_wrap=True)
    t.add_column("Value", justify="right")
    for name, v in sorted(r.drivers.items(), key=lambda kv: -abs(kv[1])):
        t.add_row(name, Text(f"{v:+.3g}", style="green" if v > 0 else f.NEG))
    if not r.drivers:
        t.add_row(Text("none reported", style="dim"), "")
    return t


def regime_detail(r: RegimeView) -> Group:
    stale = Text(f"STALE — computed {r.computed_at:%Y-%m-%d %H:%M} UTC; the regime gate treats it as neutral",
                 style=f.ALARM) if r.stale else Text(f"computed {r.computed_at:%Y-%m-%d %H:%M} UTC, "
                                                       f"age {f.age(r.age)}", style="dim")
    parts: list[RenderableType] = [stale, probabilities_table(r), Text(""), drivers_table(r)]
    if r.transition_alert:
        parts.insert(0, Text("⚠ transition alert: regime probabilities are shifting", style="bold yellow"))
    return Group(*parts)


class RegimesScreen(ConsoleScreen):
    """All regime models; the chart and drivers follow the cursor."""

    MODE = "regimes"
    BINDINGS: ClassVar[list[BindingType]] = [FILTER_BINDING]

    def body(self) -> ComposeResult:
        yield SyncTable(REGIME_COLUMNS, id="regimes", classes="pane")
        with Horizontal(id="regime-bottom"):
            with VerticalScroll(id="regime-detail-scroll", classes="pane"):
                yield Panel(id="regime-detail")
            yield RegimeChart(id="regime-chart", classes="pane")

    TITLES: ClassVar[dict[str, str]] = {
        "#regimes": "Regime models", "#regime-detail-scroll": "Probabilities & drivers",
        "#regime-chart": "History"}

    def show_snapshot(self, snap: DashboardSnapshot) -> None:
        self.query_one("#regimes", SyncTable).sync([(r.model.value, regime_row(r)) for r in snap.regimes])
        self._show_detail()

    def selected_regime(self) -> RegimeView | None:
        key = self.query_one("#regimes", SyncTable).selected_key
        snap = self.console.snapshot
        if snap is None or key is None:
            return None
        return next((r for r in snap.regimes if r.model.value == key), None)

    @on(SyncTable.RowHighlighted, "#regimes")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        r = self.selected_regime()
        self.query_one("#regime-detail", Panel).show_for(r, regime_detail, "no regime published yet")
        self.query_one(RegimeChart).show(r)
