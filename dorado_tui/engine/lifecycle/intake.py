"""From a scan to the state machine: SELECTED candidates take their bot to the approval gate (or
straight through it for `auto_execute` bots), PAPER ones become paper twins.

A bot holds one candidate at a time: a SELECTED candidate whose bot is busy (awaiting approval
of another candidate, executing, monitoring a position) cannot enter the machine and runs as a
paper twin instead, with that reason, so it still gets an outcome. Intake is idempotent: a
candidate already in its bot's machine, or already twinned, is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.errors import DoradoError
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle import machine
from dorado_tui.engine.lifecycle.ids import handle
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle

S = BotState


class ScanLike(Protocol):
    """What intake reads of a scan result (`engine.scan.model.ScanResult` satisfies it)."""

    scan_id: str

    @property
    def candidates(self) -> Sequence[Candidate]: ...


@dataclass
class IntakeReport:
    """What intake did with each candidate."""

    awaiting: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    executed: list[dict[str, Any]] = field(default_factory=list)
    twinned: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"awaiting_approval": self.awaiting, "rejected": [list(x) for x in self.rejected],
                "executed": self.executed, "paper_twins": self.twinned, "skipped": [list(x) for x in self.skipped]}


async def sync_bots(lc: Lifecycle) -> int:
    """Register every configured bot in the store (new ones IDLE; config changes versioned)."""
    async with lc.db.transaction() as tx:
        for bot in lc.config.bots.values():
            await machine.sync_config_bot(tx, lc.config, bot, lc.clock.now())
    return len(lc.config.bots)


async def _last_candidate(tx: Any, bot_id: str) -> str | None:
    steps = await bot_repo.transitions(tx, bot_id, limit=1)
    return steps[-1].candidate_id if steps else None


async def _enter(lc: Lifecycle, c: Candidate, scan_id: str) -> tuple[str, str]:
    """Take a selected candidate into its bot's machine: ('awaiting'|'rejected'|'busy'|'taken', why)."""
    bot = lc.bot(c.bot_id)
    if bot is None or not bot.enabled:
        return "busy", f"bot {c.bot_id} is not configured or disabled"
    now = lc.clock.now()
    async with lc.db.transaction() as tx:
        state = await machine.state_of(tx, c.bot_id)
        if state is None:
            state = (await machine.sync_config_bot(tx, lc.config, bot, now)).state
        if state is not S.IDLE:
            if await _last_candidate(tx, c.bot_id) == c.id:
                return "taken", f"already {state.value}"
            return "busy", f"bot {c.bot_id} is busy ({state.value})"
        why = f"{scan_id}: candidate {handle(c.id)} rank {c.rank} ({c.underlying} {c.template})"
        await machine.move(tx, c.bot_id, S.SIGNAL_RECEIVED, S.RISK_CHECK, at=now, reason=why, actor="scanner",
                           candidate_id=c.id, expected_from=S.IDLE)
        failures = [d for d in c.gates if not d.passed]
        if failures:
            text = "; ".join(d.reason for d in failures[:3])
            await machine.move(tx, c.bot_id, S.REJECTED, S.IDLE, at=now, reason=f"risk check fails: {text}",
                               actor="risk", candidate_id=c.id)
            await candidate_repo.set_candidate_status(tx, c.id, CandidateStatus.PAPER,
                                                      f"risk check failed: {text}", now)
            return "rejected", text
        await machine.move(tx, c.bot_id, S.AWAITING_APPROVAL, at=now, candidate_id=c.id, actor="risk",
                           reason=f"risk check passes: {len(c.gates)} verdicts recorded")
    return "awaiting", ""


async def _auto_execute(lc: Lifecycle, c: Candidate, report: IntakeReport) -> None:
    from dorado_tui.engine.lifecycle import approval

    try:
        result = await approval.approve(lc, c.id, tag=None, operator="auto_execute")
        report.executed.append(result.as_dict())
    except DoradoError as exc:
        await approval.cancel_pending(lc, c, f"auto-execute refused: {exc.message}", actor="auto_execute",
                                      status=CandidateStatus.REJECTED)
        report.rejected.append((c.id, exc.message))


async def intake(lc: Lifecycle, result: ScanLike) -> IntakeReport:
    """Move a scan's candidates into the machine (see the module docstring)."""
    report = IntakeReport()
    to_twin: list[Candidate] = []
    selected = sorted((c for c in result.candidates if c.status is CandidateStatus.SELECTED),
                      key=lambda c: (c.rank, -c.score))
    for c in selected:
        outcome, why = await _enter(lc, c, result.scan_id)
        if outcome == "awaiting":
            report.awaiting.append(c.id)
            bot = lc.bot(c.bot_id)
            if bot is not None and bot.approval_mode == "auto_execute":
                await _auto_execute(lc, c, report)
        elif outcome in ("rejected", "busy"):
            (report.rejected if outcome == "rejected" else report.skipped).append((c.id, why))
            to_twin.append(replace(c, status=CandidateStatus.PAPER, status_reason=why))
            if outcome == "busy":
                async with lc.db.transaction() as tx:
                    await candidate_repo.set_candidate_status(tx, c.id, CandidateStatus.PAPER, why, lc.clock.now())
        else:
            report.skipped.append((c.id, why))
    to_twin += [c for c in result.candidates if c.status is CandidateStatus.PAPER]
    started = await lc.start_twins(to_twin, "not selected for live execution")
    report.twinned.extend(f.outcome.episode.position_id for f in started)
    return report
