"""The operator's actions from the console, through the same services the commands use.

Outcomes the operator must read but that are not faults — a refused approval, a busy scan, a
candidate that is no longer pending, a resume without a reason — come back as
`ActionResult(ok=False, ...)` with the decisions behind them; faults (store, venue) raise.
"""

from __future__ import annotations

from dorado_tui.domain.annotations import AnnotationTag
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import BadInput, RefusedByTradingState
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_backend.engine import ConsoleEngine
from dorado_tui.engine.console_views import ActionResult, KillReport
from dorado_tui.engine.lifecycle.approval import ApprovalRefused, ApprovalResult
from dorado_tui.engine.lifecycle.ids import handle
from dorado_tui.engine.scan.model import ScanResult
from dorado_tui.engine.scan.service import ScanBusy
from dorado_tui.risk.trading_state import GLOBAL


def scan_message(result: ScanResult) -> str:
    counts: dict[str, int] = {}
    for c in result.candidates:
        counts[c.status.value] = counts.get(c.status.value, 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no candidates"
    skipped = len(result.skipped)
    tail = f"; {skipped} bot(s) skipped" if skipped else ""
    return f"scan {result.scan_id}: {len(result.candidates)} candidates ({parts}){tail}"


async def scan_now(engine: ConsoleEngine) -> ActionResult:
    """Every enabled bot in scan mode, now (a scan already running elsewhere is a refusal)."""
    try:
        result = await engine.scanner.scan()
    except ScanBusy as exc:
        return ActionResult(False, exc.message)
    return ActionResult(True, scan_message(result))


def _approval_message(ref: str, r: ApprovalResult) -> tuple[bool, str]:
    f = r.finished
    o = f.outcome
    filled = f"{o.filled:g}/{o.episode.quantity:g} filled"
    if o.filled <= 0:
        return False, f"{ref} approved, but the entry did not fill ({o.status}: {o.reason}); bot {f.bot_state.value}"
    return True, f"{ref} approved and executed: {filled} ({o.status}); bot {f.bot_state.value}"


async def approve(engine: ConsoleEngine, candidate_id: str, tag: AnnotationTag | None) -> ActionResult:
    """Re-check on fresh quotes, record the intent, execute; the tag is stored with the approval."""
    ref = handle(candidate_id)
    try:
        result = await engine.lifecycle.approve(candidate_id, tag.value if tag else None, operator=engine.operator)
    except ApprovalRefused as exc:
        return ActionResult(False, exc.message, exc.decisions)
    except RefusedByTradingState as exc:
        return ActionResult(False, exc.message, (Decision("risk.trading_state", False, "TRADING_STATE", exc.message),))
    except BadInput as exc:
        return ActionResult(False, exc.message)
    ok, message = _approval_message(ref, result)
    return ActionResult(ok, message, result.decisions)


async def reject(engine: ConsoleEngine, candidate_id: str, reason: str) -> ActionResult:
    """Reject a pending candidate with the operator's reason; it continues as a paper twin."""
    try:
        await engine.lifecycle.reject(candidate_id, reason, operator=engine.operator)
    except BadInput as exc:
        return ActionResult(False, exc.message)
    return ActionResult(True, f"{handle(candidate_id)} rejected ({reason.strip()}); it runs as a paper twin")


async def kill(engine: ConsoleEngine) -> KillReport:
    """HALTED first, then every working order at the venue cancelled (see `KillSwitch.kill`)."""
    connected = engine.rt.venue.status().connected
    outcome = await engine.kill_switch.kill(reason="kill switch (console)", operator=engine.operator,
                                            connect_venue=not connected)
    return outcome.as_console_report()


async def resume(engine: ConsoleEngine, reason: str) -> ActionResult:
    """Clear the global HALT and every latched breaker, each scope audited with the operator's
    reason (what the console's resume dialog announces)."""
    if not reason.strip():
        return ActionResult(False, "a resume needs a reason (what was checked)")
    book = await engine.risk.book()
    latched = [s for s, st in sorted(book.scopes.items()) if s != GLOBAL and
               (st.state is not TradingState.ACTIVE or st.trips)]
    decisions = []
    for scope in (GLOBAL, *latched):
        record = await engine.risk.resume(scope, reason.strip(), engine.operator)
        cleared = ", ".join(t.code for t in record.cleared) or "nothing was latched"
        decisions.append(Decision("risk.resume", True, "RESUMED", f"{record.scope} {record.previous.value} → ACTIVE "
                                  f"by {record.operator}: {record.reason} (cleared: {cleared})"))
    scopes = f" and {len(latched)} latched scope(s)" if latched else ""
    return ActionResult(True, f"trading resumed (global{scopes})", tuple(decisions))
