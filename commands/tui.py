"""`dorado tui`: the operator console (Textual) over the engine; `--json` prints what it would show."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commands.common import HomeOpt, JsonOpt, emit_json, exit_on_error

RefreshOpt = Annotated[float, typer.Option("--refresh", min=0.2, max=60.0,
                                           help="Seconds between snapshot re-reads (live events arrive at once).")]
NoSchedulerOpt = Annotated[bool, typer.Option(
    "--no-scheduler", help="Never run the job table in this console; only attach and read (as when a "
                           "headless `dorado run` holds the scheduler lease).")]


def tui(home: HomeOpt = None, json_out: JsonOpt = False, refresh: RefreshOpt = 2.0,
        no_scheduler: NoSchedulerOpt = False) -> None:
    """Open the operator console: positions, regimes, candidates, risk and breakers, events.

    Keys: ctrl+k kill switch (no confirmation), 1–7 screens, s scan, a/r approve/reject, / filter,
    ? help, q quit. The console runs the scheduler when no other process holds the lease, else it
    attaches read-only. With --json it prints the dashboard snapshot once and exits.

    Exit codes: 0 ok, 1 engine unavailable, 2 invalid configuration.
    """
    import asyncio

    with exit_on_error(json_out):
        if json_out:
            emit_json({"ok": True, "snapshot": asyncio.run(_snapshot(home))})
            return
        app = _build_app(home, refresh, no_scheduler)
    app.run()


def _build_app(home: Any, refresh: float, no_scheduler: bool) -> Any:
    from dorado_tui.engine.console_backend import build_console_backend, build_console_scheduler
    from dorado_tui.home import resolve_home
    from dorado_tui.jobs import make_scheduler
    from dorado_tui.tui.app import create_app

    resolved = resolve_home(home)
    backend = build_console_backend(resolved)
    # The job table lives above the engine (jobs call the engine), so it is handed in from here.
    scheduler = None if no_scheduler else build_console_scheduler(resolved, backend, make_scheduler)
    return create_app(backend, scheduler=scheduler, refresh_seconds=refresh)


async def _snapshot(home: Any) -> dict[str, Any]:
    from dorado_tui.engine.console_backend import build_console_backend
    from dorado_tui.engine.console_views import snapshot_as_dict
    from dorado_tui.home import resolve_home

    backend = build_console_backend(resolve_home(home))
    await backend.open()
    try:
        return snapshot_as_dict(await backend.snapshot())
    finally:
        await backend.close()
