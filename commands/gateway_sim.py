"""`dorado gateway-sim`: run the TWS-protocol gateway simulator, or inject faults into one."""

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
    fail,
    sub_app,
)

app = typer.Typer(
    help="Run the IB gateway simulator: the TWS API socket protocol on 127.0.0.1, serving a "
         "deterministic simulated market to any ib_async client (`dorado ib check --port N`).",
    invoke_without_command=True, no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]}, rich_markup_mode="rich",
    pretty_exceptions_enable=False)

PortOpt = Annotated[int, typer.Option("--port", help="TWS API port (IB Gateway paper uses 4002).")]
ControlPortOpt = Annotated[int, typer.Option(
    "--control-port", help="Fault-injection control port (127.0.0.1).",
    envvar="DORADO_GWSIM_CONTROL_PORT", show_envvar=True)]


@app.callback()
def run(ctx: typer.Context, port: PortOpt = 4002, control_port: ControlPortOpt = 14002,
        server_version: Annotated[int, typer.Option(help="API version to announce (157–178).")] = 178,
        step: Annotated[float, typer.Option(help="Seconds between market steps (fills, quotes).")] = 1.0,
        book: Annotated[str, typer.Option(help="memory: deterministic in-memory market; simulation: "
                                               "the home's simulated market and paper broker.")] = "memory",
        home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Serve until Ctrl-C. Orders, fills and positions live in memory for the process' life."""
    if ctx.invoked_subcommand is not None:
        return
    if not 0 <= port <= 65535 or not 0 <= control_port <= 65535:
        fail(f"ports must lie in 0..65535 (got --port {port}, --control-port {control_port})", EXIT_BAD_INPUT)
    if not 157 <= server_version <= 178:
        fail(f"--server-version must lie in 157..178 (what ib_async accepts), got {server_version}",
             EXIT_BAD_INPUT)
    if step <= 0:
        fail(f"--step must be positive, got {step}", EXIT_BAD_INPUT)
    if book not in ("memory", "simulation"):
        fail(f"--book must be memory or simulation, got {book!r}", EXIT_BAD_INPUT)
    import asyncio

    from dorado_tui.venues.ibkr.gateway_sim.runner import RunOptions, serve

    def ready(info: dict[str, Any]) -> None:
        if json_out:
            emit_json({"status": "listening", **info})
        else:
            console().print(f"gateway simulator listening on 127.0.0.1:{info['port']} "
                            f"(account {info['account']}, API {info['server_version']}); "
                            f"faults: dorado gateway-sim fault --control-port {info['control_port']} …; "
                            "Ctrl-C stops it.")

    from dorado_tui.domain.errors import DoradoError

    try:
        asyncio.run(serve(RunOptions(port, control_port, server_version, step, book, home), ready))
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port} or :{control_port}: {exc.strerror or exc}")
    except DoradoError as exc:
        fail(exc.message, exc.exit_code)


fault = sub_app("Inject a fault into a running gateway simulator (over its control channel).")
app.add_typer(fault, name="fault")


def _send(cmd: str, args: dict[str, Any], control_port: int, json_out: bool) -> None:
    import asyncio

    from dorado_tui.venues.ibkr.gateway_sim.control import send_command

    try:
        reply = asyncio.run(send_command(control_port, cmd, args))
    except (OSError, TimeoutError) as exc:
        fail(f"no gateway simulator control channel on 127.0.0.1:{control_port}: {exc}", EXIT_FAILURE)
    if json_out:
        emit_json(reply)
    elif reply.get("ok"):
        result = reply.get("result")
        console().print(f"{cmd}: ok" + ("" if result is None else f" — {result}"))
    if not reply.get("ok"):
        if not json_out:
            fail(str(reply.get("error")), EXIT_BAD_INPUT)
        raise typer.Exit(EXIT_BAD_INPUT)


@fault.command("status")
def status(control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Clients, orders, executions and active faults."""
    _send("status", {}, control_port, json_out)


@fault.command("error")
def error(code: Annotated[int, typer.Argument(help="1100 lost, 1101 restored/data lost, "
                                                   "1102 restored/data kept, 2110 TWS↔server broken")],
          control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Broadcast a connectivity message to every client."""
    _send("error", {"code": code}, control_port, json_out)


@fault.command("drop")
def drop(client_id: Annotated[int | None, typer.Option(help="Only this clientId.")] = None,
         control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Cut client sockets without a goodbye."""
    _send("drop", {"client_id": client_id}, control_port, json_out)


@fault.command("restart")
def restart(rollback_to: Annotated[int | None, typer.Option(help="Announce this next valid order id.")] = None,
            control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Drop every client; orders survive; optionally roll order ids back."""
    _send("restart", {"rollback_to": rollback_to}, control_port, json_out)


@fault.command("refuse-client-id")
def refuse(count: int = 1, control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Answer the next connects with error 326 (clientId in use)."""
    _send("refuse-client-id", {"count": count}, control_port, json_out)


@fault.command("reject")
def reject(reason: str = "Order rejected - reason:Simulated reject", code: int = 201,
           control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Reject the next order."""
    _send("reject", {"reason": reason, "code": code}, control_port, json_out)


@fault.command("partial")
def partial(units: Annotated[float, typer.Argument(help="Units the next order may fill now.")],
            control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Fill the next order only partially (the rest fills on `fill-partials`)."""
    _send("partial", {"units": units}, control_port, json_out)


@fault.command("hold")
def hold(control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Accept orders but do not fill them."""
    _send("hold", {}, control_port, json_out)


@fault.command("release")
def release(control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Let held orders trade again."""
    _send("release", {}, control_port, json_out)


@fault.command("drop-reply")
def drop_reply(kind: Annotated[str, typer.Argument(help="order_ack, snapshot, contract_details, "
                                                        "option_params, executions, open_orders, "
                                                        "completed_orders, positions, account_summary, cancel")],
               count: int = 1, control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Swallow the next reply of a kind."""
    _send("drop-reply", {"kind": kind, "count": count}, control_port, json_out)


@fault.command("delay")
def delay(seconds: float, control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Delay every reply (0 clears)."""
    _send("delay", {"seconds": seconds}, control_port, json_out)


@fault.command("pacing")
def pacing(target: Annotated[str, typer.Argument(help="market_data or historical")] = "market_data",
           count: int = 1, control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Answer the next requests with a pacing-violation error."""
    _send("pacing", {"target": target, "count": count}, control_port, json_out)


@fault.command("quote")
def quote(con_id: int, fault_kind: Annotated[str, typer.Argument(metavar="FAULT", help="nan, stale or delayed")],
          control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Break one contract's quotes."""
    _send("quote", {"con_id": con_id, "fault": fault_kind}, control_port, json_out)


@fault.command("heal")
def heal(control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Clear every fault."""
    _send("heal", {}, control_port, json_out)


@fault.command("fill-partials")
def fill_partials(control_port: ControlPortOpt = 14002, json_out: JsonOpt = False) -> None:
    """Fill what partial-fill faults held back."""
    _send("fill-partials", {}, control_port, json_out)
