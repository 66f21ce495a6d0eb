"""Operator actions of the console: kill, scan, approve, reject, resume, enable/disable, help, quit.

Each backend call runs in a worker on the app (so failures reach the one error funnel); the
kill switch paints its banner before the engine is even called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App

from dorado_tui.engine.console_views import ActionResult, BotView, CandidateView, KillReport
from dorado_tui.tui import format as f
from dorado_tui.tui.messages import (
    ApproveRequested,
    BotToggleRequested,
    RejectRequested,
    ResumeRequested,
)
from dorado_tui.tui.screens.dialogs import (
    ApproveChoice,
    ApproveScreen,
    ConfirmScreen,
    HelpScreen,
    RejectScreen,
    ResumeScreen,
)

if TYPE_CHECKING:
    from datetime import tzinfo

    from dorado_tui.domain.clock import Clock
    from dorado_tui.engine.console_views import ConsoleBackend, DashboardSnapshot

    _Base = App[None]
else:
    _Base = object


def kill_banner(report: KillReport, text_time: str) -> str:
    """The banner after the engine answered the kill switch."""
    working = (f" — {report.working_orders} ORDERS STILL WORKING AT THE VENUE" if report.working_orders
               else ", none working")
    return (f"■ {report.state.value} by kill switch at {text_time} — {report.cancelled_orders} orders "
            f"cancelled{working} · resume: 5, R")


def result_note(result: ActionResult) -> tuple[str, str]:
    """(message, severity) of an action result: refusals list the failing decisions."""
    if result.ok:
        return result.message, "information"
    failures = "; ".join(d.reason for d in result.decisions if not d.passed)
    return (result.message + (f" — {failures}" if failures else "")), "warning"


class ActionsMixin(_Base):
    """The app's action handlers (mixed into `DoradoConsole`)."""

    if TYPE_CHECKING:
        backend: ConsoleBackend
        clock: Clock
        snapshot: DashboardSnapshot | None
        kill_pending: str | None

        @property
        def exchange_tz(self) -> tzinfo: ...
        def request_refresh(self) -> None: ...
        def _running_in(self, group: str) -> bool: ...

    # -- kill switch --------------------------------------------------------------------------
    def action_kill(self) -> None:
        """Banner first, then the engine: nothing between the key and the HALT asks anything."""
        stamp = f.clock(self.clock.now(), self.exchange_tz)
        self.kill_pending = (f"■ KILL SWITCH ENGAGED {stamp} — halting and cancelling every working "
                             "order…")
        self._kill()

    @work(group="kill", exit_on_error=False)
    async def _kill(self) -> None:
        try:
            report = await self.backend.kill()
        except Exception as exc:
            self.kill_pending = (f"■ KILL SWITCH FAILED: {exc} — run `dorado kill` or use the venue's "
                                 "own controls NOW")
            raise
        self.kill_pending = kill_banner(report, f.clock(report.at, self.exchange_tz))
        self.request_refresh()

    # -- scan ---------------------------------------------------------------------------------
    def action_scan(self) -> None:
        if self._running_in("scan"):
            self.notify("a scan is already running", severity="warning")
            return
        self.notify("scan started", timeout=3)
        self._scan()

    @work(group="scan", exit_on_error=False)
    async def _scan(self) -> None:
        self._note(await self.backend.scan_now())
        self.request_refresh()

    # -- approve / reject ---------------------------------------------------------------------
    def on_approve_requested(self, message: ApproveRequested) -> None:
        cand = message.candidate

        def chosen(choice: ApproveChoice | None) -> None:
            if choice is not None:
                self._approve(cand, choice)

        self.push_screen(ApproveScreen(cand), chosen)

    @work(group="action", exit_on_error=False)
    async def _approve(self, cand: CandidateView, choice: ApproveChoice) -> None:
        self._note(await self.backend.approve(cand.id, choice.tag))
        self.request_refresh()

    def on_reject_requested(self, message: RejectRequested) -> None:
        cand = message.candidate

        def given(reason: str | None) -> None:
            if reason is not None:
                self._reject(cand, reason)

        self.push_screen(RejectScreen(cand), given)

    @work(group="action", exit_on_error=False)
    async def _reject(self, cand: CandidateView, reason: str) -> None:
        self._note(await self.backend.reject(cand.id, reason))
        self.request_refresh()

    # -- resume (risk screen only) --------------------------------------------------------------
    def on_resume_requested(self, _message: ResumeRequested) -> None:
        if self.current_mode != "risk":
            self.notify("resume only from the Risk screen (5)", severity="warning")
            return

        def given(reason: str | None) -> None:
            if reason is not None:
                self._resume(reason)

        self.push_screen(ResumeScreen(self.snapshot), given)

    @work(group="action", exit_on_error=False)
    async def _resume(self, reason: str) -> None:
        result = await self.backend.resume(reason)
        if result.ok:
            self.kill_pending = None
        self._note(result)
        self.request_refresh()

    # -- bots -----------------------------------------------------------------------------------
    def on_bot_toggle_requested(self, message: BotToggleRequested) -> None:
        self._set_bot(message.bot)

    @work(group="action", exit_on_error=False)
    async def _set_bot(self, bot: BotView) -> None:
        self._note(await self.backend.set_bot_enabled(bot.id, not bot.enabled))
        self.request_refresh()

    # -- navigation, help, quit -----------------------------------------------------------------
    def open_detail(self, mode: str, key: Any) -> None:
        """Switch to a mode screen and put its cursor on `key` (enter on a dashboard row)."""
        self.call_later(self._open_detail, mode, str(key))

    async def _open_detail(self, mode: str, key: str) -> None:
        await self.switch_mode(mode)
        select = getattr(self.screen, "select", None)
        if select is not None:
            select(key)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_request_quit(self) -> None:
        self._quit_flow()

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def _quit_flow(self) -> None:
        try:
            working = await self.backend.orders_in_flight()
            question = (f"{working} order(s) are in flight at the venue; they stay working after the "
                        "console quits. Quit anyway?") if working else ""
        except Exception as exc:
            question = f"Could not check orders in flight ({exc}). Quit anyway?"
        if question and not await self.push_screen_wait(ConfirmScreen("Quit Dorado?", question)):
            return
        self.exit()

    def _note(self, result: ActionResult) -> None:
        message, severity = result_note(result)
        self.notify(message, severity=severity)  # type: ignore[arg-type]

