"""`dorado scan`: the daily scan — gates, candidates, ranking and portfolio-aware selection."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commands.common import HomeOpt, JsonOpt, console, emit_json, exit_on_error

BotOpt = Annotated[list[str] | None, typer.Option("--bot", help="Scan only this bot (repeatable). Default: every "
                                                  "enabled bot in scan or both mode.")]
AsofOpt = Annotated[str | None, typer.Option("--asof", help="Scan as of a past moment of the simulated market: "
                                             "YYYY-MM-DD (10:30 New York) or YYYY-MM-DDTHH:MM (New York time, "
                                             "or with an offset). Simulation venue only.")]
#: A date-only --asof scans at this New York time: after the open and inside every shipped
#: 0DTE entry window.
ASOF_TIME = (10, 30)


def scan(bot: BotOpt = None, asof: AsofOpt = None, home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Run the scan: per bot the gate cascade (regime → volatility → technicals), chain fetch and
    validation, the template resolver, sizing and scoring; then every candidate is ranked and
    selected against the portfolio limits and persisted with every verdict, then handed to the
    lifecycle: SELECTED candidates await approval (`dorado approve`) or execute for auto_execute
    bots, the rest run as paper twins with the reason. Safe under cron: a lease stops overlapping
    runs.

    Exit codes: 0 scanned (even when every underlying was skipped), 1 another scan is running or the
    store/venue failed, 2 bad input (unknown bot, bad --asof, invalid configuration).
    """
    import asyncio

    with exit_on_error(json_out):
        moment = parse_asof(asof)
        result = asyncio.run(_scan(home, bot, moment))
    if json_out:
        emit_json({"ok": True, **result.as_dict()})
        return
    _print(result)


def parse_asof(text: str | None) -> Any:
    """The aware UTC instant of --asof (None for now); BadInput when it does not parse."""
    if text is None:
        return None
    from datetime import UTC, date, datetime, time

    from dorado_tui.domain.clock import NEW_YORK
    from dorado_tui.domain.errors import BadInput

    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(*ASOF_TIME), tzinfo=NEW_YORK).astimezone(UTC)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(f"--asof {text!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return (at if at.tzinfo else at.replace(tzinfo=NEW_YORK)).astimezone(UTC)


async def _scan(home: Any, bots: list[str] | None, moment: Any) -> Any:
    from dorado_tui.domain.clock import FixedClock
    from dorado_tui.domain.errors import BadInput
    from dorado_tui.engine.runtime import open_runtime
    from dorado_tui.engine.scan.service import scan_bots
    from dorado_tui.engine.scheduler.services import EngineServices
    from dorado_tui.home import resolve_home
    from dorado_tui.settings import load_config

    config = load_config(resolve_home(home))
    scan_bots(config, bots)  # unknown or non-scanning bots fail before the venue is opened
    if moment is not None and config.dorado.venue.mode != "simulation":
        raise BadInput(f"--asof replays the simulated market; this home trades venue mode {config.dorado.venue.mode}")
    clock = FixedClock(moment) if moment is not None else None
    async with open_runtime(config=config, clock=clock) as rt:
        services = await EngineServices.open(rt)  # the scanner with the lifecycle as its sink
        return await services.scanner.scan(bots or None)


def _print(result: Any) -> None:
    from dorado_tui.engine.scan.report import render

    out = console()
    for line in render(result):
        out.print(line, markup=False, soft_wrap=True, highlight=False)
