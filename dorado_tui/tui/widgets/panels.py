"""Static risk panels: the trading-state badge, risk figures vs limits, breakers, decisions, heat maps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rich.color import Color
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views import (
    BreakerState,
    BreakerView,
    Greeks,
    RiskView,
    TradingStatesView,
)
from dorado_tui.tui import format as f

T = TypeVar("T")


class TradingStateBadge(Static):
    """The global trading state, large and coloured (and readable without colour)."""

    DEFAULT_CSS = """
    TradingStateBadge { width: 14; height: 3; border: heavy $success; content-align: center middle;
                        text-style: bold; }
    TradingStateBadge.-reducing { border: heavy $warning; background: $warning 30%; }
    TradingStateBadge.-halted { border: heavy $error; background: $error 50%; }
    """

    _state: TradingState | None = None

    def show(self, state: TradingState) -> None:
        if state is self._state:
            return
        self._state = state
        self.set_class(state is TradingState.REDUCING, "-reducing")
        self.set_class(state is TradingState.HALTED, "-halted")
        self.update(state.value)


def _usage_row(table: Table, label: str, used: float, limit: float, width: int) -> None:
    style = f.usage_style(used, limit)
    cells: list[RenderableType] = [label, Text(f"{f.pct(used)}/{f.pct(limit)}", style=style)]
    if width:
        cells.append(Text(f.usage_bar(used, limit, width), style=style))
    table.add_row(*cells)


def greeks_text(g: Greeks) -> str:
    """`Δ+118 Γ-6.4 V-1.9k Θ+312` (vega and theta in account currency, compact)."""
    return (f"Δ{g.delta:+,.0f} Γ{g.gamma:+,.1f} V{f.compact_number(g.vega)} "
            f"Θ{f.compact_number(g.theta)}")


def risk_figures(risk: RiskView, bar_width: int = 8) -> Table:
    """Heat, daily/weekly loss, drawdown vs limits (with usage bars when `bar_width`); VaR, Greeks."""
    t = Table.grid(padding=(0, 1))
    t.add_column(style="bold", no_wrap=True)
    t.add_column(justify="right", no_wrap=True)
    if bar_width:
        t.add_column(no_wrap=True)
    _usage_row(t, "Heat", risk.heat, risk.heat_limit, bar_width)
    _usage_row(t, "Day", risk.daily_loss, risk.daily_loss_limit, bar_width)
    _usage_row(t, "Week", risk.weekly_loss, risk.weekly_loss_limit, bar_width)
    _usage_row(t, "DD", risk.drawdown, risk.drawdown_limit, bar_width)
    if risk.var is not None:
        v = risk.var
        limit = f"/{f.compact_money(v.limit)}" if v.limit is not None else ""
        style = f.usage_style(v.value, v.limit) if v.limit else ""
        cells: list[RenderableType] = [f"VaR{v.confidence * 100:.0f}",
                                       Text(f.compact_money(v.value) + limit, style=style)]
        if bar_width:
            cells.append(Text(f"{v.horizon_days}d {v.method}", style="dim"))
        t.add_row(*cells)
    return t


def greeks_line(risk: RiskView) -> Text:
    return Text.assemble(("Greeks ", "bold"), greeks_text(risk.greeks))


def risk_overview(risk: RiskView, bar_width: int = 12) -> Group:
    """The risk screen's figures: usage vs limits, VaR, portfolio Greeks and NAV."""
    return Group(risk_figures(risk, bar_width), greeks_line(risk),
                 Text.assemble(("NAV ", "bold"), f.money(risk.nav)))


def breaker_line(b: BreakerView) -> Text:
    tripped = b.state is BreakerState.TRIPPED
    mark = Text(f.FAIL if tripped else (f.PASS if b.state is BreakerState.ARMED else "-"),
                style=f.BAD if tripped else "green")
    figs = f"{f.figure(b.figure, b.unit)}/{f.figure(b.limit, b.unit)}"
    return Text.assemble(mark, " ", (b.name, "bold" if tripped else ""), " ",
                         (b.state.value.upper(), f.ALARM if tripped else "dim"), f" {figs}",
                         (f" → {b.action.value}" if tripped else "", f.BAD))


