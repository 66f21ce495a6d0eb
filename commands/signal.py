"""`dorado signal`: one webhook-style JSON signal for one bot → resolver → risk → approval."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from commands.common import HomeOpt, JsonOpt, console, emit_json, exit_on_error

SourceArg = Annotated[str, typer.Argument(help="JSON file with the signal, or - for stdin.", show_default=True)]


def signal(source: SourceArg = "-", home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Process one signal for a bot in webhook or both mode, e.g.
    {"bot": "spy-ic-01", "id": "tv-001", "direction": "long", "time": "2026-03-10T14:30:00Z"}.
    Fields: bot (required), id (idempotency key), action (open), direction (long|short|neutral),
    underlying (must be the bot's), time (ISO-8601 with zone; stale after the bot's timeout),
    secret (checked against the bot's webhook secret when given), note, price.
    The signal is resolved into candidates by the bot's template, sized, risk-checked against the
    portfolio like a scan candidate, persisted with every verdict and handed to approval.

    Exit codes: 0 processed (the candidates' statuses say what happened), 1 store/venue failure or
    a scan holding the lease, 2 bad input (bad JSON or field, unknown bot, duplicate or stale signal).
    """
    import asyncio

    with exit_on_error(json_out):
        text = _read(source)
        result = asyncio.run(_signal(home, text))
    if json_out:
        emit_json({"ok": True, **result.as_dict()})
        return
    from dorado_tui.engine.scan.report import render

    out = console()
    for line in render(result):
        out.print(line, markup=False, soft_wrap=True, highlight=False)


def _read(source: str) -> str:
    from dorado_tui.domain.errors import BadInput

    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read the signal file {path}: {exc}") from None


async def _signal(home: Any, text: str) -> Any:
    from datetime import UTC, datetime

    from dorado_tui.engine.runtime import open_runtime
    from dorado_tui.engine.scan.signals import parse_json, validate
    from dorado_tui.engine.scheduler.services import EngineServices
    from dorado_tui.home import resolve_home
    from dorado_tui.settings import load_config

    raw = parse_json(text)
    config = load_config(resolve_home(home))
    sig = validate(raw, config, datetime.now(UTC))  # bad input fails before the venue is opened
    async with open_runtime(config=config) as rt:
        services = await EngineServices.open(rt)  # the scanner with the lifecycle as its sink
        return await services.scanner.signal(sig)
