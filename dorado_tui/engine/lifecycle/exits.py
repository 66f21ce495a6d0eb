"""Exits and risk-reducing adjustments the monitor decides: orders built from the held legs.

- A full exit is MONITORING → CLOSING with the first close intent in the same transaction; a bot
  already CLOSING (an earlier close that did not fill) gets a new close episode without a step.
- Closing a tested side or halving is an adjustment (PRD: re-entry through SIGNAL_RECEIVED):
  MONITORING → SIGNAL_RECEIVED → RISK_CHECK → AWAITING_APPROVAL → EXECUTING in one transaction,
  approved by the management policy because every leg only reduces the position; the order gate
  still checks the trading state (REDUCING lets reducing orders through, HALTED does not).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.account import Position
from dorado_tui.domain.errors import RefusedByTradingState
from dorado_tui.domain.orders import Action, OrderLeg
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle import book, machine
from dorado_tui.engine.lifecycle.approval import next_episode
from dorado_tui.engine.lifecycle.execution import Episode
from dorado_tui.engine.lifecycle.finalize import Finished
from dorado_tui.engine.lifecycle.ids import Purpose, is_twin_position
from dorado_tui.engine.lifecycle.ledger import LegBook, combo_units, side_of
from dorado_tui.engine.lifecycle.pricing import Unpriceable
from dorado_tui.store.repos import positions as position_repo

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle

S = BotState


def closing_legs(held: Sequence[Position], side: str | None = None) -> tuple[float, tuple[OrderLeg, ...]]:
    """(units, legs) of the order that flattens `held` (or only its `side`: put, call, underlying)."""
    books = [LegBook(p.instrument, p.quantity, p.avg_cost) for p in held
             if side is None or side_of(p.instrument) == side]
    units, ratios = combo_units(books)
    legs = tuple(OrderLeg(leg.instrument, Action.SELL if leg.quantity > 0 else Action.BUY, ratio)
                 for leg, ratio in ratios)
    return units, legs


async def _episode(lc: Lifecycle, p: position_repo.ManagedPosition, purpose: Purpose, units: float,
                   legs: tuple[OrderLeg, ...]) -> Episode:
    return Episode(p.position_id, purpose, await next_episode(lc, p.position_id, purpose), legs, units,
                   p.bot_id, p.candidate_id, p.strategy_layer or None, is_twin_position(p.position_id))


async def _fresh(lc: Lifecycle, p: position_repo.ManagedPosition) -> position_repo.ManagedPosition:
    """The position with its legs recomputed from every recorded fill: an exit is never sized on
    legs that missed a fill someone else recorded."""
    async with lc.db.transaction() as tx:
        await book.refresh(tx, p.position_id)
        return await book.get(tx, p.position_id)


async def close(lc: Lifecycle, p: position_repo.ManagedPosition, reason: str, *, actor: str = "management",
                state: BotState = S.MONITORING) -> Finished | str:
    """Flatten a position: MONITORING → CLOSING (unless already CLOSING) and the close episode."""
    p = await _fresh(lc, p)
    units, legs = closing_legs(p.legs)
    if not legs:
        return "nothing held"
    ep = await _episode(lc, p, Purpose.CLOSE, units, legs)

    async def to_closing(tx: AsyncSession) -> None:
        if state is S.MONITORING:
            await machine.move(tx, p.bot_id, S.CLOSING, at=lc.clock.now(), reason=reason, actor=actor,
                               candidate_id=p.candidate_id, expected_from=S.MONITORING)
        await position_repo.update_position(tx, p.position_id, status="closing")

    return await _send(lc, p, ep, units, "close", to_closing, actor=actor, exit_reason=reason)


async def reduce(lc: Lifecycle, p: position_repo.ManagedPosition, reason: str, *, side: str | None = None,
                 half: bool = False, actor: str = "management") -> Finished | str:
    """Close one side, or half the units, as an auto-approved risk-reducing adjustment."""
    p = await _fresh(lc, p)
    units, legs = closing_legs(p.legs, side)
    if half:
        units = float(int(units // 2))
    if not legs or units <= 0:
        return await close(lc, p, reason, actor=actor)
    ep = await _episode(lc, p, Purpose.ADJUST, units, legs)

    async def to_executing(tx: AsyncSession) -> None:
        await machine.move(tx, p.bot_id, S.SIGNAL_RECEIVED, S.RISK_CHECK, S.AWAITING_APPROVAL, S.EXECUTING,
                           at=lc.clock.now(), reason=f"{reason} (reduces risk: approved by management policy)",
                           actor=actor, candidate_id=p.candidate_id, expected_from=S.MONITORING)

    return await _send(lc, p, ep, units, "adjust", to_executing, actor=actor)


async def _send(lc: Lifecycle, p: position_repo.ManagedPosition, ep: Episode, units: float, verb: str,
                transition: Callable[[AsyncSession], Awaitable[None]], *, actor: str,
                exit_reason: str = "") -> Finished | str:
    """Price the episode's first step, record its intent and the bot's transition in one
    transaction (the order gate may refuse: nothing moves then), and drive it to its end."""
    venue = lc.venue_of(p.position_id, p.bot_id)
    ex = lc.executor(venue, twin=ep.twin)
    try:
        _, net = await ex.price(ep, venue, 1)
    except Unpriceable as exc:
        return f"cannot {verb} {p.position_id}: {exc}"
    async with lc.hold(p.position_id):
        refused = None
        async with lc.db.transaction() as tx:
            try:
                order = await ex.record_step(tx, ep, 1, units, net)
            except RefusedByTradingState as exc:
                refused = exc.message
            else:
                await transition(tx)
        if refused is not None:
            return refused
        return await lc.run(ep, order=order, actor=actor, exit_reason=exit_reason)
