"""Risk: trading states, limits vs usage, breakers, VaR and Greeks, stress grid and correlation heat maps.

The only screen that can resume trading after a halt (R: reason, then confirmation).
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Horizontal, VerticalScroll

from dorado_tui.engine.console_views import (
    CorrelationView,
    DashboardSnapshot,
    RiskView,
    StressGridView,
)
from dorado_tui.tui import format as f
from dorado_tui.tui.keys import RESUME_BINDING
from dorado_tui.tui.messages import ResumeRequested
from dorado_tui.tui.screens.base import ConsoleScreen
from dorado_tui.tui.widgets.panels import (
    Panel,
    TradingStateBadge,
    breakers_table,
    decisions_table,
    heat_table,
    risk_overview,
    trading_states_table,
)


def stress_map(grid: StressGridView) -> Group:
    """Portfolio P&L by spot shock (columns) and vol shock (rows)."""
    bound = max((abs(v) for row in grid.pnl for v in row), default=1.0) or 1.0
    cols = [f.pct(s, 0, signed=True) for s in grid.spot_shocks]
    rows = [f"vol {f.pct(v, 0, signed=True)}" for v in grid.vol_shocks]
    return Group(Text("P&L by spot move (columns) and vol move (rows)", style="dim"),
                 heat_table(rows, cols, grid.pnl, bound, f.compact_money))


def stress_panel(risk: RiskView) -> Group:
    """The stress grid, then the named scenarios' P&L when the engine computed them."""
    parts: list[RenderableType] = [stress_map(risk.stress)] if risk.stress else []
    if risk.scenarios:
        line = Text("Named scenarios: ", style="dim")
        for i, (name, pnl) in enumerate(risk.scenarios):
            line.append(("" if i == 0 else " · ") + f"{name} ")
            line.append(f.compact_money(pnl), style="" if pnl >= 0 else f.NEG)
        parts.append(line)
    return Group(*parts)


def correlation_map(corr: CorrelationView) -> Group:
    head = f"regime {corr.regime or f.DASH}"
    if corr.components_80 is not None:
        head += f" · {corr.components_80} PCs explain 80 %"
    short = [label[:6] for label in corr.labels]
    return Group(Text(head, style="dim"), heat_table(short, short, corr.matrix, 1.0, lambda v: f"{v:+.2f}"))


class RiskScreen(ConsoleScreen):
    """Everything the risk radar holds; resume lives here and only here."""

    MODE = "risk"
    BINDINGS: ClassVar[list[BindingType]] = [RESUME_BINDING]

    def body(self) -> ComposeResult:
        with VerticalScroll(id="risk-scroll"), Grid(id="risk-grid"):
            with Horizontal(id="risk-head", classes="pane"):
                yield TradingStateBadge("…", id="risk-badge")
                yield Panel(id="trading-states")
            yield Panel(id="risk-figs", classes="pane")
            yield Panel(id="limits", classes="pane")
            yield Panel(id="breakers-full", classes="pane")
            yield Panel(id="stress", classes="pane")
            yield Panel(id="correlation", classes="pane")

    TITLES: ClassVar[dict[str, str]] = {
        "#risk-head": "Trading state", "#risk-figs": "Usage vs limits · VaR · Greeks", "#limits": "Limits",
        "#breakers-full": "Circuit breakers", "#stress": "Stress grid", "#correlation": "Correlation"}

    def show_snapshot(self, snap: DashboardSnapshot) -> None:
        self.query_one("#risk-badge", TradingStateBadge).show(snap.trading.global_state)
        self.query_one("#trading-states", Panel).show_for(snap.trading, trading_states_table)
        risk = snap.risk
        self.query_one("#risk-figs", Panel).show_for(risk, risk_overview)
        self.query_one("#limits", Panel).show_for(risk.limits if risk else None, decisions_table)
        self.query_one("#breakers-full", Panel).show_for(risk.breakers if risk else None,
                                                         lambda b: breakers_table(b, full=True))
        self.query_one("#stress", Panel).show_for(risk if risk and (risk.stress or risk.scenarios) else None,
                                                  stress_panel, "no stress grid computed")
        self.query_one("#correlation", Panel).show_for(risk.correlation if risk else None, correlation_map,
                                                       "no correlation matrix computed")

    def action_resume(self) -> None:
        self.post_message(ResumeRequested())
