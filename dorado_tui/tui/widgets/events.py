"""The audit-event feed: fills, rejections, breaker trips, regime changes, newest at the bottom."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo

from rich.text import Text
from textual.widgets import RichLog

from dorado_tui.engine.console_views import EventView, Severity
from dorado_tui.tui import format as f


def _severity(severity: Severity) -> tuple[str, str]:
    return {Severity.INFO: ("INFO", ""), Severity.WARNING: ("WARN", "yellow"),
            Severity.ERROR: ("ERR ", f.BAD), Severity.CRITICAL: ("CRIT", f.ALARM)}[severity]


def event_line(event: EventView, tz: tzinfo) -> Text:
    label, style = _severity(event.severity)
    return Text.assemble((f"{event.time.astimezone(tz):%H:%M:%S} ", "dim"), (label, style), " ",
                         (f"{event.kind.value:<9} ", "bold"), event.text)


def matches(event: EventView, needle: str) -> bool:
    """Case-insensitive substring match on kind, severity, text and reference."""
    if not needle:
        return True
    hay = f"{event.kind.value} {event.severity.value} {event.text} {event.ref}".lower()
    return needle.lower() in hay


class EventFeed(RichLog):
    """A log of audit events; `show` redraws (filter changed), `append` adds new ones."""

    DEFAULT_CSS = """
    EventFeed { height: 1fr; }
    """

    def __init__(self, *, wrap: bool = False, id: str | None = None) -> None:
        super().__init__(wrap=wrap, markup=False, highlight=False, max_lines=2000, id=id)
        self._needle = ""
        self._last_seq = -1

    @property
    def filter_text(self) -> str:
        return self._needle

    def show(self, events: Iterable[EventView], tz: tzinfo, needle: str | None = None) -> None:
        """Redraw from scratch (first fill, or a new filter)."""
        if needle is not None:
            self._needle = needle
        self.clear()
        self._last_seq = -1
        self.append(events, tz)

    def append(self, events: Iterable[EventView], tz: tzinfo) -> None:
        """Write events newer than the last one written (duplicates from a refresh are skipped)."""
        for event in events:
            if event.seq <= self._last_seq:
                continue
            self._last_seq = event.seq
            if matches(event, self._needle):
                self.write(event_line(event, tz))
