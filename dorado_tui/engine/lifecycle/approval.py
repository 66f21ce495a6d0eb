"""Approval: what waits for the operator, approving (re-check, intent, execute), rejecting and
timing out.

Two kinds of candidates wait: entries (from a scan; their bot sits in AWAITING_APPROVAL) and
adjustments the lifecycle proposes for a held position (a covered call on assigned shares, a
roll; their bot keeps MONITORING while the proposal waits, and walks MONITORING → SIGNAL_RECEIVED
→ RISK_CHECK → AWAITING_APPROVAL → EXECUTING only once approved). An approval re-checks risk on
fresh quotes first; a failing re-check refuses the approval (exit 3 when the trading state is
the reason, else 1) and leaves the candidate pending until its timeout. Rejected and timed-out
entries run as paper twins, so the operator's skips get an outcome too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dorado_tui.domain.annotations import AnnotationTag
from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import BadInput, DoradoError, RefusedByTradingState
from dorado_tui.domain.orders import OrderLeg
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle import book, machine, records
from dorado_tui.engine.lifecycle.execution import Episode
from dorado_tui.engine.lifecycle.finalize import Finished
from dorado_tui.engine.lifecycle.ids import (
    Purpose,
    handle,
    is_twin_position,
    parse_client_order_id,
    position_id,
)
from dorado_tui.engine.lifecycle.recheck import recheck, shares_available
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import positions as position_repo

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle

S = BotState
ADJUST_PREFIX = "lifecycle:"


class ApprovalRefused(DoradoError):
    """The re-check at approval failed: nothing was sent; the candidate still waits."""

    title = "Approval refused"

    def __init__(self, message: str, decisions: tuple[Decision, ...] = ()) -> None:
        super().__init__(message)
        self.decisions = decisions


def is_adjustment(c: Candidate) -> bool:
    return c.scan_id.startswith(ADJUST_PREFIX)


def adjustment_scan_id(pid: str, at: datetime) -> str:
    return f"{ADJUST_PREFIX}{pid}:{at.strftime('%Y%m%dT%H%M%S')}"


def adjustment_target(c: Candidate) -> tuple[str, datetime]:
    """(position id, proposal time) of an adjustment candidate."""
    _, pid, stamp = c.scan_id.split(":", 2)
    return pid, datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def order_legs(c: Candidate) -> tuple[OrderLeg, ...]:
    return tuple(OrderLeg(leg.instrument, leg.action, leg.ratio) for leg in c.legs)


@dataclass(frozen=True)
class PendingItem:
    """One candidate waiting for the operator."""

    candidate: Candidate
    kind: str  # entry | adjustment
    since: datetime | None
    expires_at: datetime | None

    @property
    def handle(self) -> str:
        return handle(self.candidate.id)


@dataclass(frozen=True)
class PendingList:
    items: tuple[PendingItem, ...]
    budget: str
    open_positions: int


@dataclass(frozen=True)
class ApprovalResult:
    candidate: Candidate
    decisions: tuple[Decision, ...]
    finished: Finished
    tag: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"candidate": self.candidate.id, "handle": handle(self.candidate.id), "tag": self.tag,
                "recheck": [d.as_dict() for d in self.decisions], **self.finished.as_dict()}


async def resolve(lc: Lifecycle, ref: str) -> Candidate:
    """A candidate by full id or by its handle (an unambiguous prefix of ≥ 4 hex digits)."""
    ref = ref.strip()
    async with lc.db.read() as s:
        found = await candidate_repo.get_candidate(s, ref)
        if found is not None:
            return found
        if len(ref) < 4:
            raise BadInput(f"candidate {ref!r}: give the full id or at least 4 characters of its ID")
        pending = await candidate_repo.list_candidates(s, status=CandidateStatus.SELECTED, limit=2000)
    hits = [c for c in pending if handle(c.id).startswith(ref.lower())]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise BadInput(f"no pending candidate {ref!r} (see `dorado approve` for the list)")
    raise BadInput(f"candidate {ref!r} is ambiguous: {', '.join(handle(c.id) for c in hits)}")


async def _since(s: Any, c: Candidate) -> datetime | None:
    if is_adjustment(c):
        return adjustment_target(c)[1]
    for t in reversed(await bot_repo.transitions(s, c.bot_id, limit=10)):
        if t.to_state is S.AWAITING_APPROVAL and t.candidate_id == c.id:
            return t.at
    return None


def _timeout(lc: Lifecycle, bot_id: str) -> timedelta:
    bot = lc.bot(bot_id)
    return timedelta(hours=bot.timeout_hours if bot else lc.settings.approval_timeout_hours)


async def pending(lc: Lifecycle) -> PendingList:
    """Pending candidates, best rank first, with the latest scan's portfolio budget."""
    items = []
    async with lc.db.read() as s:
        for c in sorted(await candidate_repo.list_candidates(s, status=CandidateStatus.SELECTED, limit=2000),
                        key=lambda c: (c.rank, -c.score)):
            since = await _since(s, c)
            items.append(PendingItem(c, "adjustment" if is_adjustment(c) else "entry", since,
                                     since + _timeout(lc, c.bot_id) if since else None))
        scans = [sig for sig in await bot_repo.signals(s, limit=50) if sig.source == "scan"]
        open_count = len(await position_repo.positions(s, paper=False))
    budget = str((scans[0].payload or {}).get("budget") or "") if scans else ""
    return PendingList(tuple(items), budget, open_count)


