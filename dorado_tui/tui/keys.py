"""The console's key map in one place: bindings, the `?` help screen and the README read it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

#: (mode name, key, title) in screen order: `1`–`7` switch between them.
MODES: tuple[tuple[str, str, str], ...] = (
    ("dashboard", "1", "Dashboard"),
    ("candidates", "2", "Candidates"),
    ("positions", "3", "Positions"),
    ("regimes", "4", "Regimes"),
    ("risk", "5", "Risk"),
    ("bots", "6", "Bots"),
    ("log", "7", "Log"),
)

#: Keys that work on every screen. ctrl+k is a priority binding: it fires even inside dialogs
#: and text inputs, because the kill switch must never be swallowed by a focused widget.
APP_BINDINGS: list[Binding] = [
    Binding("ctrl+k", "kill", "KILL", priority=True, tooltip="Kill switch: HALTED + cancel all orders"),
    Binding("s", "scan", "Scan"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("q", "request_quit", "Quit"),
    Binding("ctrl+q", "request_quit", "Quit", show=False, priority=True),
    *(Binding(key, f"switch_mode('{mode}')", title, show=False) for mode, key, title in MODES),
]

FILTER_BINDING = Binding("slash", "filter", "Filter", key_display="/")
APPROVE_BINDING = Binding("a", "approve", "Approve")
REJECT_BINDING = Binding("r", "reject", "Reject")
RESUME_BINDING = Binding("R", "resume", "Resume", key_display="R")
TOGGLE_BOT_BINDING = Binding("e", "toggle_bot", "Enable/Disable")


@dataclass(frozen=True)
class KeyHelp:
    keys: str
    what: str
    where: str


#: The help text, screen by screen (the `?` screen and README show this table).
KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp("ctrl+k", "KILL SWITCH: HALTED now, cancel every working order (never asks)", "everywhere"),
    KeyHelp("1 … 7", "Dashboard Candidates Positions Regimes Risk Bots Log", "everywhere"),
    KeyHelp("s", "scan now (every bot in scan mode)", "everywhere"),
    KeyHelp("a", "approve the selected candidate, pick a tag (1–8, 0 none)", "Dash, Candidates"),
    KeyHelp("r", "reject the selected candidate with a reason", "Dash, Candidates"),
    KeyHelp("/", "filter the rows of a table; enter keeps, escape clears", "table screens"),
    KeyHelp("R", "resume trading: a reason, then y to confirm", "Risk only"),
    KeyHelp("e", "enable / disable the selected bot", "Bots"),
    KeyHelp("tab", "next pane (shift+tab back); arrows move in a table", "everywhere"),
    KeyHelp("enter", "open the selected row's detail", "tables"),
    KeyHelp("ctrl+p", "command palette: every action by name", "everywhere"),
    KeyHelp("?", "this help (escape closes)", "everywhere"),
    KeyHelp("q", "quit (asks first when orders are in flight)", "everywhere"),
)
