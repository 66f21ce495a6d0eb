"""Dialogs: approve with an annotation tag, reject with a reason, resume with reason + confirmation,
confirm quit, and the `?` key help. All keyboard-only; escape always backs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from dorado_tui.domain.annotations import AnnotationTag, tags_for
from dorado_tui.engine.console_views import BreakerState, CandidateView, DashboardSnapshot
from dorado_tui.tui import format as f
from dorado_tui.tui.keys import KEY_HELP

NO_TAG = "no-tag"


@dataclass(frozen=True)
class ApproveChoice:
    """The operator confirmed the approval, with the tag picked (None = approve without a tag)."""

    tag: AnnotationTag | None


def candidate_headline(c: CandidateView) -> str:
    return (f"#{c.rank} {c.underlying} {c.template} {c.strikes} · credit {f.money(c.credit, decimals=2)}"
            f" · max loss {f.money(c.max_loss)} · gates {f.gates_text([g.passed for g in c.gates]).plain}"
            f" · risk {f.check(c.risk_passed) if c.risk_checks else f.DASH}")


class ApproveScreen(ModalScreen[ApproveChoice | None]):
    """Approve a candidate: one key picks the annotation tag (1–8, or 0 for none) and approves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
        *(Binding(str(i), f"pick({i})", show=False) for i in range(9)),
    ]

    def __init__(self, candidate: CandidateView) -> None:
        super().__init__()
        self.candidate = candidate
        self.tags = tags_for(candidate.asset_class)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="approve-dialog") as box:
            box.border_title = "Approve candidate"
            yield Static(candidate_headline(self.candidate), classes="dialog-text")
            yield Static("Why? Pick a tag (enter or its number), 0 = no tag, escape = cancel.",
                         classes="dialog-hint")
            options = [Option(f"{i} {tag.label}", id=tag.value) for i, tag in enumerate(self.tags, 1)]
            yield OptionList(*options, Option("0 approve without a tag", id=NO_TAG), id="tags")

    @on(OptionList.OptionSelected, "#tags")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id
        self.dismiss(ApproveChoice(None if chosen in (None, NO_TAG) else AnnotationTag(chosen)))

    def action_pick(self, number: int) -> None:
        if number == 0:
            self.dismiss(ApproveChoice(None))
        elif number <= len(self.tags):
            self.dismiss(ApproveChoice(self.tags[number - 1]))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class _ReasonScreen(ModalScreen[str | None]):
    """A dialog that needs a non-empty reason typed by the operator."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Cancel")]
    TITLE_TEXT = ""
    PROMPT = ""

    def __init__(self, headline: str) -> None:
        super().__init__()
        self.headline = headline

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self.TITLE_TEXT
            yield Static(self.headline, classes="dialog-text", id="headline")
            yield Static(self.PROMPT, classes="dialog-hint", id="prompt")
            yield Input(placeholder="reason", id="reason")
            yield Static("", classes="dialog-error", id="error")

    def reason_ok(self, reason: str) -> bool:
        if len(reason) < 3:
            self.query_one("#error", Static).update("A reason of at least 3 characters is required.")
            return False
        return True

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class RejectScreen(_ReasonScreen):
    """Reject a candidate with a reason (the candidate continues as a paper twin)."""

    TITLE_TEXT = "Reject candidate"
    PROMPT = "Why reject it? (enter submits, escape cancels)"

    def __init__(self, candidate: CandidateView) -> None:
        super().__init__(candidate_headline(candidate))

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if self.reason_ok(reason):
            self.dismiss(reason)


def resume_headline(snap: DashboardSnapshot | None) -> str:
    if snap is None:
        return "Trading state unknown (no snapshot from the engine yet)."
    tr = snap.trading
    tripped = [b.name for b in (snap.risk.breakers if snap.risk else ()) if b.state is BreakerState.TRIPPED]
    text = f"Trading is {tr.global_state.value}" + (f" — {tr.reason}" if tr.reason else "") + "."
    if tripped:
        text += f" Resuming clears the latched breakers: {', '.join(tripped)}."
    return text


class ResumeScreen(_ReasonScreen):
    """Resume trading: a reason first, then an explicit y to confirm (n or escape backs out)."""

    TITLE_TEXT = "Resume trading"
    PROMPT = "Why is it safe to resume? (enter continues, escape cancels)"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("y", "confirm", "Confirm resume"),
        Binding("n", "dismiss_none", "Cancel"),
    ]

    def __init__(self, snapshot: DashboardSnapshot | None) -> None:
        super().__init__(resume_headline(snapshot))
        self.reason: str | None = None

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not self.reason_ok(reason):
            return
        self.reason = reason
        inp = self.query_one(Input)
        inp.disabled = True
        self.query_one("#error", Static).update("")
        self.query_one("#prompt", Static).update(
            Text(f"Resume trading with reason “{reason}”?  Press y to confirm, n or escape to cancel.",
                 style="bold"))
        self.set_focus(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return self.reason is not None  # no confirming before a reason was given
        return True

    def action_confirm(self) -> None:
        if self.reason is not None:
            self.dismiss(self.reason)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or enter says yes, n or escape says no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"), Binding("enter", "answer(True)", "Yes", show=False),
        Binding("n", "answer(False)", "No"), Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self.title_text
            yield Static(self.question, classes="dialog-text")
            yield Static("y = yes · n / escape = no", classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def help_table() -> Table:
    t = Table(box=None, padding=(0, 1), expand=True)
    t.add_column("Key", style="bold", no_wrap=True)
    t.add_column("What", ratio=1)
    t.add_column("Where", style="dim")
    for k in KEY_HELP:
        t.add_row(k.keys, k.what, k.where)
    return t


class HelpScreen(ModalScreen[None]):
    """Every key of the console (escape, q or ? closes)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"), Binding("q", "close", show=False),
        Binding("question_mark", "close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-dialog") as box:
            box.border_title = "Keys"
            yield Static(help_table())

    def action_close(self) -> None:
        self.dismiss(None)