def _tag(tag: str | None) -> str | None:
    if tag is None:
        return None
    try:
        return AnnotationTag(tag.strip().lower()).value
    except ValueError:
        allowed = ", ".join(t.value for t in AnnotationTag)
        raise BadInput(f"unknown tag {tag!r}: use one of {allowed}") from None


async def next_episode(lc: Lifecycle, pid: str, purpose: Purpose) -> int:
    async with lc.db.read() as s:
        coids = await records.intent_ids_with_prefix(s, f"{pid}.{purpose.value}")
    keys = [k for k in (parse_client_order_id(c) for c in coids) if k is not None]
    return max((k.episode for k in keys), default=0) + 1


async def _require_state(lc: Lifecycle, c: Candidate) -> str:
    """The position the approval acts on; BadInput when the candidate is not approvable now."""
    if c.status is not CandidateStatus.SELECTED:
        raise BadInput(f"candidate {handle(c.id)} is {c.status.value}, not pending: nothing to approve")
    async with lc.db.read() as s:
        state = await machine.state_of(s, c.bot_id)
        last = await bot_repo.transitions(s, c.bot_id, limit=1)
    if is_adjustment(c):
        if state is not S.MONITORING:
            raise BadInput(f"bot {c.bot_id} is {state.value if state else 'unknown'}: the adjustment "
                           f"{handle(c.id)} needs it MONITORING its position")
        return adjustment_target(c)[0]
    if state is not S.AWAITING_APPROVAL or not last or last[-1].candidate_id != c.id:
        raise BadInput(f"bot {c.bot_id} is not awaiting approval of {handle(c.id)} "
                       f"(it is {state.value if state else 'unknown'})")
    return position_id(c.id)


async def _recheck(lc: Lifecycle, c: Candidate, pid: str) -> tuple[Candidate, tuple[Decision, ...]]:
    venue = lc.venue_of(pid, c.bot_id)
    shares = await shares_available(lc.db, c.underlying) if any(
        leg.instrument.is_option and leg.action.sign < 0 for leg in c.legs) else 0.0
    rc = await recheck(lc.db, venue, lc.policy, lc.clock, c, portfolio=not is_adjustment(c), shares=shares,
                       adjustment=is_adjustment(c))
    await lc.risk.record_decisions(rc.verdict.decisions, kind="approval_recheck", scope=f"bot:{c.bot_id}",
                                   candidate_id=c.id)
    if rc.trading_state_refusal is not None:
        raise RefusedByTradingState(f"approval of {handle(c.id)} refused: {rc.trading_state_refusal.reason}")
    if not rc.passed:
        text = "; ".join(d.reason for d in rc.verdict.failures)
        raise ApprovalRefused(f"approval of {handle(c.id)} refused by the re-check: {text}", rc.verdict.decisions)
    return rc.candidate, rc.verdict.decisions


