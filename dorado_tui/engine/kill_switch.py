"""The kill switch: HALTED everywhere, every working order at the venue cancelled (including ones
the store never knew), and on request every position closed with marketable limit orders.

Order of work matters: the HALT is committed first, so no order can be admitted while the
cancels run; cancels go out concurrently and the venue is asked again until nothing works
(bounded rounds). Flattening buys back short legs before selling long ones, so a spread is never
left naked on the way out; each closing order is recorded as an intent (audited) before it is
sent, and is checked to reduce its position.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from datetime import datetime

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import Instrument
from dorado_tui.domain.orders import Action, CancelResult, Order, OrderLeg, OrderResult, OrderType
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views.ports import KillReport
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.risk.trading_state import GLOBAL, Resume, Trip, reduces_every_leg
from dorado_tui.store.repos import audit
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import risk as risk_repo
from dorado_tui.venues.base import OptionsVenueAdapter, VenueAdapter

CANCEL_ROUNDS = 5


@dataclass(frozen=True, slots=True)
class KillOutcome:
    """What the kill did: the state held, the cancels, what still works, and the flatten orders."""

    state: TradingState
    at: datetime
    cancelled: tuple[CancelResult, ...]
    still_working: tuple[str, ...]
    flatten_orders: tuple[OrderResult, ...]
    not_flattened: tuple[str, ...]
    elapsed_seconds: float
    venue_error: str = ""

    @property
    def message(self) -> str:
        if self.venue_error:
            return f"HALTED; the venue failed ({self.venue_error}): orders there may still be working"
        text = (f"HALTED; {sum(c.cancelled for c in self.cancelled)} working order(s) cancelled, "
                f"{len(self.still_working)} still working")
        if self.flatten_orders or self.not_flattened:
            text += f"; {len(self.flatten_orders)} closing order(s) sent"
            if self.not_flattened:
                text += f", not flattened (no usable quote): {', '.join(self.not_flattened)}"
        return text

    def as_console_report(self) -> KillReport:
        """The console's view of this kill."""
        return KillReport(self.state, sum(c.cancelled for c in self.cancelled), len(self.still_working), self.at,
                          self.message)

    def as_dict(self) -> dict[str, object]:
        return {"state": self.state.value, "at": self.at.isoformat(), "message": self.message,
                "cancelled": [c.client_order_id for c in self.cancelled if c.cancelled],
                "still_working": list(self.still_working),
                "flatten_orders": [{"client_order_id": r.client_order_id, "status": r.status.value,
                                    "reason": r.reason} for r in self.flatten_orders],
                "not_flattened": list(self.not_flattened), "elapsed_seconds": self.elapsed_seconds,
                "venue_error": self.venue_error or None}


def marketable_price(action: Action, bid: float, ask: float, tick: float, ticks_through: int = 2) -> float | None:
    """A limit that crosses the spread by `ticks_through` ticks, on the tick grid; None without a
    usable two-sided quote (a blind market order on an option is not a safe way out)."""
    if not (math.isfinite(bid) and math.isfinite(ask)) or ask <= 0 or bid < 0 or ask < bid:
        return None
    tick = tick if tick > 0 else 0.01
    if action is Action.BUY:
        return math.ceil(round((ask + ticks_through * tick) / tick, 9)) * tick
    price = math.floor(round((bid - ticks_through * tick) / tick, 9)) * tick
    return max(price, tick)


