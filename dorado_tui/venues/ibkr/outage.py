"""Outage accounting for the IB connection: how long trading has been impossible, minus the
gateway's known nightly restart window, and what trading state that recommends (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dorado_tui.domain.states import TradingState


@dataclass(frozen=True, slots=True)
class RestartWindow:
    """IB Gateway's daily auto-restart: `minutes` from `start` local time in `tz`."""

    start: time
    minutes: int
    tz: str = "America/New_York"

    def occurrence(self, day: date) -> tuple[datetime, datetime]:
        begin = datetime.combine(day, self.start, tzinfo=ZoneInfo(self.tz))
        return begin, begin + timedelta(minutes=self.minutes)

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.tz)).date()
        for day in (local - timedelta(days=1), local):
            begin, end = self.occurrence(day)
            if begin <= moment < end:
                return True
        return False

    def overlap(self, start: datetime, end: datetime) -> float:
        """Seconds of [start, end) that fall inside restart windows."""
        if self.minutes <= 0 or end <= start:
            return 0.0
        tz = ZoneInfo(self.tz)
        day = start.astimezone(tz).date() - timedelta(days=1)
        last = end.astimezone(tz).date()
        total = 0.0
        while day <= last:
            begin, finish = self.occurrence(day)
            lo, hi = max(begin, start), min(finish, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total


@dataclass(frozen=True, slots=True)
class VenueAlert:
    """What the engine is told when an outage crosses a threshold (or ends)."""

    venue: str
    recommendation: TradingState
    reason: str
    outage_s: float
    time: datetime
    #: IB_OUTAGE (connection down too long), IB_RESYNC_FAILED (the post-connect pull or the
    #: reconciliation raised), IB_RESYNC_PAUSED (reconciliation kept orders paused).
    code: str = "IB_OUTAGE"
    since: datetime | None = None  # when the outage began (None: not an outage)


def outage_seconds(since: datetime, now: datetime, window: RestartWindow) -> float:
    """Outage length that counts: wall time minus the part spent in the restart window."""
    return max((now - since).total_seconds() - window.overlap(since, now), 0.0)


def recommendation(outage_s: float, reducing_after_s: float, halt_after_s: float) -> TradingState:
    if outage_s >= halt_after_s:
        return TradingState.HALTED
    if outage_s >= reducing_after_s:
        return TradingState.REDUCING
    return TradingState.ACTIVE
