"""The order path: one episode (open, adjust or close) as a walk of limit orders, never doubled.

Per step: record the intent (its own transaction, or the caller's for the first step, where the
state transition lives) → submit → record the venue's answer and fills, and refresh the position,
in one transaction → wait for fills → if still working at the end of the step, cancel and wait
until the venue says the order is final → only then record the next step's intent. So at most one
order of an episode works at any time, every order has its intent before it exists, and a crash
anywhere leaves a state `recovery` can finish (look the intent up at the venue by client order id:
adopt it, or resubmit the same id, never a new one).

A rejected order is replaced once with fresh quotes (not for reasons that cannot change, such as a
closed market or missing buying power). An order still PENDING_SUBMIT after `stuck_seconds` is
looked up at the venue; one the venue never heard of is abandoned, and the episode stops rather
than risk a second live order. Live orders pass the risk gate (`RiskService.admit_order`) in the
intent's transaction and the post-submit HALT check; paper twins trade on their own simulated
account without the trading-state gate.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import RefusedByTradingState
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderResult, OrderStatus, OrderType
from dorado_tui.engine.lifecycle import book, records
from dorado_tui.engine.lifecycle.ids import (
    Purpose,
    client_order_id,
    parse_client_order_id,
    store_exec_id,
)
from dorado_tui.engine.lifecycle.pricing import NetPrice, net_price, order_limit, walk_net
from dorado_tui.engine.lifecycle.quotes import fetch_quotes
from dorado_tui.engine.lifecycle.settings import ExecutionSettings
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.store.database import Database
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos.orders import IntentStatus
from dorado_tui.venues.base import VenueAdapter

#: Reject reasons a replacement cannot cure (the venue would refuse again).
PERMANENT_REJECTS = ("market closed", "invalid contract", "invalid quantity", "insufficient buying power",
                     "insufficient ")


class Checkpoints(Protocol):
    """Hooks at each step of the order path (no-ops in production; the crash harness kills there)."""

    def __call__(self, name: str) -> None: ...


def no_checkpoints(name: str) -> None:
    """The production hook: nothing happens at a checkpoint."""


Pause = Callable[[float], Awaitable[None]]


def pause_for(clock: Clock) -> Pause:
    """How to wait `seconds`: a test or replay clock is moved forward, a real one slept on."""
    advance = getattr(clock, "advance", None)
    if callable(advance):
        async def move(seconds: float) -> None:
            advance(timedelta(seconds=seconds))
            await asyncio.sleep(0)
        return move
    return asyncio.sleep


@dataclass(frozen=True)
class Episode:
    """One attempt to trade `quantity` units of `legs` for a position."""

    position_id: str
    purpose: Purpose
    number: int
    legs: tuple[OrderLeg, ...]
    quantity: float
    bot_id: str
    candidate_id: str | None
    layer: str | None
    twin: bool

    def coid(self, step: int) -> str:
        return client_order_id(self.position_id, self.purpose, self.number, step)

    @property
    def prefix(self) -> str:
        return f"{self.position_id}.{self.purpose.value}{self.number}-"

    def order(self, step: int, quantity: float, net: float) -> Order:
        return Order(self.coid(step), self.legs, quantity, OrderType.LIMIT, order_limit(self.legs, net),
                     bot_id=self.bot_id, opening=self.purpose.opening, tag=self.purpose.tag)


@dataclass(frozen=True)
class Outcome:
    """How an episode ended: units filled of the target, the last answer, and why it stopped."""

    episode: Episode
    filled: float
    status: str  # filled | partial | unfilled | rejected | stuck | halted | unpriced
    reason: str
    last: OrderResult | None = None
    steps: int = 0

    @property
    def complete(self) -> bool:
        return self.filled >= self.episode.quantity - 1e-9


def episode_of(intent: order_repo.Intent) -> Episode:
    """The episode an intent belongs to (its first step's intent carries the target quantity)."""
    key = parse_client_order_id(intent.order.client_order_id)
    if key is None:
        raise ValueError(f"{intent.order.client_order_id} is not a lifecycle client order id")
    return Episode(key.position_id, key.purpose, key.episode, intent.order.legs, intent.order.quantity,
                   intent.order.bot_id or "", intent.candidate_id, None, key.twin)


def permanent(reason: str) -> bool:
    text = reason.lower()
    return any(p in text for p in PERMANENT_REJECTS)


class Executor:
    """Runs episodes against a venue (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock, risk: RiskService | None, settings: ExecutionSettings,
                 *, pause: Pause | None = None, checkpoints: Checkpoints = no_checkpoints,
                 collar: tuple[float, float] | None = None, namespaced: bool = False) -> None:
        self.db, self.clock, self.risk, self.settings = db, clock, risk, settings
        self.namespaced = namespaced  # the twin account: its exec ids are stored with a prefix
        self.pause = pause or pause_for(clock)
        self.checkpoint = checkpoints
        self.collar = collar  # (pct, min_abs) of the risk policy's price collar

    # ----------------------------------------------------------------- intents

    async def record_step(self, tx: AsyncSession, ep: Episode, step: int, quantity: float, net: float) -> Order:
        """Write step `step`'s intent in `tx` (through the risk gate for live orders)."""
        order = ep.order(step, quantity, net)
        if ep.twin or self.risk is None:
            await order_repo.record_intent(tx, order, at=self.clock.now(), candidate_id=ep.candidate_id,
                                           actor="paper-twin" if ep.twin else "engine")
            return order
        held = await _held(tx)
        admission = await self.risk.admit_order(tx, order, held, layer=ep.layer, candidate_id=ep.candidate_id)
        if not admission.admitted:
            raise RefusedByTradingState(f"{order.client_order_id} refused by the order gate: "
                                        f"{admission.decision.reason}")
        return order

    async def price(self, ep: Episode, venue: VenueAdapter, step: int) -> tuple[NetPrice, float]:
        """(fresh mid/natural, this step's net limit)."""
        quotes = await fetch_quotes(venue, [leg.instrument for leg in ep.legs])
        price = net_price(ep.legs, quotes.quotes)
        collar = math.inf if ep.twin or self.collar is None else \
            max(self.collar[0] / 100.0 * abs(price.mid), self.collar[1])
        return price, walk_net(price, step, self.settings, collar=collar)

    # ----------------------------------------------------------------- recording answers

    async def apply(self, result: OrderResult, ep: Episode) -> None:
        """Record the venue's view of an order and its fills, and refresh the position: one unit."""
        stored = _namespaced(result, self.namespaced)
        async with self.db.transaction() as tx:
            await order_repo.record_order_result(tx, stored, self.clock.now())
            intent = await order_repo.get_intent(tx, result.client_order_id)
            if intent is not None and intent.status is not IntentStatus.RESOLVED:
                status = IntentStatus.SUBMITTED if result.status.is_working else IntentStatus.RESOLVED
                await order_repo.mark_intent(tx, result.client_order_id, status, self.clock.now(), result.reason)
            # a kill here dies inside the transaction: the answer and its fills roll back together
            self.checkpoint("fills_recorded" if result.fills else "answer_recorded")
            await book.refresh(tx, ep.position_id)

    async def filled_units(self, ep: Episode) -> float:
        async with self.db.read() as s:
            fills = await records.fills_with_prefix(s, ep.prefix)
        first = ep.legs[0]
        return sum(f.quantity for f in fills if f.leg_index == 0 and f.symbol == first.instrument.symbol) / first.ratio

    async def rejected_steps(self, ep: Episode) -> int:
        async with self.db.read() as s:
            coids = await records.intent_ids_with_prefix(s, ep.prefix)
            found = [await order_repo.get_order(s, c) for c in coids]
        return sum(1 for r in found if r is not None and r.status is OrderStatus.REJECTED)

    # ----------------------------------------------------------------- one step

    async def submit(self, order: Order, venue: VenueAdapter, ep: Episode) -> OrderResult:
        self.checkpoint("intent_recorded")
        if ep.twin or self.risk is None:
            result = await venue.place_order(order)
        else:
            result = await self.risk.submit_admitted(venue, order, layer=ep.layer)
        self.checkpoint("submitted")
        await self.apply(result, ep)
        self.checkpoint("applied")
        return result

    async def work(self, result: OrderResult, venue: VenueAdapter, ep: Episode) -> OrderResult:
        """Wait out one step: poll until final or the step time is up, then cancel and confirm.

        An order still PENDING_SUBMIT when `stuck_seconds` have passed is looked up at the venue
        (`unstick`) instead of cancelled blind.
        """
        coid = result.client_order_id
        started = self.clock.now()
        step_end = started + timedelta(seconds=self.settings.step_seconds)
        stuck_at = started + timedelta(seconds=self.settings.stuck_seconds)
        while result.status.is_working:
            pending = result.status is OrderStatus.PENDING_SUBMIT
            end = stuck_at if pending else step_end
            if self.clock.now() >= end:
                if pending:
                    return await self.unstick(result, venue, ep)
                break
            await self.pause(max(min(self.settings.poll_seconds, (end - self.clock.now()).total_seconds()), 1e-3))
            seen = await venue.get_order(coid)
            if seen is None:
                continue
            if _changed(seen, result):
                await self.apply(seen, ep)
            result = seen
        if result.status.is_working:
            result = await self.cancel(result, venue, ep)
        return result

    async def cancel(self, result: OrderResult, venue: VenueAdapter, ep: Episode) -> OrderResult:
        """Cancel a working order and wait until the venue reports it final (fills included)."""
        coid = result.client_order_id
        await venue.cancel_order(coid)
        self.checkpoint("cancel_sent")
        deadline = self.clock.now() + timedelta(seconds=self.settings.cancel_confirm_seconds)
        while True:
            seen = await venue.get_order(coid)
            if seen is not None:
                if _changed(seen, result):
                    await self.apply(seen, ep)
                result = seen
            if result.status.is_final or self.clock.now() >= deadline:
                return result
            await self.pause(self.settings.poll_seconds)

    async def unstick(self, result: OrderResult, venue: VenueAdapter, ep: Episode) -> OrderResult:
        """An order never acknowledged: ask the venue; abandon it when the venue never saw it."""
        seen = await venue.get_order(result.client_order_id)
        if seen is not None:
            await self.apply(seen, ep)
            return seen
        await venue.cancel_order(result.client_order_id)  # in case it surfaces later
        async with self.db.transaction() as tx:
            await order_repo.mark_intent(tx, result.client_order_id, IntentStatus.ABANDONED, self.clock.now(),
                                         "never acknowledged by the venue (stuck pending)")
        return result


def _changed(a: OrderResult, b: OrderResult) -> bool:
    return (a.status, a.filled_quantity, len(a.fills)) != (b.status, b.filled_quantity, len(b.fills))


def _namespaced(result: OrderResult, twin: bool) -> OrderResult:
    if not twin:
        return result
    fills = tuple(replace(f, exec_id=store_exec_id(f.exec_id, twin=True)) for f in result.fills)
    return replace(result, fills=fills)


async def _held(tx: AsyncSession) -> dict[str, float]:
    """Signed quantities per symbol over every open live position (the gate's REDUCING test)."""
    held: dict[str, float] = {}
    for position in await position_repo.positions(tx, paper=False):
        for leg in position.legs:
            held[leg.symbol] = held.get(leg.symbol, 0.0) + leg.quantity
    return held


def net_action(legs: tuple[OrderLeg, ...]) -> Action:
    """The fill-quality action: combos are quoted as a net debit (BUY); single legs by their side."""
    return legs[0].action if len(legs) == 1 else Action.BUY