class KillSwitch:
    """Binds the kill and the resume to one store (through RiskService) and one venue."""

    def __init__(self, risk: RiskService, venue: VenueAdapter, clock: Clock, *,
                 cancel_rounds: int = CANCEL_ROUNDS) -> None:
        self.risk, self.venue, self.clock, self.cancel_rounds = risk, venue, clock, cancel_rounds

    async def kill(self, *, flatten: bool = False, reason: str = "kill switch", operator: str = "operator",
                   connect_venue: bool = False) -> KillOutcome:
        """HALTED globally, cancel every working order at the venue, optionally flatten.

        The HALT is committed before the venue is touched (`connect_venue` connects it only
        then), so a broker that cannot be reached never delays or prevents the HALT.
        """
        started, at = time.perf_counter(), self.clock.now()
        why = f"{reason} (by {operator})"
        await self.risk.trip([Trip(GLOBAL, TradingState.HALTED, "KILL_SWITCH", why, at)], actor=operator,
                             kind="kill", decisions=[Decision("risk.kill_switch", False, "KILL_SWITCH", why,
                                                              None, None, {"scope": GLOBAL, "flatten": flatten})])
        cancelled: tuple[CancelResult, ...] = ()
        still: tuple[str, ...] = ()
        sent: tuple[OrderResult, ...] = ()
        skipped: tuple[str, ...] = ()
        error = ""
        try:
            if connect_venue:
                await self.venue.connect()
            cancelled, still = await self._cancel_everything()
            if flatten:
                sent, skipped = await self._flatten(operator)
        except (VenueError, OSError, TimeoutError) as exc:
            error = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        outcome = KillOutcome(TradingState.HALTED, at, cancelled, still, sent, skipped,
                              time.perf_counter() - started, error)
        await self._record(outcome, operator)
        return outcome

    async def resume(self, reason: str, operator: str = "operator") -> Resume:
        """Clear the global HALT and its latched trips (audited with the reason)."""
        return await self.risk.resume(GLOBAL, reason, operator)

    async def _cancel_everything(self) -> tuple[tuple[CancelResult, ...], tuple[str, ...]]:
        results: list[CancelResult] = []
        working: list[OrderResult] = []
        for _ in range(self.cancel_rounds):
            working = await self.venue.get_open_orders()
            if not working:
                break
            results.extend(await asyncio.gather(*(self.venue.cancel_order(o.client_order_id) for o in working)))
        else:
            working = await self.venue.get_open_orders()
        return tuple(results), tuple(o.client_order_id for o in working)

    async def _flatten(self, operator: str) -> tuple[tuple[OrderResult, ...], tuple[str, ...]]:
        positions = [p for p in await self.venue.get_positions() if abs(p.quantity) > 1e-12]
        quotes = await self._quotes([p.instrument for p in positions])
        held = {p.symbol: p.quantity for p in positions}
        stamp = self.clock.now().strftime("%Y%m%dT%H%M%S%f")
        orders, skipped = [], []
        # Short legs first: buying them back can only lower the risk of what is left.
        for n, p in enumerate(sorted(positions, key=lambda p: p.quantity >= 0)):
            action = Action.BUY if p.quantity < 0 else Action.SELL
            bid, ask = quotes.get(p.symbol, (math.nan, math.nan))
            price = marketable_price(action, bid, ask, p.instrument.tick)
            order = Order(f"kill-{stamp}-{n}", (OrderLeg(p.instrument, action, 1),), abs(p.quantity),
                          OrderType.LIMIT, price if price is not None else 1.0, opening=False, tag="kill_switch")
            if price is None or not reduces_every_leg(order, held):
                skipped.append(p.symbol)
                continue
            orders.append(order)
        results = []
        for order in orders:
            async with self.risk.db.transaction() as tx:
                await order_repo.record_intent(tx, order, at=self.clock.now(), actor=operator)
            results.append(await self.venue.place_order(order))
        return tuple(results), tuple(skipped)

    async def _quotes(self, instruments: list[Instrument]) -> dict[str, tuple[float, float]]:
        options = [i for i in instruments if i.is_option]
        others = [i.symbol for i in instruments if not i.is_option]
        out: dict[str, tuple[float, float]] = {}
        if others:
            out.update({q.symbol: (q.bid, q.ask) for q in await self.venue.get_quotes(others)})
        if options and isinstance(self.venue, OptionsVenueAdapter):
            out.update({c.symbol: (c.bid, c.ask) for c in await self.venue.get_option_quotes(options)})
        return out

    async def _record(self, outcome: KillOutcome, operator: str) -> None:
        async with self.risk.db.transaction() as tx:
            await audit.append(tx, actor=operator, action="risk.kill", subject=GLOBAL, at=outcome.at,
                               payload=outcome.as_dict())
            for result in outcome.flatten_orders:
                await order_repo.record_order_result(tx, result, self.clock.now())
            if outcome.venue_error:
                decision = Decision("risk.kill_switch", False, "VENUE_FAILED",
                                    f"kill could not finish at the venue: {outcome.venue_error}", None, None,
                                    {"scope": GLOBAL})
                await risk_repo.record_risk_events(tx, [decision], at=outcome.at, kind="kill")
            if outcome.still_working:
                decision = Decision("risk.kill_switch", False, "ORDERS_STILL_WORKING",
                                    f"{len(outcome.still_working)} order(s) still working after "
                                    f"{self.cancel_rounds} cancel rounds: {', '.join(outcome.still_working)}",
                                    float(len(outcome.still_working)), 0.0, {"scope": GLOBAL})
                await risk_repo.record_risk_events(tx, [decision], at=outcome.at, kind="kill")