async def _enter_execution(lc: Lifecycle, tx: Any, c: Candidate, pid: str, operator: str, tag: str | None,
                           note: str, planned_net: float) -> None:
    now = lc.clock.now()
    why = f"approved by {operator}" + (f" ({tag})" if tag else "")
    if is_adjustment(c):
        await machine.move(tx, c.bot_id, S.SIGNAL_RECEIVED, S.RISK_CHECK, S.AWAITING_APPROVAL, S.EXECUTING,
                           at=now, reason=f"adjustment {c.variant}: {why}", actor=operator, candidate_id=c.id,
                           expected_from=S.MONITORING)
    else:
        await machine.move(tx, c.bot_id, S.EXECUTING, at=now, reason=why, actor=operator, candidate_id=c.id,
                           expected_from=S.AWAITING_APPROVAL)
        await book.create(tx, pid, c, paper=False, bot_id=c.bot_id, at=now, planned_net=planned_net)
    await candidate_repo.set_candidate_status(tx, c.id, CandidateStatus.APPROVED, why, now)
    if tag is not None or note:
        await candidate_repo.annotate(tx, c.id, tag or "note", now, note=note, author=operator)


async def approve(lc: Lifecycle, ref: str, *, tag: str | None, operator: str, note: str = "") -> ApprovalResult:
    """Approve a pending candidate and execute it (see the module docstring)."""
    tag = _tag(tag)
    c = await resolve(lc, ref)
    pid = await _require_state(lc, c)
    twin = is_twin_position(pid)
    # a paper twin records the live verdicts but trades regardless: no re-check on the twin account
    fresh, decisions = (c, ()) if twin else await _recheck(lc, c, pid)
    purpose = Purpose.ADJUST if is_adjustment(c) else Purpose.OPEN
    layer = c.strategy_layer or None
    ep = Episode(pid, purpose, await next_episode(lc, pid, purpose), order_legs(fresh), fresh.quantity,
                 c.bot_id, c.id, layer, twin=twin)
    venue = lc.venue_of(pid, c.bot_id)
    ex = lc.executor(venue, twin=twin)
    price, net = await ex.price(ep, venue, 1)
    async with lc.hold(pid):
        refused: RefusedByTradingState | None = None
        async with lc.db.transaction() as tx:
            try:
                order = await ex.record_step(tx, ep, 1, ep.quantity, net)
            except RefusedByTradingState as exc:
                refused = exc  # the gate's decision is kept (committed); nothing else happens
            else:
                await _enter_execution(lc, tx, fresh, pid, operator, tag, note, price.mid)
        if refused is not None:
            raise refused
        finished = await lc.run(ep, order=order, actor=operator)
    return ApprovalResult(fresh, decisions, finished, tag)


async def cancel_pending(lc: Lifecycle, c: Candidate, reason: str, *, actor: str,
                         status: CandidateStatus) -> bool:
    """Take a pending candidate out: entries CANCELLED → IDLE and twinned; adjustments dropped."""
    now = lc.clock.now()
    async with lc.db.transaction() as tx:
        current = await candidate_repo.get_candidate(tx, c.id)
        if current is None or current.status is not CandidateStatus.SELECTED:
            return False
        await candidate_repo.set_candidate_status(tx, c.id, status, reason, now)
        if not is_adjustment(c):
            await machine.move(tx, c.bot_id, S.CANCELLED, S.IDLE, at=now, reason=reason, actor=actor,
                               candidate_id=c.id, expected_from=S.AWAITING_APPROVAL)
    if not is_adjustment(c):
        await lc.start_twins([c], reason)
    return True


async def reject(lc: Lifecycle, ref: str, reason: str, *, operator: str) -> Candidate:
    if not reason.strip():
        raise BadInput("a rejection needs a reason: dorado reject ID --reason \"...\"")
    c = await resolve(lc, ref)
    if c.status is not CandidateStatus.SELECTED:
        raise BadInput(f"candidate {handle(c.id)} is {c.status.value}, not pending: nothing to reject")
    await cancel_pending(lc, c, f"rejected by {operator}: {reason.strip()}", actor=operator,
                         status=CandidateStatus.REJECTED)
    return c


async def expire(lc: Lifecycle, now: datetime) -> list[str]:
    """Cancel every pending candidate older than its bot's approval timeout (PRD: 4 h default)."""
    expired = []
    for item in (await pending(lc)).items:
        if item.expires_at is not None and now >= item.expires_at:
            hours = _timeout(lc, item.candidate.bot_id).total_seconds() / 3600
            if await cancel_pending(lc, item.candidate, f"approval timed out after {hours:g} h",
                                    actor="timeout", status=CandidateStatus.EXPIRED):
                expired.append(item.candidate.id)
    return expired
