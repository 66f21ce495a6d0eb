"""What the console's event feed says about each stored fact: audit entries, fills, risk denials,
regime changes and bus alerts, turned into one-line drafts (the feed numbers them).

Pure functions. Paper twins (their bots, orders and fills) stay out of the feed: they run by the
dozen and the operator follows them on the paper-twin reports, not in the live audit stream.
Intermediate steps of the bot machine (SIGNAL_RECEIVED, RISK_CHECK, the IDLE after a rejection)
are left out too; the step that carries the news is shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dorado_tui.domain.orders import Fill
from dorado_tui.domain.regime import RegimeState
from dorado_tui.engine.console_views import EventKind, Severity
from dorado_tui.engine.lifecycle.ids import (
    TWIN_EXEC_PREFIX,
    handle,
    is_twin_bot,
    parse_client_order_id,
)
from dorado_tui.store.repos.audit import AuditEntry
from dorado_tui.store.repos.risk import RiskEvent

S, K = Severity, EventKind
#: Risk-event kinds whose failures the feed shows (breaker trips arrive as trading-state changes).
DENIAL_KINDS = ("order_gate", "approval_recheck", "kill")
KILL_CODE = "KILL_SWITCH"


@dataclass(frozen=True, slots=True)
class Draft:
    """An event before the feed gives it its sequence number."""

    time: datetime
    severity: Severity
    kind: EventKind
    text: str
    ref: str = ""


def _state_change(e: AuditEntry) -> Draft | None:
    p = e.payload
    old, new, reason = str(p.get("from", "")), str(p.get("to", "")), str(p.get("reason", ""))
    if old == new:
        return None  # a re-latch or the first row of a scope: nothing changed
    if new == "ACTIVE":
        return Draft(e.at, S.INFO, K.RESUME, f"{e.subject} {old} → ACTIVE: {reason}", e.subject)
    if "kill switch" in reason.lower():
        return Draft(e.at, S.CRITICAL, K.KILL, f"{e.subject} {new} by kill switch ({e.actor})", e.subject)
    severity = S.CRITICAL if new == "HALTED" else S.ERROR
    return Draft(e.at, severity, K.BREAKER, f"{e.subject} {old} → {new}: {reason}", e.subject)


_TRANSITIONS: dict[str, tuple[Severity, EventKind, str]] = {
    "AWAITING_APPROVAL": (S.INFO, K.APPROVAL, "awaits approval"),
    "EXECUTING": (S.INFO, K.APPROVAL, "executing"),
    "FAILED": (S.ERROR, K.ORDER, "entry failed"),
    "REJECTED": (S.WARNING, K.REJECTION, "rejected"),
    "CANCELLED": (S.INFO, K.REJECTION, "cancelled"),
    "CLOSING": (S.INFO, K.ORDER, "closing"),
}


def _transition(e: AuditEntry) -> Draft | None:
    if is_twin_bot(e.subject):
        return None
    p = e.payload
    old, new, reason = str(p.get("from", "")), str(p.get("to", "")), str(p.get("reason", ""))
    cand = p.get("candidate")
    ref = str(cand or "")
    what = f" {handle(str(cand))}" if cand else ""
    if new == "MONITORING" and old == "EXECUTING":
        return Draft(e.at, S.INFO, K.FILL, f"{e.subject}{what}: position open — {reason}", ref)
    if new == "IDLE" and old == "CLOSING":
        return Draft(e.at, S.INFO, K.FILL, f"{e.subject}: position closed — {reason}", ref)
    known = _TRANSITIONS.get(new)
    if known is None:
        return None
    severity, kind, verb = known
    return Draft(e.at, severity, kind, f"{e.subject}{what} {verb}: {reason}" if reason else
                 f"{e.subject}{what} {verb}", ref)


def _intent(e: AuditEntry) -> Draft | None:
    key = parse_client_order_id(e.subject)
    if key is not None and key.twin:
        return None
    p = e.payload
    limit = p.get("limit")
    price = f" @ {float(limit):.2f}" if isinstance(limit, (int, float)) and math.isfinite(limit) else ""
    side = "opening" if p.get("opening") else "closing"
    legs = len(p.get("legs") or ())
    text = f"order {e.subject}: {side} {p.get('type', '')} {_qty(p.get('quantity'))} × {legs} leg(s){price}"
    return Draft(e.at, S.INFO, K.ORDER, text, key.position_id if key else e.subject)


def _qty(value: Any) -> str:
    return f"{float(value):g}" if isinstance(value, (int, float)) else str(value)


def _scan(e: AuditEntry) -> Draft:
    counts = e.payload.get("counts") or {}
    parts = ", ".join(f"{n} {status}" for status, n in dict(counts).items()) or "no candidates"
    skipped = int(e.payload.get("skipped") or 0)
    tail = f"; {skipped} bot(s) skipped" if skipped else ""
    return Draft(e.at, S.INFO, K.SCAN, f"{e.subject}: {parts}{tail}", e.subject)


def _reconcile(e: AuditEntry) -> Draft:
    p = e.payload
    verdict = str(p.get("verdict", ""))  # the trading state reconciliation asks for
    severity = S.INFO if verdict in ("", "ACTIVE") else (S.CRITICAL if verdict == "HALTED" else S.ERROR)
    text = (f"reconcile {e.subject}: {verdict or 'done'} ({p.get('findings', 0)} finding(s), "
            f"{p.get('blocking', 0)} blocking)")
    return Draft(e.at, severity, K.RECONCILE, text, e.subject)


def _bot_config(e: AuditEntry) -> Draft | None:
    if is_twin_bot(e.subject):
        return None
    p = e.payload
    return Draft(e.at, S.INFO, K.SYSTEM, f"{e.subject}: configuration v{p.get('version')} ({p.get('source', '')})",
                 e.subject)


def from_audit(e: AuditEntry) -> Draft | None:
    """The feed's line for one audit entry (None for entries it leaves out)."""
    action = e.action
    if action == "trading_state.set":
        return _state_change(e)
    if action == "bot.transition":
        return _transition(e)
    if action == "order.intent":
        return _intent(e)
    if action == "risk.kill":
        return Draft(e.at, S.CRITICAL, K.KILL, f"KILL by {e.actor}: {e.payload.get('message', '')}", e.subject)
    if action.endswith(".completed") and action.split(".")[0] in ("scan", "signal"):
        return _scan(e)
    if action == "reconcile.run":
        return _reconcile(e)
    if action == "bot.config":
        return _bot_config(e)
    if action == "bot.enabled":
        state = "enabled" if e.payload.get("enabled") else "disabled"
        return Draft(e.at, S.INFO, K.SYSTEM, f"{e.subject} {state} by {e.actor}", e.subject)
    return Draft(e.at, S.INFO, K.SYSTEM, f"{action} {e.subject}".strip(), e.subject)


