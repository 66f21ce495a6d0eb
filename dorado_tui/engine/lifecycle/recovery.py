"""Intent recovery: finish, after a crash or a restart, every order the store left unresolved.

The rule is "look up, then adopt or resubmit — never twice": for each intent still RECORDED or
SUBMITTED, ask the venue for its client order id.
- The venue has it: adopt it (record its status and fills; the position is refreshed from them),
  then continue its episode's walk where it stopped.
- The venue never saw it and the intent is RECORDED and fresh (younger than
  `resubmit_window_seconds`), with trading still allowed: send it again under the same client order
  id (venues treat a repeated id as the same order), then continue.
- Otherwise: abandon it (ABANDONED, with the reason) and end the episode with what filled.
Episodes whose intents are all resolved but whose bot never left EXECUTING (a crash between the
last answer and the state change) are finished from their fills. Positions are worked under their
order lease, so a recovery never races a live executor of another process.

Reconciliation (start-up, reconnect, schedule) calls `recover_intents` first and then compares
the venue with the store; `venue_for_intent` tells it which account an intent trades on, and
`ids.store_exec_id` how the twin account's exec ids are stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from dorado_tui.domain.orders import OrderResult
from dorado_tui.domain.states import BotState, TradingState
from dorado_tui.engine.lifecycle import records
from dorado_tui.engine.lifecycle.episodes import drive
from dorado_tui.engine.lifecycle.execution import Episode, Outcome, episode_of
from dorado_tui.engine.lifecycle.finalize import finish
from dorado_tui.engine.lifecycle.ids import Purpose, parse_client_order_id
from dorado_tui.engine.risk_service import load_book
from dorado_tui.risk.gate import order_underlyings
from dorado_tui.risk.trading_state import order_scopes
from dorado_tui.store.leases import LeaseBusy
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos.orders import IntentStatus
from dorado_tui.venues.base import VenueAdapter

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle

UNRESOLVED = (IntentStatus.RECORDED, IntentStatus.SUBMITTED)


@dataclass
class RecoveryReport:
    """What recovery did, per client order id."""

    adopted: list[str] = field(default_factory=list)
    resubmitted: list[str] = field(default_factory=list)
    abandoned: list[tuple[str, str]] = field(default_factory=list)
    finished: list[dict[str, Any]] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"adopted": self.adopted, "resubmitted": self.resubmitted,
                "abandoned": [list(x) for x in self.abandoned], "finished": self.finished,
                "busy": self.busy, "not_lifecycle": self.foreign}


def venue_for_intent(lc: Lifecycle, intent: order_repo.Intent) -> VenueAdapter | None:
    """The account an intent trades on (None for intents the lifecycle did not write)."""
    key = parse_client_order_id(intent.order.client_order_id)
    if key is None:
        return None
    return lc.venue_of(key.position_id, intent.order.bot_id or "")


async def _episode(lc: Lifecycle, intent: order_repo.Intent) -> Episode:
    """The intent's episode with the target of its first step and the position's layer."""
    ep = episode_of(intent)
    async with lc.db.read() as s:
        first = await order_repo.get_intent(s, ep.coid(1))
        position = await position_repo.get_position(s, ep.position_id)
    quantity = first.order.quantity if first is not None else ep.quantity
    layer = position.strategy_layer or None if position is not None else None
    return Episode(ep.position_id, ep.purpose, ep.number, ep.legs, quantity, ep.bot_id, ep.candidate_id, layer,
                   ep.twin)


async def _may_resend(lc: Lifecycle, intent: order_repo.Intent, ep: Episode) -> str | None:
    """Why a never-sent intent must not be sent now (None when it may)."""
    age = lc.clock.now() - intent.created_at
    window = lc.settings.execution.resubmit_window_seconds
    if age > timedelta(seconds=window):
        return f"never reached the venue and is {age.total_seconds():.0f} s old (resubmit window {window:g} s)"
    if ep.twin:
        return None
    async with lc.db.read() as s:
        states = await load_book(s)
    state = states.effective(order_scopes(ep.layer, ep.bot_id, order_underlyings(intent.order)))
    if state is TradingState.HALTED or (state is TradingState.REDUCING and intent.order.opening):
        return f"never reached the venue; trading is {state.value} now"
    return None


async def _abandon(lc: Lifecycle, coid: str, why: str) -> None:
    async with lc.db.transaction() as tx:
        await order_repo.mark_intent(tx, coid, IntentStatus.ABANDONED, lc.clock.now(), why)


async def _recover_one(lc: Lifecycle, intent: order_repo.Intent, report: RecoveryReport) -> None:
    ep = await _episode(lc, intent)
    key = parse_client_order_id(intent.order.client_order_id)
    assert key is not None
    venue = lc.venue_of(ep.position_id, ep.bot_id)
    ex = lc.executor(venue, twin=ep.twin)
    coid = intent.order.client_order_id
    seen = await venue.get_order(coid)
    result: OrderResult | None = None
    if seen is not None:
        await ex.apply(seen, ep)
        report.adopted.append(coid)
        result = seen
    elif intent.status is IntentStatus.RECORDED and (why := await _may_resend(lc, intent, ep)) is None:
        result = await ex.submit(intent.order, venue, ep)
        report.resubmitted.append(coid)
    else:
        why = "the venue has no order with this id" if intent.status is IntentStatus.SUBMITTED else why
        await _abandon(lc, coid, f"recovery: {why}")
        report.abandoned.append((coid, why or ""))
        outcome = Outcome(ep, await ex.filled_units(ep), "unfilled", f"recovery abandoned {coid}: {why}")
        await _finish(lc, outcome, report)
        return
    outcome = await drive(ex, ep, venue, step=key.step, result=result)
    await _finish(lc, outcome, report)


async def _finish(lc: Lifecycle, outcome: Outcome, report: RecoveryReport) -> None:
    async with lc.db.transaction() as tx:
        done = await finish(tx, outcome, lc.clock.now(), actor="recovery", exit_reason=outcome.reason)
    report.finished.append(done.as_dict())


async def _stranded(lc: Lifecycle, report: RecoveryReport) -> None:
    """Bots left EXECUTING (or CLOSING on a flat position) with no unresolved intent."""
    async with lc.db.read() as s:
        positions = await position_repo.positions(s)
        work = []
        for p in positions:
            bot = await bot_repo.get_bot(s, p.bot_id)
            state = bot.state if bot is not None else None
            intents = await records.intents_with_prefix(s, p.position_id + ".")
            if not intents or any(i.status in UNRESOLVED for i in intents):
                continue
            last = intents[-1]
            key = parse_client_order_id(last.order.client_order_id)
            stuck_exec = state is BotState.EXECUTING and key is not None and key.purpose is not Purpose.CLOSE
            # a CLOSING bot whose position is not flat is the monitor's to retry, not recovery's
            stuck_close = state is BotState.CLOSING and key is not None and key.purpose is Purpose.CLOSE \
                and not p.legs
            if stuck_exec or stuck_close:
                work.append(last)
    for last in work:
        ep = await _episode(lc, last)
        ex = lc.executor(lc.venue_of(ep.position_id, ep.bot_id), twin=ep.twin)
        filled = await ex.filled_units(ep)
        status = "filled" if filled >= ep.quantity - 1e-9 else ("partial" if filled > 0 else "unfilled")
        await _finish(lc, Outcome(ep, filled, status, "finished by recovery after a restart"), report)


async def recover_intents(lc: Lifecycle) -> RecoveryReport:
    """Resolve every unresolved intent (see the module docstring)."""
    report = RecoveryReport()
    async with lc.db.read() as s:
        intents = await order_repo.list_intents(s, UNRESOLVED)
    by_position: dict[str, list[order_repo.Intent]] = {}
    for intent in intents:
        key = parse_client_order_id(intent.order.client_order_id)
        if key is None:
            report.foreign.append(intent.order.client_order_id)
            continue
        by_position.setdefault(key.position_id, []).append(intent)
    for pid, found in by_position.items():
        try:
            async with lc.hold(pid, wait=1.0):
                for intent in found:
                    async with lc.db.read() as s:
                        current = await order_repo.get_intent(s, intent.order.client_order_id)
                    if current is not None and current.status in UNRESOLVED:
                        await _recover_one(lc, current, report)
        except LeaseBusy:
            report.busy.append(pid)
    await _stranded(lc, report)
    return report


async def on_order_update(lc: Lifecycle, result: OrderResult) -> bool:
    """A venue pushed an order update: record it and its fills (False when the order is not ours)."""
    key = parse_client_order_id(result.client_order_id)
    if key is None:
        return False
    async with lc.db.read() as s:
        intent = await order_repo.get_intent(s, result.client_order_id)
    if intent is None:
        return False
    ep = await _episode(lc, intent)
    await lc.executor(lc.venue_of(ep.position_id, ep.bot_id), twin=ep.twin).apply(result, ep)
    return True
