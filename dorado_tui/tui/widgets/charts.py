"""Charts drawn with textual-plotext: a position's P&L history and a regime model's probabilities.

Under NO_COLOR every series gets its own marker character, so lines stay apart without colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual_plotext import PlotextPlot

from dorado_tui.engine.console_views import PnlPoint, RegimeView

_MARKERS = ("•", "x", "+", "o", "*", "#", "%", "@")
_COLORS = ("cyan", "red", "green", "yellow", "magenta", "blue", "white", "orange")


def _ticks(labels: Sequence[str], count: int = 5) -> tuple[list[float], list[str]]:
    """At most `count` evenly spaced tick positions with their labels."""
    n = len(labels)
    if n == 0:
        return [], []
    step = max(1, (n - 1) // max(1, count - 1))
    idx = list(range(0, n, step))
    if idx[-1] != n - 1:
        idx.append(n - 1)
    return [float(i) for i in idx], [labels[i] for i in idx]


class _Chart(PlotextPlot):
    DEFAULT_CSS = """
    _Chart { height: 1fr; min-height: 8; }
    """

    def _marker(self, i: int) -> str:
        return _MARKERS[i % len(_MARKERS)] if self.app.no_color else "braille"

    def _reset(self, title: str) -> None:
        self.plt.clear_figure()
        self.plt.title(title)

    def _empty(self, title: str, sentence: str) -> None:
        self._reset(title)
        self.plt.xlabel(sentence)
        self.refresh()


class PnlChart(_Chart):
    """Unrealised P&L of one position over time."""

    def show(self, title: str, points: Sequence[PnlPoint]) -> None:
        if not points:
            self._empty(title, "no P&L history recorded yet")
            return
        self._reset(title)
        labels = [_label(p.time) for p in points]
        xs = list(range(len(points)))
        self.plt.plot(xs, [p.pnl for p in points], marker=self._marker(0), color=_COLORS[0])
        self.plt.horizontal_line(0.0, color="white")
        ticks, names = _ticks(labels)
        self.plt.xticks(ticks, names)
        self.refresh()


def _label(moment: datetime) -> str:
    return f"{moment:%m-%d}"


class RegimeChart(_Chart):
    """Probability of every regime of one model over its recorded history."""

    def show(self, regime: RegimeView | None) -> None:
        if regime is None or not regime.history:
            self._empty("regime probabilities", "no regime history recorded yet")
            return
        self._reset(f"{regime.model.value}: probability by regime")
        names = sorted({k for p in regime.history for k in p.probabilities},
                       key=lambda k: -regime.probabilities.get(k, 0.0))
        xs = list(range(len(regime.history)))
        for i, name in enumerate(names):
            ys = [p.probabilities.get(name, 0.0) for p in regime.history]
            self.plt.plot(xs, ys, label=name, marker=self._marker(i), color=_COLORS[i % len(_COLORS)])
        self.plt.ylim(0.0, 1.0)
        ticks, labels = _ticks([f"{p.asof:%m-%d}" for p in regime.history])
        self.plt.xticks(ticks, labels)
        self.refresh()
