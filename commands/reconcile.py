"""`dorado reconcile`: venue positions, open orders and executions against the store (cron-safe)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commands.common import EXIT_REFUSED, HomeOpt, JsonOpt, console, emit_json, exit_on_error

TwinsOpt = Annotated[bool, typer.Option("--twins/--no-twins", help="Also reconcile the paper-twin account "
                                        "(advisory: it never changes the trading state).")]


def reconcile(twins: TwinsOpt = True, home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Reconcile the venue with the store, keyed by client order id: unresolved intents are
    settled first (looked up at the venue), executions of Dorado's orders the store lacks are
    ingested, and any order Dorado did not place (→ HALTED) or position the managed positions do
    not explain (→ REDUCING) latches the global trading state, with an alert and the diff below.
    Safe from cron: no prompts, and runs never overlap (a store lease).

    Exit codes: 0 venue and store agree, 1 venue or store unavailable, 2 invalid configuration,
    3 discrepancies found: trading is now REDUCING or HALTED (`dorado resume --reason` once fixed).
    """
    import asyncio

    with exit_on_error(json_out):
        results = asyncio.run(_run(home, twins))
    trading = results[0]
    if json_out:
        emit_json({"ok": trading.clean, "verdict": trading.verdict.value,
                   "accounts": [r.as_dict() for r in results]})
    else:
        _print(results)
    if not trading.clean:
        raise typer.Exit(EXIT_REFUSED)


async def _run(home: Any, twins: bool) -> list[Any]:
    from dorado_tui.engine.reconcile.startup import connect_reconciled
    from dorado_tui.engine.runtime import open_runtime
    from dorado_tui.engine.scheduler.services import EngineServices
    from dorado_tui.home import resolve_home

    async with open_runtime(resolve_home(home), connect=False) as rt:
        services = await EngineServices.open(rt)
        return await connect_reconciled(rt, services.reconciler, reason="manual", twins=twins)


def _print(results: list[Any]) -> None:
    out = console()
    for i, result in enumerate(results):
        label = "trading account" if i == 0 else "paper-twin account (advisory)"
        out.print(f"{label}: {result.headline()}", markup=False, soft_wrap=True)
        for line in result.diff_lines():
            out.print(f"  {line}", markup=False, soft_wrap=True)
