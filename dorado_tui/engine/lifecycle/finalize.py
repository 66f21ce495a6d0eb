"""What an ended episode means for the bot, the position and the trade, in one transaction each.

- open: units filled → the position takes the filled size and average price, the trade is
  recorded with its entry-time features, EXECUTING → MONITORING; nothing filled → the position is
  void and EXECUTING → FAILED → IDLE;
- adjust: EXECUTING → MONITORING whatever filled (the adjusted position is still held; the reason
  says what happened), then → CLOSING → IDLE when the adjustment left it flat;
- close: a flat position is closed with its realized P&L, the trade gets its outcome and reward,
  CLOSING → IDLE; otherwise the bot stays CLOSING and the monitor tries again.
Live episodes that filled record their fill quality (expected = the first step's limit, which is
the mid at decision on the tick; actual = the average fill).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle import book, machine, records
from dorado_tui.engine.lifecycle.execution import Outcome, net_action
from dorado_tui.engine.lifecycle.ids import Purpose, is_twin_bot
from dorado_tui.engine.lifecycle.pricing import net_of_limit
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo

S = BotState


@dataclass(frozen=True)
class Finished:
    """The episode's outcome and where the bot and the position ended."""

    outcome: Outcome
    bot_state: BotState
    position_status: str
    realized: float | None = None
    reward: float | None = None

    def as_dict(self) -> dict[str, Any]:
        o = self.outcome
        return {"position": o.episode.position_id, "purpose": o.episode.purpose.tag, "status": o.status,
                "filled": o.filled, "target": o.episode.quantity, "reason": o.reason, "steps": o.steps,
                "bot_state": self.bot_state.value, "position_status": self.position_status,
                "realized_pnl": self.realized, "reward": self.reward}


async def _fill_quality(tx: AsyncSession, o: Outcome, at: datetime) -> None:
    ep = o.episode
    if ep.twin or o.filled <= 0:
        return
    intents = await records.intents_with_prefix(tx, ep.prefix)
    fills = await records.fills_with_prefix(tx, ep.prefix)
    if not intents or not fills:
        return
    first, last = intents[0].order, intents[-1].order
    entry = book.entry_fill(fills, ep.legs[0].instrument.symbol, ep.legs[0].ratio)
    if entry.net is None or first.limit_price is None:
        return
    single = len(ep.legs) == 1
    expected = first.limit_price if single else net_of_limit(ep.legs, first.limit_price)
    actual = abs(entry.net) if single else entry.net
    symbol = ep.legs[0].instrument.symbol if single else f"{ep.legs[0].instrument.underlying} combo×{len(ep.legs)}"
    await order_repo.record_fill_quality(tx, order_repo.FillQuality(
        ep.coid(1).rsplit("-", 1)[0], symbol, net_action(ep.legs), entry.units, expected, actual, at,
        last.limit_price, len(intents)))


def entry_features(c: Any) -> dict[str, Any]:
    """What was known when the trade was taken (bandit features, no future leakage)."""
    if c is None:
        return {}
    return {"candidate": c.id, "scan": c.scan_id, "rank": c.rank, "score": c.score,
            "score_parts": dict(c.score_parts), "confidence": c.confidence, "variant": c.variant,
            "credit": c.credit, "max_loss": c.max_loss, "max_profit": c.max_profit, "pop": c.pop,
            "dte": c.dte, "delta": c.delta, "vega": c.vega, "theta": c.theta, "flags": list(c.flags),
            "gates": {d.check: d.code for d in c.gates},
            "regime": next((d.details.get("regime") for d in c.gates if d.check == "gate.regime"), None),
            "legs": [{"role": leg.role, "symbol": leg.instrument.symbol, "delta": leg.delta, "iv": leg.iv}
                     for leg in c.legs]}


