"""Live marks for the console: the open positions' legs quoted on a cadence, each changed position
turned into a `PositionMark`, and the P&L path seen since the console opened.

One quote request per venue and pass (all legs at once, through the lifecycle's `fetch_quotes`),
never per position, so a slow venue or link costs one round trip per pass; only positions whose
P&L or Greeks moved are sent (the console coalesces further per position), in chunks spaced so
that a pass moving every position never floods the console. Marks stay in memory: the
lifecycle monitor records marks in the store on its own cadence, with its books.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import VenueError
from dorado_tui.engine.console_backend.loops import Periodic, Priority
from dorado_tui.engine.console_backend.positions import LiveMark, mark_position, multiplier
from dorado_tui.engine.console_backend.queries import open_positions
from dorado_tui.engine.console_views import Greeks, PnlPoint, PositionMark
from dorado_tui.engine.lifecycle.quotes import fetch_quotes
from dorado_tui.store.database import Database
from dorado_tui.store.repos.positions import ManagedPosition
from dorado_tui.venues.base import VenueAdapter

log = logging.getLogger(__name__)

#: P&L points kept per position (one per changed mark).
HISTORY = 500
#: Positions marked between two pause points (see `loops.Priority`).
YIELD_EVERY = 25
#: Marks handed to the console at once, and the pause between such chunks: a pass that moved a
#: thousand positions reaches the console as five chunks, none of which keeps its loop > 50 ms.
CHUNK = 200
CHUNK_GAP = 0.05
_MOVE = 0.005  # currency units: smaller P&L changes are not news


class MarkPump:
    """Marks the open live positions every `every` seconds (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock, venue_of: Callable[[ManagedPosition], VenueAdapter],
                 publish: Callable[[PositionMark], None], priority: Priority, *, every: float = 5.0) -> None:
        self.db, self.clock, self.venue_of, self.publish, self.every = db, clock, venue_of, publish, every
        self.priority = priority
        self._live: dict[str, LiveMark] = {}
        self._paths: dict[str, deque[PnlPoint]] = {}
        self._revisions: dict[str, int] = {}
        self._loop = Periodic("console-marks", self._pass, every)
        self.last_error = ""

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    @property
    def live(self) -> Mapping[str, LiveMark]:
        return self._live

    def revision(self, position_id: str) -> int:
        """How many marks of the position were recorded here: it grows with every change of its live
        mark or P&L path, even when a later mark equals an earlier one (a fixed clock, a quote back)."""
        return self._revisions.get(position_id, 0)

    def history(self, p: ManagedPosition) -> tuple[PnlPoint, ...]:
        """The P&L path of `p`: zero at the open, its stored mark, then every mark seen here."""
        points = [PnlPoint(p.opened_at, 0.0)]
        if p.marked_at is not None and p.marked_at > p.opened_at:
            points.append(PnlPoint(p.marked_at, p.realized_pnl + p.unrealized_pnl))
        points += [pt for pt in self._paths.get(p.position_id, ()) if pt.time > points[-1].time]
        return tuple(points)

    async def mark_once(self) -> list[PositionMark]:
        """One pass: quote, mark, publish the moved positions (returned too)."""
        await self.priority.pause_point()
        async with self.db.read() as s:
            held = await open_positions(s, pause=self.priority.pause_point)
        self._forget({p.position_id for p in held})
        by_venue: dict[int, tuple[VenueAdapter, list[ManagedPosition]]] = {}
        for p in held:
            venue = self.venue_of(p)
            by_venue.setdefault(id(venue), (venue, []))[1].append(p)
        out: list[PositionMark] = []
        for venue, group in by_venue.values():
            quotes = await fetch_quotes(venue, [leg.instrument for p in group for leg in p.legs])
            mids, now = quotes.marks(), self.clock.now()
            for i, p in enumerate(group, 1):
                mark = mark_position(p, quotes, mids, now)
                if mark is not None and self._moved(mark):
                    out.append(self._record(p, mark))
                if i % YIELD_EVERY == 0:
                    await self.priority.pause_point()
        for start in range(0, len(out), CHUNK):
            if start:
                await asyncio.sleep(CHUNK_GAP)
            for item in out[start:start + CHUNK]:
                self.publish(item)
        return out

    def _moved(self, mark: LiveMark) -> bool:
        old = self._live.get(mark.position_id)
        if old is None:
            return True
        return abs(old.unrealized - mark.unrealized) >= _MOVE or any(
            abs(old.greeks.get(k, 0.0) - v) > 1e-9 for k, v in mark.greeks.items())

    def _record(self, p: ManagedPosition, mark: LiveMark) -> PositionMark:
        self._live[p.position_id] = mark
        self._revisions[p.position_id] = self._revisions.get(p.position_id, 0) + 1
        self._paths.setdefault(p.position_id, deque(maxlen=HISTORY)).append(
            PnlPoint(mark.time, p.realized_pnl + mark.unrealized))
        g = mark.greeks
        return PositionMark(p.position_id, -mark.unit_mark * multiplier(p), mark.unrealized, mark.time,
                            Greeks(g.get("delta", 0.0), g.get("gamma", 0.0), g.get("vega", 0.0), g.get("theta", 0.0)))

    def _forget(self, open_ids: set[str]) -> None:
        for gone in set(self._live) - open_ids:
            self._live.pop(gone, None)
            self._paths.pop(gone, None)
            self._revisions.pop(gone, None)

    async def _pass(self) -> None:
        try:
            await self.mark_once()
            self.last_error = ""
        except (VenueError, OSError, TimeoutError) as exc:
            self.last_error = getattr(exc, "message", None) or str(exc) or type(exc).__name__
