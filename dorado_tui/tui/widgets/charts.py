"""Charts drawn with textual-plotext: a position's P&L history and a regime model's probabilities.

Every render redraws the figure from the stored series: plotext keeps state between builds (tick
placement depends on earlier sizes), and a pure function of (data, size) keeps snapshots stable.
Under NO_COLOR every series gets its own marker character, so lines stay apart without colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from dorado_tui.engine.console_views import PnlPoint, RegimeView

_MARKERS = ("•", "x", "+", "o", "*", "#", "%", "@")
_COLORS = ("cyan", "red", "green", "yellow", "magenta", "blue", "white", "orange")


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Figure:
    """What a chart shows: a title, series over a shared x axis with labels, an optional y range."""

    title: str
    series: tuple[Series, ...] = ()
    x_labels: tuple[str, ...] = ()
    y_range: tuple[float, float] | None = None
    zero_line: bool = False
    empty: str = ""


def ticks(labels: Sequence[str], count: int = 5) -> tuple[list[float], list[str]]:
    """`count` evenly spaced tick positions (first and last included) with their labels."""
    n = len(labels)
    if n == 0:
        return [], []
    if n <= count:
        idx = list(range(n))
    else:
        idx = sorted({round(i * (n - 1) / (count - 1)) for i in range(count)})
    return [float(i) for i in idx], [labels[i] for i in idx]


class _Chart(PlotextPlot):
    DEFAULT_CSS = """
    _Chart { height: 1fr; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._figure = Figure("")

    def draw(self, figure: Figure) -> None:
        self._figure = figure
        self.refresh()

    def render(self) -> RenderResult:
        fig, plt = self._figure, self.plt
        plt.clear_figure()
        plt.title(fig.title)
        if not fig.series:
            plt.xlabel(fig.empty)
            return super().render()
        xs = list(range(len(fig.x_labels)))
        for i, s in enumerate(fig.series):
            marker = _MARKERS[i % len(_MARKERS)] if self.app.no_color else "braille"
            plt.plot(xs, list(s.values), label=s.label or None, marker=marker, color=_COLORS[i % len(_COLORS)])
        if fig.zero_line:
            plt.horizontal_line(0.0, color="white")
        if fig.y_range is not None:
            plt.ylim(*fig.y_range)
        positions, labels = ticks(fig.x_labels, 4 if self.size.width < 50 else 6)
        plt.xticks(positions, labels)
        return super().render()


class PnlChart(_Chart):
    """Unrealised P&L of one position over time."""

    def show(self, title: str, points: Sequence[PnlPoint]) -> None:
        self.draw(Figure(title, (Series("", tuple(p.pnl for p in points)),) if points else (),
                         tuple(f"{p.time:%m-%d}" for p in points), zero_line=True,
                         empty="no P&L history recorded yet"))


class RegimeChart(_Chart):
    """Probability of every regime of one model over its recorded history."""

    def show(self, regime: RegimeView | None) -> None:
        if regime is None or not regime.history:
            self.draw(Figure("regime probabilities", empty="no regime history recorded yet"))
            return
        names = sorted({k for p in regime.history for k in p.probabilities},
                       key=lambda k: -regime.probabilities.get(k, 0.0))
        series = tuple(Series(n, tuple(p.probabilities.get(n, 0.0) for p in regime.history)) for n in names)
        self.draw(Figure(f"{regime.model.value}: probability by regime", series,
                         tuple(f"{p.asof:%m-%d}" for p in regime.history), y_range=(0.0, 1.0)))