async def finish_open(tx: AsyncSession, o: Outcome, at: datetime, actor: str) -> Finished:
    ep = o.episode
    position = await book.get(tx, ep.position_id)
    ledger = await book.refresh(tx, ep.position_id)
    fills = await records.fills_with_prefix(tx, ep.prefix)
    entry = book.entry_fill(fills, ep.legs[0].instrument.symbol, ep.legs[0].ratio)
    if entry.units <= 0:
        await position_repo.update_position(tx, ep.position_id, status=book.VOID, closed_at=at, quantity=0.0)
        await machine.move(tx, ep.bot_id, S.FAILED, at=at, reason=o.reason, actor=actor, candidate_id=ep.candidate_id)
        await machine.move(tx, ep.bot_id, S.IDLE, at=at, reason="entry failed: nothing filled, nothing held",
                           actor=actor, candidate_id=ep.candidate_id)
        if is_twin_bot(ep.bot_id):
            await machine.retire_twin(tx, ep.bot_id, at)
        return Finished(o, S.IDLE, book.VOID)
    c = await candidate_repo.get_candidate(tx, ep.candidate_id) if ep.candidate_id else None
    per_unit = position.max_loss / position.quantity if position.quantity else 0.0
    if c is not None and entry.net is not None:  # defined risk moves with the premium actually received
        per_unit = c.max_loss + c.credit + entry.net * ep.legs[0].instrument.multiplier
    await position_repo.update_position(tx, ep.position_id, quantity=entry.units, entry_price=entry.net,
                                        max_loss=max(per_unit, 0.0) * entry.units, opened_at=at)
    await position_repo.record_trade(tx, position_repo.TradeRecord(
        trade_id=ep.position_id, bot_id=ep.bot_id, underlying=position.underlying, opened_at=at,
        entry_features=entry_features(c), position_id=ep.position_id, candidate_id=ep.candidate_id,
        template=position.template, strategy_layer=position.strategy_layer, paper=position.paper,
        max_loss=max(per_unit, 0.0) * entry.units, fees=ledger.fees))
    await _fill_quality(tx, o, at)
    await machine.move(tx, ep.bot_id, S.MONITORING, at=at, reason=o.reason, actor=actor,
                       candidate_id=ep.candidate_id)
    return Finished(o, S.MONITORING, book.OPEN)


async def close_out(tx: AsyncSession, position_id: str, bot_id: str, at: datetime, *, actor: str,
                    reason: str, from_state: BotState) -> tuple[float, float]:
    """A flat position: closed with its realized P&L, the trade's outcome, the bot back to IDLE.
    Idempotent: a position another path closed already is left as it is."""
    position = await book.get(tx, position_id)
    if position.status == book.CLOSED:
        return position.realized_pnl, book.reward(position.realized_pnl, position.max_loss)
    ledger = await book.refresh(tx, position_id)
    await position_repo.close_position(tx, position_id, ledger.realized, at)
    r = book.reward(ledger.realized, position.max_loss)
    await position_repo.close_trade(tx, position_id, realized_pnl=ledger.realized, reward=r, exit_reason=reason,
                                    at=at, fees=ledger.fees)
    steps = (S.CLOSING, S.IDLE) if from_state is S.MONITORING else (S.IDLE,)
    await machine.move(tx, bot_id, *steps, at=at, reason=reason, actor=actor, candidate_id=position.candidate_id)
    if is_twin_bot(bot_id):
        await machine.retire_twin(tx, bot_id, at)
    return ledger.realized, r


async def finish_adjust(tx: AsyncSession, o: Outcome, at: datetime, actor: str) -> Finished:
    ep = o.episode
    ledger = await book.refresh(tx, ep.position_id)
    await _fill_quality(tx, o, at)
    reason = f"adjustment {o.status}: {o.reason}"
    await machine.move(tx, ep.bot_id, S.MONITORING, at=at, reason=reason, actor=actor, candidate_id=ep.candidate_id)
    if ledger.is_flat:
        realized, r = await close_out(tx, ep.position_id, ep.bot_id, at, actor=actor,
                                      reason="flat after adjustment", from_state=S.MONITORING)
        return Finished(o, S.IDLE, book.CLOSED, realized, r)
    return Finished(o, S.MONITORING, book.OPEN)


async def finish_close(tx: AsyncSession, o: Outcome, at: datetime, actor: str, exit_reason: str) -> Finished:
    ep = o.episode
    ledger = await book.refresh(tx, ep.position_id)
    await _fill_quality(tx, o, at)
    if ledger.is_flat:
        realized, r = await close_out(tx, ep.position_id, ep.bot_id, at, actor=actor, reason=exit_reason,
                                      from_state=S.CLOSING)
        return Finished(o, S.IDLE, book.CLOSED, realized, r)
    return Finished(o, S.CLOSING, book.CLOSING)


async def finish(tx: AsyncSession, o: Outcome, at: datetime, *, actor: str = "engine",
                 exit_reason: str = "") -> Finished:
    """Dispatch on the episode's purpose (see the module docstring)."""
    if o.episode.purpose is Purpose.OPEN:
        return await finish_open(tx, o, at, actor)
    if o.episode.purpose is Purpose.ADJUST:
        return await finish_adjust(tx, o, at, actor)
    return await finish_close(tx, o, at, actor, exit_reason or o.reason)
