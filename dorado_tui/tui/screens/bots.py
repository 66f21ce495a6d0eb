"""Bots: each bot's state, venue mode and trading state; enable or disable the selected one."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType

from dorado_tui.engine.console_views import BotView, DashboardSnapshot
from dorado_tui.tui.keys import FILTER_BINDING, TOGGLE_BOT_BINDING
from dorado_tui.tui.messages import BotToggleRequested
from dorado_tui.tui.rows import BOT_COLUMNS, bot_row
from dorado_tui.tui.screens.base import ConsoleScreen
from dorado_tui.tui.widgets.panels import Panel, trading_states_table
from dorado_tui.tui.widgets.table import SyncTable


class BotsScreen(ConsoleScreen):
    """Bots with state machine state and effective trading state; layers' states below."""

    MODE = "bots"
    BINDINGS: ClassVar[list[BindingType]] = [TOGGLE_BOT_BINDING, FILTER_BINDING]

    def body(self) -> ComposeResult:
        yield SyncTable(BOT_COLUMNS, id="bots", classes="pane")
        yield Panel(id="bot-states", classes="pane")

    TITLES: ClassVar[dict[str, str]] = {"#bots": "Bots", "#bot-states": "Trading state by scope"}

    def show_snapshot(self, snap: DashboardSnapshot) -> None:
        self.query_one("#bots", SyncTable).sync([(b.id, bot_row(b)) for b in snap.bots])
        self.query_one("#bot-states", Panel).show_for(snap.trading, trading_states_table)

    def selected_bot(self) -> BotView | None:
        key = self.query_one("#bots", SyncTable).selected_key
        snap = self.console.snapshot
        if snap is None or key is None:
            return None
        return next((b for b in snap.bots if b.id == key), None)

    def action_toggle_bot(self) -> None:
        bot = self.selected_bot()
        if bot is None:
            self.notify("no bot selected", severity="warning")
            return
        self.post_message(BotToggleRequested(bot))
