"""`dorado ib`: Interactive Brokers connectivity — `dorado ib check` probes a gateway."""

from __future__ import annotations

from typing import Annotated

import typer

from commands.common import EXIT_BAD_INPUT, EXIT_FAILURE, JsonOpt, console, emit_json, fail, sub_app

app = sub_app("Interactive Brokers: check the gateway connection, data and trading permissions.")


@app.callback()
def ib() -> None:
    """Interactive Brokers through IB Gateway or TWS (paper 4002 / live 4001); see docs/ibkr.md."""


@app.command("check")
def check(
    host: Annotated[str, typer.Option(envvar="DORADO_IB_HOST", show_envvar=True,
                                      help="IB Gateway / TWS host.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(envvar="DORADO_IB_PORT", show_envvar=True,
                                             help="API port; default 4002 paper / 4001 live.")] = None,
    mode: Annotated[str, typer.Option(envvar="DORADO_IB_MODE", show_envvar=True,
                                      help="paper or live.")] = "paper",
    client_id: Annotated[int, typer.Option(envvar="DORADO_IB_CLIENT_ID", show_envvar=True,
                                           help="API clientId (unique per connection).")] = 99,
    account: Annotated[str, typer.Option(envvar="DORADO_IB_ACCOUNT", show_envvar=True,
                                         help="Account code when the login manages several.")] = "",
    symbol: Annotated[str, typer.Option(help="Underlying used for the data and option probes.")] = "SPY",
    timeout: Annotated[float, typer.Option(help="Seconds for the connection and each request.")] = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Connect, read the account, check the clock, live market data, option chains with model
    Greeks, and option trading permission (a what-if order: nothing is transmitted)."""
    import asyncio
    import logging

    from pydantic import ValidationError

    from commands.common import debug_enabled

    if not debug_enabled():  # ib_async logs every IB error; the report below says what matters
        logging.getLogger("ib_async").setLevel(logging.CRITICAL)

    from dorado_tui.domain.clock import RealClock
    from dorado_tui.venues.ibkr.check import run_check
    from dorado_tui.venues.ibkr.config import IBKRConfig

    try:
        config = IBKRConfig(host=host, port=port, mode=mode, client_id=client_id, account=account,
                            connect_timeout_s=timeout, request_timeout_s=timeout,
                            quote_wait_s=min(timeout, 5.0), connect_retries_326=0)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        fail(f"invalid IB settings: {problems}", EXIT_BAD_INPUT)
    report = asyncio.run(run_check(config, RealClock(), symbol))
    if json_out:
        emit_json(report.as_dict())
    else:
        from rich.markup import escape

        out = console()
        out.print(f"IB gateway {report.gateway} ({report.mode})")
        for item in report.items:
            mark = "[green]ok  [/]" if item.ok else "[red]FAIL[/]"
            out.print(f"  {mark} {escape(item.name)}: {escape(item.detail)}", markup=True, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)