def from_fills(fills: Iterable[Fill]) -> list[Draft]:
    """One line per order whose fills arrived together (paper-twin executions left out)."""
    by_order: dict[str, list[Fill]] = {}
    for fill in fills:
        if fill.exec_id.startswith(TWIN_EXEC_PREFIX):
            continue
        by_order.setdefault(fill.client_order_id, []).append(fill)
    out = []
    for coid, group in by_order.items():
        group.sort(key=lambda f: (f.time, f.leg_index))
        legs = ", ".join(f"{f.action.value} {f.quantity:g} {f.symbol} @ {f.price:.2f}" for f in group)
        key = parse_client_order_id(coid)
        out.append(Draft(group[-1].time, S.INFO, K.FILL, f"fill {coid}: {legs}",
                         key.position_id if key else coid))
    return out


def from_denial(event: RiskEvent) -> Draft | None:
    """A failing order gate, approval re-check or kill problem (the kill's own HALT decision is
    left out: the trading-state change already says it)."""
    d = event.decision
    if event.kind == "kill":
        return None if d.code == KILL_CODE else Draft(event.at, S.ERROR, K.KILL, d.reason, event.scope)
    return Draft(event.at, S.WARNING, K.REJECTION, f"{d.check}: {d.reason}", event.candidate_id or event.scope)


def from_regime(old: RegimeState | None, new: RegimeState) -> Draft | None:
    """A regime change (or a transition alert) of one model; None when nothing worth saying."""
    model = new.model.value
    if old is not None and old.regime != new.regime:
        return Draft(new.computed_at, S.WARNING, K.REGIME,
                     f"{model} regime {old.regime} → {new.regime} ({new.confidence:.0%}) as of {new.asof}",
                     model)
    if new.transition_alert and (old is None or not old.transition_alert or old.asof != new.asof):
        return Draft(new.computed_at, S.INFO, K.REGIME,
                     f"{model}: transition alert, {new.regime} at {new.confidence:.0%} as of {new.asof}", model)
    return None


_ALERT_SEVERITY = {"INFO": S.INFO, "WARNING": S.WARNING, "CRITICAL": S.ERROR, "EMERGENCY": S.CRITICAL}


def from_alert(payload: Mapping[str, Any]) -> Draft | None:
    """A risk alert from the bus. Failing decisions are left out: they reach the store as trips or
    denials, and the feed shows them from there (once)."""
    decision = payload.get("decision")
    if isinstance(decision, Mapping) and decision.get("passed") is False:
        return None
    try:
        at = datetime.fromisoformat(str(payload["time"]))
    except (KeyError, ValueError):
        return None
    severity = _ALERT_SEVERITY.get(str(payload.get("severity", "")), S.WARNING)
    code = str(payload.get("code", ""))
    kind = K.BREAKER if "BREAKER" in code else K.SYSTEM
    scope = str(payload.get("scope", ""))
    return Draft(at, severity, kind, f"{scope}: {payload.get('message', code)}", scope)


def from_lifecycle(payload: Mapping[str, Any]) -> Draft | None:
    """A management alert of the lifecycle monitor (exits and fills reach the store themselves)."""
    if payload.get("kind") != "alert":
        return None
    try:
        at = datetime.fromisoformat(str(payload["at"]))
    except (KeyError, ValueError):
        return None
    return Draft(at, S.WARNING, K.ORDER, f"{payload.get('bot', '')} {payload.get('position', '')}: "
                 f"{payload.get('rule', '')} — {payload.get('reason', '')}", str(payload.get("position", "")))
