"""Clocks: the only source of time for the pure core (real, fixed and fast-forward simulated)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")


class Clock(Protocol):
    """Anything that can tell the current time (always timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} given where an aware one is required")
    return moment.astimezone(UTC)


class RealClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to: for tests and as-of runs."""

    moment: datetime

    def __post_init__(self) -> None:
        self.moment = _require_aware(self.moment)

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        """Jump to an instant (may go backwards: tests use that to prove idempotence)."""
        self.moment = _require_aware(moment)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new instant."""
        if delta < timedelta(0):
            raise ValueError("FixedClock.advance takes a non-negative delta")
        self.moment = self.moment + delta
        return self.moment


@dataclass
class SimulatedClock:
    """Fast-forward clock for replays: time advances in explicit steps, never by itself.

    `history` records every step so a replay report can say what it visited.
    """

    start: datetime
    history: list[datetime] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.start = _require_aware(self.start)
        self._now = self.start

    def now(self) -> datetime:
        return self._now

    def advance_to(self, moment: datetime) -> datetime:
        """Move to a later instant; moving backwards is a bug in the replay loop."""
        moment = _require_aware(moment)
        if moment < self._now:
            raise ValueError(f"simulated clock cannot go back from {self._now} to {moment}")
        self._now = moment
        self.history.append(moment)
        return moment

    def advance(self, delta: timedelta) -> datetime:
        return self.advance_to(self._now + delta)


def exchange_date(clock: Clock, tz: ZoneInfo = NEW_YORK) -> date:
    """The calendar date at the exchange (New York by default) for the clock's instant."""
    return clock.now().astimezone(tz).date()
