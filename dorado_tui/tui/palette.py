"""Command palette entries: every console action by name (ctrl+p), offered where it applies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.screen import Screen

from dorado_tui.tui.keys import MODES

if TYPE_CHECKING:
    from dorado_tui.tui.app import DoradoConsole


def _screen_action(screen: Screen[object], name: str) -> SystemCommand | None:
    """A palette entry for an action the current screen implements (approve, reject, filter...)."""
    titles = {
        "approve": ("Approve selected candidate", "Pick an annotation tag, then approve (key a)"),
        "reject": ("Reject selected candidate", "Reject with a reason; it continues as a paper twin (key r)"),
        "filter": ("Filter rows", "Filter the table on this screen (key /)"),
        "resume": ("Resume trading…", "Clear the halt: reason, then confirmation (key R, risk screen only)"),
        "toggle_bot": ("Enable / disable selected bot", "Toggle the bot under the cursor (key e)"),
    }
    method = getattr(screen, f"action_{name}", None)
    if method is None:
        return None
    title, help_text = titles[name]
    return SystemCommand(title, help_text, method)


def console_commands(app: DoradoConsole, screen: Screen[object]) -> Iterator[SystemCommand]:
    """Kill, scan, screen switches, the current screen's actions, help and quit."""
    yield SystemCommand("KILL SWITCH", "HALTED now and cancel every working order (ctrl+k)", app.action_kill)
    yield SystemCommand("Scan now", "Run the scan for every bot in scan mode (key s)", app.action_scan)
    for mode, key, title in MODES:
        yield SystemCommand(f"Go to {title}", f"Switch to the {title} screen (key {key})",
                            lambda mode=mode: app.switch_mode(mode))
    for name in ("approve", "reject", "filter", "resume", "toggle_bot"):
        command = _screen_action(screen, name)
        if command is not None:
            yield command
    yield SystemCommand("Refresh now", "Re-read the engine's snapshot", app.request_refresh)
    yield SystemCommand("Keys", "Show every key of the console (key ?)", app.action_help)
    yield SystemCommand("Quit", "Quit the console (asks when orders are in flight; key q)",
                        app.action_request_quit)
