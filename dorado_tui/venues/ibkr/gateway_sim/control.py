"""The simulator's control channel: JSON lines over 127.0.0.1 to inject faults from the CLI.

Request: `{"cmd": "error", "args": {"code": 1100}}`; reply: `{"ok": true, "result": ...}` or
`{"ok": false, "error": "..."}`. Every command maps onto a `GatewaySimulator` method.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from dorado_tui.venues.ibkr.gateway_sim.faults import PacingTarget, QuoteFault, ReplyKind
from dorado_tui.venues.ibkr.gateway_sim.server import SYSTEM_MESSAGES, GatewaySimulator

log = logging.getLogger(__name__)
Handler = Callable[[GatewaySimulator, dict[str, Any]], Awaitable[Any]]


def _int(args: dict[str, Any], key: str, default: int | None = None) -> int:
    value = args.get(key, default)
    if value is None:
        raise ValueError(f"missing argument {key!r}")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"argument {key!r} must be a number, got {value!r}")
    return int(value)


def _float(args: dict[str, Any], key: str) -> float:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"argument {key!r} must be a number, got {value!r}")
    return float(value)


async def _status(gw: GatewaySimulator, args: dict[str, Any]) -> dict[str, Any]:
    return {"port": gw.port, "clients": gw.connected_client_ids(), "routing": gw.routing,
            "orders": len(gw.orders.orders), "working": len(gw.orders.working()),
            "executions": len(gw.orders.journal), "pacing_violations": gw.pacing_violations,
            "hold_orders": gw.faults.hold_orders, "delay_s": gw.faults.delay_seconds}


async def _error(gw: GatewaySimulator, args: dict[str, Any]) -> str:
    code = _int(args, "code")
    if code not in SYSTEM_MESSAGES:
        raise ValueError(f"code must be one of {sorted(SYSTEM_MESSAGES)}, got {code}")
    gw.system_message(code)
    return SYSTEM_MESSAGES[code]


async def _restart(gw: GatewaySimulator, args: dict[str, Any]) -> str:
    rollback = args.get("rollback_to")
    gw.restart(None if rollback is None else _int(args, "rollback_to"))
    return "restarted" + (f", next order id rolled back to {rollback}" if rollback is not None else "")


async def _quote(gw: GatewaySimulator, args: dict[str, Any]) -> str:
    fault = QuoteFault(str(args.get("fault", "")))
    gw.break_quotes(_int(args, "con_id"), fault)
    return f"quotes for {args['con_id']} now {fault.value}"


async def _sync(fn: Callable[[], object]) -> Any:
    return fn()


COMMANDS: dict[str, Handler] = {
    "status": _status,
    "error": _error,
    "restart": _restart,
    "quote": _quote,
    "drop": lambda gw, a: _sync(lambda: gw.drop_connections(a.get("client_id"))),
    "refuse-client-id": lambda gw, a: _sync(lambda: gw.refuse_client_ids(_int(a, "count", 1))),
    "reject": lambda gw, a: _sync(lambda: gw.reject_next_order(
        str(a.get("reason", "Order rejected - reason:Simulated reject")), _int(a, "code", 201))),
    "partial": lambda gw, a: _sync(lambda: gw.partial_fill_next(_float(a, "units"))),
    "hold": lambda gw, a: _sync(lambda: gw.hold_orders(True)),
    "release": lambda gw, a: _sync(lambda: gw.hold_orders(False)),
    "drop-reply": lambda gw, a: _sync(lambda: gw.drop_next_reply(ReplyKind(str(a.get("kind"))),
                                                                 _int(a, "count", 1))),
    "delay": lambda gw, a: _sync(lambda: gw.delay_replies(_float(a, "seconds"))),
    "pacing": lambda gw, a: _sync(lambda: gw.pacing_violation(
        PacingTarget(str(a.get("target", "market_data"))), _int(a, "count", 1))),
    "heal": lambda gw, a: _sync(gw.heal),
    "step": lambda gw, a: gw.step(),
    "fill-partials": lambda gw, a: gw.release_partials(),
}


async def execute(gw: GatewaySimulator, request: dict[str, Any]) -> dict[str, Any]:
    """Run one control request; errors become `{"ok": false, "error": ...}`, never exceptions."""
    cmd = request.get("cmd")
    handler = COMMANDS.get(str(cmd))
    if handler is None:
        return {"ok": False, "error": f"unknown command {cmd!r}; known: {', '.join(sorted(COMMANDS))}"}
    args = request.get("args") or {}
    if not isinstance(args, dict):
        return {"ok": False, "error": "args must be an object"}
    try:
        result = await handler(gw, args)
    except (ValueError, KeyError) as exc:
        return {"ok": False, "error": f"{cmd}: {exc}"}
    return {"ok": True, "result": result}


class ControlServer:
    """JSON-lines control endpoint bound to 127.0.0.1 only."""

    def __init__(self, gw: GatewaySimulator, port: int = 0) -> None:
        self.gw = gw
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    request = json.loads(line)
                    reply = (await execute(self.gw, request) if isinstance(request, dict)
                             else {"ok": False, "error": "a request is a JSON object"})
                except json.JSONDecodeError as exc:
                    reply = {"ok": False, "error": f"not JSON: {exc.msg}"}
                writer.write((json.dumps(reply, default=str) + "\n").encode())
                await writer.drain()
        except ConnectionError as exc:
            log.debug("control client went away: %s", exc)
        finally:
            writer.close()


async def send_command(port: int, cmd: str, args: dict[str, Any], within: float = 5.0) -> dict[str, Any]:
    """Client side of the control channel (used by `dorado gateway-sim fault`)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), within)
    try:
        writer.write((json.dumps({"cmd": cmd, "args": args}) + "\n").encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), within)
    finally:
        writer.close()
    reply: dict[str, Any] = json.loads(line) if line else {"ok": False, "error": "no reply"}
    return reply
