"""The PRD's candidate layout as plain text lines (`dorado scan`, `dorado signal`, logs).

Per underlying: the template, the gates ✓/✗ with their measured values, then its candidates
(rank, expiry, strikes, credit per share, data quality, confidence, status) or why it was
skipped; then the portfolio budget and the correlation regime line.
"""

from __future__ import annotations

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import Right
from dorado_tui.domain.orders import Action
from dorado_tui.engine.scan.model import BotOutcome, ScanResult

_SHOWN_GATES = ("gate.regime", "gate.volatility", "gate.technical", "gate.entry_window", "chain.validation",
                "resolver")


def quality_marks(q: float) -> str:
    """PRD "Data Qual": ✓✓✓ clean, ✓✓ / ✓ degraded, ⚠ poor."""
    return "✓✓✓" if q >= 0.9 else "✓✓" if q >= 0.75 else "✓" if q >= 0.6 else "⚠"


def strikes(c: Candidate) -> str:
    """"569/564P 596/601C" (short strike first); FX/crypto: "Long 148.5 / SL 146.8 / TP 151.2"."""
    parts = []
    for right, code in ((Right.PUT, "P"), (Right.CALL, "C")):
        legs = sorted((leg for leg in c.legs if leg.instrument.right is right), key=lambda x: x.action is not Action.SELL)
        if legs:
            parts.append("/".join(f"{leg.instrument.strike:g}" + ("×2" if leg.ratio == 2 else "") for leg in legs) + code)
    if any(not leg.instrument.is_option and leg.instrument.right is None for leg in c.legs) and c.expiry:
        parts.insert(0, "stock +")
    if parts:
        return " ".join(parts)
    side = (c.direction or "long").capitalize()
    return f"{side} {c.entry:.6g} / SL {c.stop:.6g} / TP {c.target:.6g}" if c.entry is not None else ""


def _credit(c: Candidate) -> str:
    if c.expiry is None:
        return "—"
    mult = next((leg.instrument.multiplier for leg in c.legs if leg.instrument.is_option), 100)
    per_share = c.credit / mult
    return f"${per_share:.2f}" if per_share >= 0 else f"-${-per_share:.2f} db"


def _status(c: Candidate) -> str:
    if c.status is CandidateStatus.SELECTED:
        return f"SELECTED ({c.status_reason})"
    return f"{c.status.value.upper()}: {c.status_reason}"


def gate_line(gates: tuple[Decision, ...]) -> str:
    shown = [d for d in gates if d.check.startswith(_SHOWN_GATES) and d.check != "gate.technical.sr"]
    return "  ".join(("✓ " if d.passed else "✗ ") + d.reason for d in shown)


def candidate_line(c: Candidate) -> str:
    expiry = f"{c.expiry:%b %d}" if c.expiry else "—     "
    return (f"  {c.rank or '-':>3}  {expiry}  {strikes(c):<26} {_credit(c):>10}  {quality_marks(c.data_quality):<4} "
            f"{c.confidence:<4}  x{c.quantity:g}  {_status(c)}")


def _bot_lines(b: BotOutcome, by_id: dict[str, Candidate]) -> list[str]:
    head = f"{b.underlying} {b.template_name}"
    if b.skipped is not None:
        lines = [f"{head} — skipped: {b.skipped}"]
    else:
        n = len(b.candidate_ids)
        lines = [f"{head} ({n} candidate{'s' if n != 1 else ''})"]
    gates = gate_line(b.gates)
    if gates:
        lines.append(f"    {gates}")
    for cid in b.candidate_ids:
        c = by_id.get(cid)
        if c is not None:
            lines.append(candidate_line(c))
            flags = [f for f in c.flags if f.startswith(("sr_conflict", "re_resolved", "iv_mismatch", "stale_greeks",
                                                         "regime_neutral", "unsized", "primary"))]
            if flags:
                lines.append("        " + "; ".join(flags))
    return lines


def render(result: ScanResult) -> list[str]:
    """The whole scan as text lines."""
    title = "Trade Candidates" if result.kind == "scan" else "Signal"
    lines = [f"{title} — {result.ran_at:%Y-%m-%d %H:%M} UTC ({result.scan_id})", ""]
    by_id = {c.id: c for c in result.candidates}
    for b in sorted(result.bots, key=lambda x: (x.skipped is not None, x.underlying)):
        lines += _bot_lines(b, by_id)
    lines.append("")
    if result.budget is not None:
        lines.append(result.budget.text)
    if result.correlation:
        lines.append(result.correlation)
    if result.sink is not None:
        lines.append(f"Handed to the {result.sink}: {len(result.selected)} selected (approval or auto-execute), "
                     f"{len(result.paper)} paper twins")
    lines += [f"alert: {a}" for a in result.alerts]
    lines += list(result.notes)
    return lines
