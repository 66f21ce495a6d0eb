"""Console messages: operator requests travel up to the app, live-stream wake-ups are coalesced."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from dorado_tui.engine.console_views import BotView, CandidateView


class MarksPending(Message):
    """New position marks wait in the app's buffer.

    Carries no payload: the handler drains the whole buffer, so any number of pending wake-ups
    collapse into one (`can_replace`) and a burst of quotes costs one table update.
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MarksPending)


class EventsPending(Message):
    """New audit events wait in the app's buffer (coalesced like `MarksPending`)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EventsPending)


class SnapshotStale(Message):
    """The engine said the snapshot is out of date; one re-read answers any number of these."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotStale)


@dataclass
class ApproveRequested(Message):
    """The operator asked to approve a candidate (the app asks for the tag, then calls the engine)."""

    candidate: CandidateView


@dataclass
class RejectRequested(Message):
    """The operator asked to reject a candidate (the app asks for the reason)."""

    candidate: CandidateView


@dataclass
class BotToggleRequested(Message):
    """The operator asked to enable or disable a bot."""

    bot: BotView


class ResumeRequested(Message):
    """The operator asked to resume trading (only the risk screen sends this)."""
