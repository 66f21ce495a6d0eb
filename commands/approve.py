"""`dorado approve [ID] [--tag …]` and `dorado reject ID --reason …`: the operator's approval gate."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commands.common import (
    EXIT_BAD_INPUT,
    HomeOpt,
    JsonOpt,
    console,
    emit_json,
    exit_on_error,
    fail,
    operator,
)

CandidateArg = Annotated[str | None, typer.Argument(help="The candidate's ID as `dorado approve` lists it (or its "
                                                    "full id). Without it: list what waits.", show_default=False)]
TagOpt = Annotated[str | None, typer.Option("--tag", help="Why you picked it (one tap, stored for calibration): "
                                            "best_credit, sr_alignment, bandit_rec, gut_feel, carry_setup, "
                                            "diversification, strong_trend, hurst_signal.")]
NoteOpt = Annotated[str, typer.Option("--note", help="Free text stored with the tag.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (stored with the candidate and in the audit log).")]


def approve(candidate: CandidateArg = None, tag: TagOpt = None, note: NoteOpt = "", home: HomeOpt = None,
            json_out: JsonOpt = False) -> None:
    """List the candidates waiting for approval — ranked, with their gate verdicts, risk figures
    and the portfolio budget — or approve one: risk is re-checked on fresh quotes, the order
    intent is stored with the bot's EXECUTING step, and the order is worked (limit at mid, walked
    toward the natural price). Skipped candidates still run as paper twins.

    Exit codes: 0 listed / approved, 1 the re-check or the venue refused, 2 unknown or not
    pending candidate / unknown tag, 3 refused by the trading state (REDUCING / HALTED).
    """
    import asyncio

    with exit_on_error(json_out):
        if candidate is None:
            listed = asyncio.run(_pending(home))
            _print_pending(listed, json_out)
            return
        result = asyncio.run(_approve(home, candidate, tag, note))
    if json_out:
        emit_json({"ok": True, **result.as_dict()})
        return
    f = result.finished
    console().print(f"approved {result.as_dict()['handle']} ({result.candidate.bot_id}): {f.outcome.status}, "
                    f"{f.outcome.reason}; bot {f.bot_state.value}, position {f.outcome.episode.position_id} "
                    f"{f.position_status}", markup=False, soft_wrap=True)


async def _pending(home: Any) -> Any:
    from dorado_tui.engine.lifecycle.front import open_lifecycle
    from dorado_tui.home import resolve_home

    async with open_lifecycle(resolve_home(home), venues=False) as lc:
        return await lc.pending()


async def _approve(home: Any, ref: str, tag: str | None, note: str) -> Any:
    from dorado_tui.engine.lifecycle.front import open_lifecycle
    from dorado_tui.home import resolve_home

    async with open_lifecycle(resolve_home(home), start=True, recover=True, operator=operator()) as lc:
        return await lc.approve(ref, tag=tag, operator=operator(), note=note)


def _gates(c: Any) -> str:
    failed = [d.code for d in c.gates if not d.passed]
    flagged = [d.code for d in c.gates if d.passed and d.code not in ("OK",)]
    text = f"{len(c.gates) - len(failed)}/{len(c.gates)} ✓"
    return text + (f" ✗ {','.join(failed)}" if failed else "") + (f" ⚠ {','.join(flagged[:2])}" if flagged else "")


def _legs(c: Any) -> str:
    parts = []
    for leg in c.legs:
        inst = leg.instrument
        what = f"{inst.strike:g}{inst.right.value[0].upper()}" if inst.is_option and inst.right else inst.symbol
        parts.append(("-" if leg.action.sign < 0 else "+") + what)
    return " ".join(parts)


def _item(i: Any) -> dict[str, Any]:
    c = i.candidate
    return {"id": i.handle, "candidate": c.id, "kind": i.kind, "rank": c.rank, "bot": c.bot_id,
            "underlying": c.underlying, "template": c.template, "variant": c.variant,
            "expiry": c.expiry.isoformat() if c.expiry else None, "dte": c.dte, "quantity": c.quantity,
            "credit": c.credit, "max_loss": c.max_loss, "total_max_loss": c.total_max_loss, "pop": c.pop,
            "score": c.score, "confidence": c.confidence, "spread_quality": c.spread_quality,
            "flags": list(c.flags), "legs": _legs(c), "reason": c.status_reason,
            "gates": [d.as_dict() for d in c.gates],
            "waiting_since": i.since.isoformat() if i.since else None,
            "expires_at": i.expires_at.isoformat() if i.expires_at else None}


def _block(i: Any) -> list[str]:
    """One pending candidate in three lines that read at 80 columns: who and what, the money,
    the gates (a table of fifteen columns does not fit a terminal over SSH)."""
    c = i.candidate
    what = f"{c.template} ({c.variant})" if i.kind == "adjustment" else c.template
    expiry = f"{c.expiry:%b %d} ({c.dte}d)" if c.expiry else "no expiry"
    expires = f"expires {i.expires_at:%b %d %H:%M %Z}".rstrip() if i.expires_at else "no timeout"
    pop = "—" if c.pop is None else f"{c.pop:.0%}"
    return [f"{i.handle}  #{c.rank}  {c.bot_id}  {c.underlying} {what}  {expiry}  {_legs(c)}",
            f"    x{c.quantity:g}  credit {c.credit:,.2f}  max loss {c.total_max_loss:,.2f}  POP {pop}  "
            f"score {c.score:.2f}  {c.confidence}",
            f"    gates {_gates(c)}  {expires}"]


def _print_pending(listed: Any, json_out: bool) -> None:
    if json_out:
        emit_json({"ok": True, "pending": [_item(i) for i in listed.items], "budget": listed.budget,
                   "open_positions": listed.open_positions})
        return
    out = console()
    if not listed.items:
        out.print("nothing waits for approval", markup=False)
    else:
        out.print("Trade candidates awaiting approval", style="bold", markup=False)
        for i in listed.items:
            for line in _block(i):
                out.print(line, markup=False, soft_wrap=True)
    out.print(listed.budget or "Portfolio budget: no scan has run yet", markup=False)
    out.print(f"{listed.open_positions} live position(s) open. Approve: dorado approve ID [--tag best_credit]; "
              "reject: dorado reject ID --reason \"…\"", markup=False, soft_wrap=True)


def reject(candidate: Annotated[str, typer.Argument(help="The candidate's ID (or full id).")],
           reason: ReasonOpt = "", home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Reject a pending candidate: its bot goes AWAITING_APPROVAL → CANCELLED → IDLE, the reason is
    stored, and the candidate runs as a paper twin so the skip still gets an outcome.

    Exit codes: 0 rejected, 1 store unavailable, 2 no reason / unknown or not pending candidate.
    """
    import asyncio

    if not reason.strip():
        fail("a rejection needs a reason: dorado reject ID --reason \"...\"", EXIT_BAD_INPUT)
    with exit_on_error(json_out):
        c = asyncio.run(_reject(home, candidate, reason))
    if json_out:
        emit_json({"ok": True, "candidate": c.id, "bot": c.bot_id, "reason": reason.strip()})
        return
    console().print(f"rejected {candidate} ({c.bot_id}): {reason.strip()}; it runs as a paper twin",
                    markup=False, soft_wrap=True)


async def _reject(home: Any, ref: str, reason: str) -> Any:
    from dorado_tui.engine.lifecycle.front import open_lifecycle
    from dorado_tui.home import resolve_home

    async with open_lifecycle(resolve_home(home), start=True, operator=operator()) as lc:
        return await lc.reject(ref, reason, operator=operator())
