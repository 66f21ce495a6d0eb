"""`dorado kill [--flatten]` and `dorado resume --reason`: the kill switch and the way back."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commands.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    HomeOpt,
    JsonOpt,
    console,
    emit_json,
    exit_on_error,
    fail,
    operator,
)

FlattenOpt = Annotated[bool, typer.Option("--flatten", help="Also close every position with marketable limit "
                                          "orders (short legs first). Asks for confirmation.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before flattening.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (written to the audit log).")]


def kill(flatten: FlattenOpt = False, yes: YesOpt = False, reason: ReasonOpt = "kill switch",
         home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """HALT all trading now: the global trading state becomes HALTED (latched), every working order
    at the venue is cancelled — including orders Dorado did not place — and with --flatten every
    position is closed. Every process sees the HALT within a second. Undo with `dorado resume`.

    Exit codes: 0 halted and nothing left working, 1 orders still working or the venue failed
    (the HALT holds regardless), 2 bad input or refused confirmation.
    """
    import asyncio

    if flatten and not yes and not typer.confirm("Close EVERY position with marketable orders?", default=False):
        fail("flatten not confirmed: nothing done (use --yes to skip the question)", EXIT_BAD_INPUT)
    with exit_on_error(json_out):
        outcome = asyncio.run(_kill(home, flatten, reason))
    if json_out:
        emit_json({"ok": not outcome.still_working and not outcome.venue_error, **outcome.as_dict()})
    else:
        out = console()
        out.print(f"KILL: {outcome.message}", markup=False, soft_wrap=True)
        if outcome.venue_error:
            out.print(f"venue: {outcome.venue_error}", markup=False, soft_wrap=True)
        out.print("resume with: dorado resume --reason \"...\"", markup=False)
    if outcome.still_working or outcome.venue_error:
        raise typer.Exit(EXIT_FAILURE)


async def _kill(home: Any, flatten: bool, reason: str) -> Any:
    from dorado_tui.engine.kill_switch import KillSwitch
    from dorado_tui.engine.risk_service import RiskService
    from dorado_tui.engine.runtime import open_runtime
    from dorado_tui.home import resolve_home

    # Venues are connected by the kill itself, after the HALT is committed: an unreachable
    # broker must not delay or prevent the HALT.
    async with open_runtime(resolve_home(home), connect=False) as rt:
        risk = RiskService(rt.db, rt.config.risk_policy, rt.clock, rt.bus)
        await risk.start()
        switch = KillSwitch(risk, rt.venue, rt.clock)
        return await switch.kill(flatten=flatten, reason=reason, operator=operator(), connect_venue=True)


def resume(reason: ReasonOpt = "", scope: Annotated[str, typer.Option(
        "--scope", help="Scope to resume: global, layer:<name>, bot:<id>, underlying:<symbol>.")] = "global",
           home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Clear a HALT or a latched breaker (global by default) back to ACTIVE. Needs --reason; the
    resume, who did it and what it cleared go to the audit log.

    Exit codes: 0 resumed (or already ACTIVE), 1 store unavailable, 2 no reason or bad scope.
    """
    import asyncio

    if not reason.strip():
        fail("a resume needs a reason: dorado resume --reason \"what was checked\"", EXIT_BAD_INPUT)
    if scope != "global" and scope.split(":", 1)[0] not in ("layer", "bot", "underlying"):
        fail(f"unknown scope {scope!r}: use global, layer:<name>, bot:<id> or underlying:<symbol>",
             EXIT_BAD_INPUT)
    with exit_on_error(json_out):
        record = asyncio.run(_resume(home, scope, reason))
    cleared = [t.code for t in record.cleared]
    if json_out:
        emit_json({"ok": True, "scope": record.scope, "previous": record.previous.value, "state": "ACTIVE",
                   "reason": record.reason, "operator": record.operator, "cleared": cleared})
        return
    what = f"cleared {', '.join(cleared)}" if cleared else "nothing was latched"
    console().print(f"{record.scope}: {record.previous.value} → ACTIVE ({what}); reason: {record.reason}",
                    markup=False, soft_wrap=True)


async def _resume(home: Any, scope: str, reason: str) -> Any:
    from dorado_tui.engine.risk_service import RiskService
    from dorado_tui.engine.runtime import open_runtime
    from dorado_tui.home import resolve_home

    async with open_runtime(resolve_home(home), connect=False) as rt:
        risk = RiskService(rt.db, rt.config.risk_policy, rt.clock, rt.bus)
        return await risk.resume(scope, reason, operator())
