"""Persisting a scan in one transaction: every candidate with every verdict, the skipped bots'
failing gates (risk events, kind `scan_gate`), the scan itself as a signal row (source `scan`,
its summary as payload, so the console can show the last scan's skips and budget), and an audit
entry. Nothing of a scan is stored unless all of it is.

Candidates go in through the candidates repository; their verdict rows through one Core
executemany: the repository's ORM path builds a SQLModel object per verdict, which measured
~1.4 ms a row on SQLite (9 s for the 6,600 verdicts of 600 candidates in the 500-bot benchmark,
benchmarks/bench_scan.py) against ~0.1 ms here. The rows are the ones `save_candidates` writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.candidates import Candidate
from dorado_tui.engine.scan.model import ScanResult
from dorado_tui.store.codec import decision_fields
from dorado_tui.store.database import Database, user_of
from dorado_tui.store.repos import audit
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import risk as risk_repo
from dorado_tui.store.tables import CandidateRow, CandidateVerdictRow

GATE_EVENT = "scan_gate"


def summary(result: ScanResult) -> dict[str, Any]:
    counts = Counter(c.status.value for c in result.candidates)
    return {
        "asof": result.asof.isoformat(), "kind": result.kind,
        "bots": {b.bot_id: {"underlying": b.underlying, "template": b.template, "skipped": b.skipped,
                            "code": b.skip_code, "candidates": len(b.candidate_ids)} for b in result.bots},
        "counts": dict(sorted(counts.items())),
        "budget": None if result.budget is None else result.budget.text,
        "correlation": result.correlation, "alerts": list(result.alerts),
    }


async def save_with_verdicts(tx: AsyncSession, scan_id: str, candidates: Sequence[Candidate], at: datetime) -> None:
    """The scan's candidates (repository) and every verdict of each, in order (one executemany)."""
    await candidate_repo.save_candidates(tx, [replace(c, gates=()) for c in candidates], at)
    t = CandidateRow.__table__.c  # type: ignore[attr-defined]
    found = await tx.execute(select(t.candidate_key, t.id).where(t.user_id == user_of(tx), t.scan_id == scan_id))
    ids = {str(key): int(row_id) for key, row_id in found.all()}
    user = user_of(tx)
    rows = [{"user_id": user, "candidate_id": ids[c.id], "position": i, **decision_fields(d)}
            for c in candidates for i, d in enumerate(c.gates)]
    if rows:
        await tx.execute(insert(CandidateVerdictRow.__table__), rows)  # type: ignore[attr-defined]


async def persist(db: Database, result: ScanResult, *, source: str = "scan", payload: dict[str, Any] | None = None) -> None:
    """Store the whole scan atomically (see the module docstring)."""
    at = result.ran_at
    info = summary(result)
    async with db.transaction() as tx:
        if result.candidates:
            await save_with_verdicts(tx, result.scan_id, result.candidates, at)
        for bot in result.bots:
            failed = [d for d in bot.gates if not d.passed]
            if bot.skipped is not None and failed:
                await risk_repo.record_risk_events(tx, failed[:1], at=at, scope=f"bot:{bot.bot_id}", kind=GATE_EVENT)
        bot_id = result.bots[0].bot_id if result.kind == "signal" and result.bots else None
        await bot_repo.record_signal(tx, bot_repo.SignalRecord(
            signal_id=result.scan_id, source=source, kind=result.kind, received_at=at, bot_id=bot_id,
            underlying=result.bots[0].underlying if bot_id else "", payload=payload or info,
            research_context=info if payload else None, action="candidates",
            action_reason=", ".join(f"{n} {s}" for s, n in info["counts"].items()) or "no candidates"))
        await audit.append(tx, actor="scanner", action=f"{result.kind}.completed", at=at, subject=result.scan_id,
                           payload={"counts": info["counts"], "bots": len(result.bots),
                                    "skipped": sum(1 for b in result.bots if b.skipped)})
