"""Log: the whole audit-event stream this console has seen, filterable with `/`."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType

from dorado_tui.tui.keys import FILTER_BINDING
from dorado_tui.tui.screens.base import ConsoleScreen, Filterable
from dorado_tui.tui.widgets.events import EventFeed


class LogScreen(ConsoleScreen):
    """Every event (fills, orders, rejections, breakers, regimes, scans), wrapped, newest last."""

    MODE = "log"
    BINDINGS: ClassVar[list[BindingType]] = [FILTER_BINDING]

    def body(self) -> ComposeResult:
        yield EventFeed(wrap=True, id="log")

    TITLES: ClassVar[dict[str, str]] = {"#log": "Event log"}

    def default_filter_target(self) -> Filterable | None:
        return self.query_one(EventFeed)
