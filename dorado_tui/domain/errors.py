"""Dorado's error hierarchy: each error carries the CLI exit code and a one-line message."""

from __future__ import annotations


class DoradoError(Exception):
    """Base error: `message` is one friendly line; `title` names the area for the console."""

    exit_code: int = 1
    title: str = "Dorado error"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title


class BadInput(DoradoError):
    """Input the operator gave is wrong (exit 2); nothing was written."""

    exit_code = 2
    title = "Bad input"


class ConfigError(BadInput):
    """A configuration file is invalid; `problems` lists every error found."""

    title = "Configuration error"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class RefusedByTradingState(DoradoError):
    """The trading state (REDUCING/HALTED) forbids the action (exit 3)."""

    exit_code = 3
    title = "Refused by trading state"


class IllegalTransition(DoradoError):
    """A bot state transition that the state machine does not allow."""

    title = "Illegal state transition"


class VenueError(DoradoError):
    """A venue refused or failed a request."""

    title = "Venue error"


class PacingViolation(VenueError):
    """The venue refused a request because its message-rate limit was exceeded (retry later).

    `retry_after` is the number of seconds the venue asks to wait (0 when it does not say).
    """

    title = "Venue pacing limit"

    def __init__(self, message: str, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StoreError(DoradoError):
    """The store is unavailable or inconsistent."""

    title = "Store error"


class IntegrityError(StoreError):
    """The audit chain or another invariant of the store is broken."""

    title = "Integrity check failed"