def breakers_table(breakers: Sequence[BreakerView], *, full: bool) -> Table:
    """Breakers, tripped first; `full` gives each fact its column plus scope, trip time, reason."""
    ordered = sorted(breakers, key=lambda b: (b.state is not BreakerState.TRIPPED, b.name))
    t = Table(box=None, padding=(0, 1), expand=True, show_header=full)
    if not full:
        t.add_column("Breaker", no_wrap=True)
        for b in ordered:
            t.add_row(breaker_line(b))
        return t
    for name, kw in (("", {}), ("Breaker", {"no_wrap": True}), ("State", {"no_wrap": True}),
                     ("Figure/limit", {"justify": "right", "no_wrap": True}), ("Trips to", {"no_wrap": True}),
                     ("Tripped · reason", {"ratio": 1})):
        t.add_column(name, **kw)
    for b in ordered:
        tripped = b.state is BreakerState.TRIPPED
        style = f.BAD if tripped else ""
        since = f"{b.tripped_at:%m-%d %H:%M} " if b.tripped_at else ""
        t.add_row(Text(f.FAIL if tripped else f.PASS, style=style or "green"),
                  Text.assemble((b.name, style), "\n", (b.scope, "dim")),
                  Text(b.state.value.upper(), style=f.ALARM if tripped else "dim"),
                  f"{f.figure(b.figure, b.unit)}/{f.figure(b.limit, b.unit)}", b.action.value,
                  since + b.reason)
    return t


def decisions_table(decisions: Sequence[Decision], title: str = "") -> Table:
    """Check verdicts with figure vs limit and the reason shown to the operator."""
    t = Table(title=title or None, title_justify="left", box=None, padding=(0, 1), expand=True)
    for name, kw in (("", {}), ("Check", {"no_wrap": True}), ("Figure", {"justify": "right"}),
                     ("Limit", {"justify": "right"}), ("Reason", {"ratio": 1})):
        t.add_column(name, **kw)
    for d in decisions:
        unit = str(d.details.get("unit", ""))
        t.add_row(f.check_text(d.passed), d.check, f.figure(d.figure, unit), f.figure(d.limit, unit),
                  Text(d.reason, style="" if d.passed else f.NEG))
    if not decisions:
        t.add_row("", Text("none recorded", style="dim"), "", "", "")
    return t


def trading_states_table(tr: TradingStatesView) -> Table:
    """Global, per-layer and per-bot trading states (the effective one is the most restrictive)."""
    t = Table(box=None, padding=(0, 1), show_header=True, expand=True)
    t.add_column("Scope", no_wrap=True)
    t.add_column("State")
    t.add_column("Why", ratio=1)
    t.add_row("global", Text(tr.global_state.value, style=f.STATE_STYLE[tr.global_state]), tr.reason)
    for scope, states in (("layer", tr.layers), ("bot", tr.bots)):
        for name, state in sorted(states.items()):
            t.add_row(f"{scope} {name}", Text(state.value, style=f.STATE_STYLE[state]), "")
    return t


def heat_table(row_labels: Sequence[str], col_labels: Sequence[str],
               values: Sequence[Sequence[float]], bound: float, fmt: Callable[[float], str]) -> Table:
    """A heat map: every cell carries its number, the background its size and sign."""
    t = Table(box=None, padding=(0, 0), collapse_padding=True)
    t.add_column("", style="bold", no_wrap=True)
    for label in col_labels:
        t.add_column(label, justify="right", no_wrap=True)
    for label, row in zip(row_labels, values, strict=True):
        cells = [Text(f" {fmt(v)} ", style=Style(bgcolor=Color.from_rgb(*f.diverging_rgb(v, bound)),
                                                   color="white")) for v in row]
        t.add_row(label, *cells)
    return t


_NOTHING = object()


class Panel(Static):
    """A Static that shows a rich renderable or a placeholder sentence when the engine sent none."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._source: object = _NOTHING

    def show(self, renderable: RenderableType | None, empty: str = "no data from the engine yet") -> None:
        self._source = _NOTHING
        self.update(renderable if renderable is not None else Text(empty, style="dim italic"))

    def show_for(self, source: T | None, build: Callable[[T], RenderableType],
                 empty: str = "no data from the engine yet") -> None:
        """Draw `build(source)` unless `source` equals what is already drawn: an update re-lays
        out the whole screen, which a snapshot that only moved marks must not pay for."""
        if source == self._source:
            return
        self.show(build(source) if source is not None else None, empty)
        self._source = source
