"""The frame every mode screen shares: chrome, footer, the `/` filter and snapshot delivery.

Screens of modes that are not showing do not redraw on every refresh; they catch up from the
latest snapshot when they come back (ScreenResume), which keeps refreshes cheap with 7 modes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input

from dorado_tui.engine.console_views import DashboardSnapshot, EventView, PositionMark
from dorado_tui.tui.widgets.chrome import KillBanner, NavBar, StatusBar
from dorado_tui.tui.widgets.events import EventFeed
from dorado_tui.tui.widgets.table import SyncTable

if TYPE_CHECKING:
    from dorado_tui.tui.app import DoradoConsole

Filterable = SyncTable | EventFeed


class FilterBar(Input):
    """The `/` filter line: typing filters live, enter keeps the filter, escape clears it."""

    DEFAULT_CSS = """
    FilterBar { dock: bottom; display: none; height: 3; border: tall $accent; }
    FilterBar.-open { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "clear", "Clear filter")]

    def action_clear(self) -> None:
        self.value = ""
        self.screen.post_message(Input.Submitted(self, ""))


class ConsoleScreen(Screen[None]):
    """A mode screen. Subclasses compose `body()` and draw in `show_snapshot()`."""

    MODE: ClassVar[str] = ""
    """The mode this screen is the base of (its tab in the nav bar)."""
    TITLES: ClassVar[dict[str, str]] = {}
    """Border titles by selector."""

    BINDINGS: ClassVar[list[BindingType]] = []
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual's own type)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__(id=f"screen-{self.MODE}")
        self._dirty = True
        self._filter_target: Filterable | None = None

    @property
    def console(self) -> DoradoConsole:
        return cast("DoradoConsole", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="chrome"):
            yield StatusBar()
            yield NavBar(self.MODE)
            yield KillBanner()
        yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        # Textual calls every class's on_mount along the MRO: subclasses configure with TITLES
        # and hooks instead of their own on_mount, so nothing here runs twice.
        for selector, title in self.TITLES.items():
            self.query_one(selector).border_title = title
        for feed in self.query(EventFeed):
            feed.show(self.console.event_log, self.console.exchange_tz)
        self.watch(self.app, "snapshot", self._snapshot_changed, init=False)
        self.console.marks_signal.subscribe(self, self._marks_arrived)
        self.console.events_signal.subscribe(self, self._events_arrived)
        self._catch_up()

    @property
    def showing(self) -> bool:
        return self.app.current_mode == self.MODE

    def on_screen_resume(self) -> None:
        if self._dirty:
            self._catch_up()

    def _catch_up(self) -> None:
        snap = self.console.snapshot
        if snap is not None:
            self._dirty = False
            self.show_snapshot(snap)
            self.show_marks(list(self.console.marks.values()))

    def _snapshot_changed(self, snap: DashboardSnapshot | None) -> None:
        if snap is None:
            return
        if self.showing:
            self._dirty = False
            self.show_snapshot(snap)
        else:
            self._dirty = True

    def _marks_arrived(self, marks: list[PositionMark]) -> None:
        if self.showing:
            self.show_marks(marks)
        else:
            self._dirty = True

    def _events_arrived(self, events: list[EventView]) -> None:
        for feed in self.query(EventFeed):
            feed.append(events, self.console.exchange_tz)

    def show_snapshot(self, snap: DashboardSnapshot) -> None:
        """Draw the snapshot (only called while this screen's mode is showing)."""

    def show_marks(self, marks: list[PositionMark]) -> None:
        """Patch live marks into position tables (none by default)."""

    # -- filter -------------------------------------------------------------------------------
    def default_filter_target(self) -> Filterable | None:
        tables = self.query(SyncTable)
        return tables.first() if tables else None

    async def action_filter(self) -> None:
        focused: Widget | None = self.focused
        target = focused if isinstance(focused, (SyncTable, EventFeed)) else self.default_filter_target()
        if target is None:
            self.notify("nothing to filter on this screen", severity="warning")
            return
        self._filter_target = target
        bars = self.query(FilterBar)
        if bars:
            bar = bars.first()
        else:
            # mounted on first use: an Input composed into a mode's first screen trips Textual's
            # eager-task start-up (its selection watcher asks for a screen not yet on the stack)
            bar = FilterBar(placeholder="filter rows… (enter keeps, escape clears)", id="filter")
            await self.mount(bar, before=self.query_one(Footer))
        bar.value = target.filter_text
        bar.add_class("-open")
        bar.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self._apply_filter(event.value)
        bar = self.query_one(FilterBar)
        bar.remove_class("-open")
        if self._filter_target is not None:
            self._filter_target.focus()

    def _apply_filter(self, text: str) -> None:
        target = self._filter_target
        if isinstance(target, SyncTable):
            target.set_filter(text)
        elif isinstance(target, EventFeed):
            target.show(self.console.event_log, self.console.exchange_tz, needle=text)
