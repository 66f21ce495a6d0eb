"""The monitoring pass (PRD §3.1 "Monitoring Frequency"): venue events, marks, rules, exits.

One pass, safe to repeat (cron: `dorado monitor --once`; the scheduler picks the check groups per
cadence — P&L every 15 min live / 60 min paper, breach 15 min, DTE daily, IV rank 3× a day,
breakers 15 min):
1. what the venue did by itself is brought in (expiry, assignment, dividends, late fills) and
   settled: a position left flat is closed (MONITORING → CLOSING → IDLE); a wheel left holding
   shares gets its covered call proposed; a non-wheel position handed shares is closed;
2. every open position of the pass (live, paper or both) is marked and its rules evaluated; the
   chosen action runs (close, close a side, halve, propose a roll, alert);
3. bots stuck in CLOSING (an exit that did not fill) try again;
4. the accounts' NAV is recorded (the breakers' and `dorado nav`'s history) and, on live passes,
   the circuit breakers are evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.errors import DoradoError
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle import book, exits, finalize, machine, marking, proposals, records
from dorado_tui.engine.lifecycle.finalize import Finished
from dorado_tui.engine.lifecycle.marking import PositionCheck
from dorado_tui.engine.lifecycle.settings import ALL_CHECKS, CHECK_BREAKERS
from dorado_tui.engine.lifecycle.venue_events import VenueSync, sync_venue
from dorado_tui.risk.breakers import BreakerInputs, PositionLoss
from dorado_tui.store.leases import LeaseBusy
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos.orders import IntentStatus
from dorado_tui.venues.base import VenueAdapter

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle

S = BotState


@dataclass
class MonitorReport:
    at: datetime
    venues: dict[str, dict[str, Any]] = field(default_factory=dict)
    settled: list[dict[str, Any]] = field(default_factory=list)
    positions: list[PositionCheck] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    expired_approvals: list[str] = field(default_factory=list)
    breakers: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "venues": self.venues, "settled": self.settled,
                "positions": [p.as_dict() for p in self.positions], "proposals": self.proposals,
                "expired_approvals": self.expired_approvals, "breakers": self.breakers, "notes": self.notes}


def _venues(lc: Lifecycle, live: bool | None) -> list[tuple[str, VenueAdapter]]:
    out = []
    if live is not False:
        out.append(("trading", lc.venue))
    if live is not True and lc.twin_venue is not lc.venue:
        out.append(("twins", lc.twin_venue))
    return out


async def _state(lc: Lifecycle, bot_id: str) -> BotState | None:
    async with lc.db.read() as s:
        return await machine.state_of(s, bot_id)


async def _propose(lc: Lifecycle, p: position_repo.ManagedPosition, ledger: Any, report: MonitorReport) -> None:
    made = await proposals.propose_covered_call(lc, p, ledger)
    if isinstance(made, str):
        report.notes.append(f"{p.position_id}: no covered call ({made})")
        return
    report.proposals.append(made.id)
    bot = lc.bot(p.bot_id)
    if (bot is not None and bot.approval_mode == "auto_execute") or p.paper:
        await _auto(lc, made.id, report)


async def _auto(lc: Lifecycle, candidate_id: str, report: MonitorReport) -> None:
    from dorado_tui.engine.lifecycle import approval

    try:
        await approval.approve(lc, candidate_id, tag=None, operator="auto_execute")
    except DoradoError as exc:
        report.notes.append(f"{candidate_id}: not executed ({exc.message})")


async def _settle_one(lc: Lifecycle, pid: str, why: str, report: MonitorReport) -> None:
    """A position the venue touched: closed when flat (under its order lease), else the wheel's
    covered call proposed or a non-wheel position's shares closed (after the lease is released:
    those take it again)."""
    try:
        async with lc.hold(pid, wait=2.0):
            held = await _close_if_flat(lc, pid, why, report)
    except LeaseBusy:  # an executor is working the position: its episode settles it
        report.notes.append(f"{pid}: {why}; left to the episode working it")
        return
    if held is None:
        return
    p, ledger = held
    if proposals.is_wheel(lc, p.template) and proposals.stock_leg(ledger) is not None:
        await _propose(lc, p, ledger, report)
    elif proposals.stock_leg(ledger) is not None and not any(
            inst.sec_type.value == "stock" for inst in await _entry_legs(lc, pid)):
        done = await exits.close(lc, p, f"{why}: shares on a non-wheel position are closed")
        report.settled.append({"position": pid, "event": why, "close": _result(done)})


async def _close_if_flat(lc: Lifecycle, pid: str, why: str, report: MonitorReport,
                         ) -> tuple[position_repo.ManagedPosition, Any] | None:
    """Close a flat position; (position, books) when it is still held and its bot MONITORING."""
    async with lc.db.read() as s:
        p = await position_repo.get_position(s, pid)
    if p is None or p.status not in position_repo.OPEN_STATUSES:
        return None
    state = await _state(lc, p.bot_id)
    async with lc.db.transaction() as tx:
        ledger = await book.refresh(tx, pid)
        if ledger.is_flat and state in (S.MONITORING, S.CLOSING):
            realized, r = await finalize.close_out(tx, pid, p.bot_id, lc.clock.now(), actor="venue", reason=why,
                                                   from_state=state)
            report.settled.append({"position": pid, "event": why, "realized_pnl": realized, "reward": r})
            return None
    if ledger.is_flat or state is not S.MONITORING:
        return None
    async with lc.db.read() as s:
        return await position_repo.get_position(s, pid) or p, ledger


async def _entry_legs(lc: Lifecycle, pid: str) -> list[Any]:
    async with lc.db.read() as s:
        intents = await records.intents_with_prefix(s, pid + ".o")
    return [leg.instrument for i in intents[:1] for leg in i.order.legs]


def _result(done: Finished | str) -> dict[str, Any] | str:
    return done if isinstance(done, str) else done.as_dict()


async def process_venue_events(lc: Lifecycle, live: bool | None = None, report: MonitorReport | None = None,
                               ) -> MonitorReport:
    """Steps 1 of the pass: bring in and settle what the venues did by themselves."""
    report = report or MonitorReport(lc.clock.now())
    for role, venue in _venues(lc, live):
        sync: VenueSync = await sync_venue(lc, venue)
        report.venues[role] = sync.as_dict()
        for pid, why in sync.touched.items():
            await _settle_one(lc, pid, why, report)
    # shares can also wait uncovered with no new event this pass (a proposal declined yesterday)
    async with lc.db.read() as s:
        held = await position_repo.positions(s, statuses=("open",))
    done = {x["position"] for x in report.settled} | {c.split(":")[1] for c in report.proposals}
    for p in held:
        if p.position_id not in done and await _uncovered_wheel(lc, p):
            async with lc.db.read() as s:
                ledger = await book.ledger_of(s, p)
            await _propose(lc, p, ledger, report)
    return report


async def _uncovered_wheel(lc: Lifecycle, p: position_repo.ManagedPosition) -> bool:
    shares = any(leg.instrument.sec_type.value == "stock" for leg in p.legs)
    options = any(leg.instrument.is_option for leg in p.legs)
    return proposals.is_wheel(lc, p.template) and shares and not options and \
        await _state(lc, p.bot_id) is S.MONITORING


async def _act(lc: Lifecycle, p: position_repo.ManagedPosition, c: PositionCheck, report: MonitorReport) -> None:
    a = c.action
    if a is None:
        return
    try:
        if a.kind == "close":
            c.result = _result(await exits.close(lc, p, a.reason))
        elif a.kind in ("close_side", "reduce_half"):
            c.result = _result(await exits.reduce(lc, p, a.reason, side=a.side, half=a.kind == "reduce_half"))
        elif a.kind == "roll":
            async with lc.db.read() as s:
                ledger = await book.ledger_of(s, p)
            made = await proposals.propose_roll(lc, p, ledger, a.reason)
            c.result = made if isinstance(made, str) else f"roll proposed: {made.id}"
            if not isinstance(made, str):
                report.proposals.append(made.id)
                bot = lc.bot(p.bot_id)
                if p.paper or (bot is not None and bot.approval_mode == "auto_execute"):
                    await _auto(lc, made.id, report)
        else:
            await lc.publish("alert", {"position": p.position_id, "bot": p.bot_id, "rule": a.rule, "reason": a.reason})
            c.result = "alert published"
    except LeaseBusy:
        c.result = "busy: another process is working this position's orders"


async def _retry_close(lc: Lifecycle, p: position_repo.ManagedPosition, report: MonitorReport) -> None:
    async with lc.db.read() as s:
        intents = await records.intents_with_prefix(s, p.position_id + ".")
    if any(i.status in (IntentStatus.RECORDED, IntentStatus.SUBMITTED) for i in intents):
        report.notes.append(f"{p.position_id}: CLOSING with an unresolved order (left to recovery)")
        return
    try:
        done = await exits.close(lc, p, "retrying the exit", state=S.CLOSING)
    except LeaseBusy:
        return
    report.settled.append({"position": p.position_id, "event": "close retried", "close": _result(done)})


async def _snapshots(lc: Lifecycle, live: bool | None, report: MonitorReport) -> None:
    for role, venue in _venues(lc, live):
        account = await venue.get_account_state()
        async with lc.db.transaction() as tx:
            realized, unrealized = await position_repo.pnl_totals(tx, paper=role == "twins")
            await position_repo.record_account(tx, account, realized, unrealized)


async def _breakers(lc: Lifecycle, checks: list[PositionCheck], report: MonitorReport) -> None:
    now = lc.clock.now()
    account = await lc.venue.get_account_state()
    async with lc.db.read() as s:
        history = await position_repo.account_history(s, account.account_id, since=now - timedelta(days=365))
    navs = [a.net_liquidation for a in history] or [account.net_liquidation]
    local = now.astimezone(NEW_YORK)
    day0 = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week0 = day0 - timedelta(days=local.weekday())

    def first_since(t: datetime) -> float:
        return next((a.net_liquidation for a in history if a.time >= t), account.net_liquidation)

    losses = tuple(PositionLoss(c.position_id, "", c.pnl or 0.0) for c in checks if not c.paper and c.pnl is not None)
    outcome = await lc.risk.apply_breakers(BreakerInputs(now, account.net_liquidation, max(navs),
                                                         first_since(day0), first_since(week0), positions=losses))
    report.breakers = [d.as_dict() for d in outcome.decisions if not d.passed]


async def monitor(lc: Lifecycle, *, live: bool | None = None, checks: frozenset[str] = ALL_CHECKS) -> MonitorReport:
    """One monitoring pass (see the module docstring)."""
    report = await process_venue_events(lc, live)
    async with lc.db.read() as s:
        held = await position_repo.positions(s, paper=None if live is None else not live)
    for p in held:
        state = await _state(lc, p.bot_id)
        if not p.legs and state in (S.MONITORING, S.CLOSING):  # flattened by fills recorded elsewhere
            await _settle_one(lc, p.position_id, "flat: every leg closed", report)
            continue
        if state is S.CLOSING:
            await _retry_close(lc, p, report)
            continue
        if state is not S.MONITORING:
            continue
        c = await marking.check(lc, p, checks)
        report.positions.append(c)
        await _act(lc, p, c, report)
    await _snapshots(lc, live, report)
    if CHECK_BREAKERS in checks and live is not False:
        await _breakers(lc, report.positions, report)
    return report
