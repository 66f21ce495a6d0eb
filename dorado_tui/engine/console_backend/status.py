"""The status bar's facts: venue and connection, the masked store URL, and the trading states with
the kill banner, as the console shows them."""

from __future__ import annotations

from datetime import datetime, tzinfo

from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views import JobView, SchedulerRole, StatusView, TradingStatesView
from dorado_tui.risk.trading_state import GLOBAL, TradingStateBook
from dorado_tui.store.repos.audit import AuditEntry
from dorado_tui.store.urls import mask_url
from dorado_tui.venues.base import VenueStatus

KILL_CODE = "KILL_SWITCH"
_LABELS = {"simulation": "SIM", "ibkr": "IBKR"}


def venue_label(status: VenueStatus) -> str:
    """The short venue name of the status bar ("SIM", "IBKR")."""
    return _LABELS.get(status.name, status.name.upper())


def _age(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "none yet"
    secs = max(0, int((now - then).total_seconds()))
    return f"{secs}s ago" if secs < 120 else f"{secs // 60}m ago"


def venue_detail(status: VenueStatus, now: datetime, error: str = "") -> str:
    """One line on the connection: what the adapter says, account, server version, heartbeat and
    pacing budget where the venue has them, and the last connection error."""
    parts = [status.detail] if status.detail else []
    if status.account:
        parts.append(f"account {status.account}")
    if status.server_version is not None:
        parts.append(f"server v{status.server_version}")
    if status.last_heartbeat is not None or status.name == "ibkr":
        parts.append(f"heartbeat {_age(status.last_heartbeat, now)}")
    if status.pacing_budget is not None:
        parts.append(f"pacing {status.pacing_budget:.0f} msg/s free")
    if error and not status.connected:
        parts.append(f"last error: {error}")
    return " · ".join(parts)


def kill_banner(book: TradingStateBook, kill: AuditEntry | None, tz: tzinfo) -> str | None:
    """The banner sentence while a kill switch HALT holds, else None.

    The time is the trip's; the counts come from the kill's audit entry once it is written (the
    HALT commits before the cancels run, so for a moment there is a HALT without an entry).
    """
    scope = book.get(GLOBAL)
    trip = next((t for t in reversed(scope.trips) if t.code == KILL_CODE), None)
    if scope.state is not TradingState.HALTED or trip is None:
        return None
    when = trip.time.astimezone(tz)
    head = f"HALTED by kill switch at {when:%H:%M:%S} {when.tzname() or ''}".rstrip()
    if kill is None or kill.at < trip.time:
        return f"{head} — cancelling working orders…"
    p = kill.payload
    cancelled, working = len(p.get("cancelled") or ()), len(p.get("still_working") or ())
    text = f"{head} — {cancelled} orders cancelled"
    if working:
        text += f", {working} STILL WORKING at the venue"
    if p.get("venue_error"):
        text += f", venue failed: {p['venue_error']}"
    return text


def trading_view(book: TradingStateBook, kill: AuditEntry | None, tz: tzinfo) -> TradingStatesView:
    """Global, per-layer and per-bot states held in the store, with the global reason and banner."""
    layers = {s.split(":", 1)[1]: st.state for s, st in book.scopes.items() if s.startswith("layer:")}
    bots = {s.split(":", 1)[1]: st.state for s, st in book.scopes.items() if s.startswith("bot:")}
    g = book.get(GLOBAL)
    reason = "; ".join(t.reason for t in g.trips)
    return TradingStatesView(global_state=g.state, layers=layers, bots=bots, reason=reason,
                             since=g.since if g.state is not TradingState.ACTIVE else None,
                             kill_banner=kill_banner(book, kill, tz))


def status_view(venue: VenueStatus, store_url: str, role: SchedulerRole, jobs: tuple[JobView, ...],
                exchange_tz: str, trading: TradingStatesView, now: datetime, error: str = "") -> StatusView:
    """The status bar of one snapshot."""
    return StatusView(venue=venue_label(venue), venue_mode=venue.mode, connected=venue.connected,
                      venue_detail=venue_detail(venue, now, error), store_url=mask_url(store_url),
                      scheduler_role=role, next_jobs=jobs, exchange_tz=exchange_tz, trading=trading)
