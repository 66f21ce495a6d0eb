"""`dorado status --venue` against the gateway simulator: the IB connection's fields as a read-only
probe under venue.ibkr.probe_client_id sees them, and an unreachable gateway reported, not fatal."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from commands.status import status
from dorado_tui.domain.clock import FixedClock
from dorado_tui.home import Home, initialize
from dorado_tui.venues.ibkr.gateway_sim.memory_book import MemoryBook
from dorado_tui.venues.ibkr.gateway_sim.server import GatewaySimulator

PROBE_CLIENT_ID = 77
START = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)  # a Friday, 11:00 New York


class GatewayThread:
    """The simulator on its own event loop (the CLI runs its own `asyncio.run`)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.gateway: GatewaySimulator | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        clock = FixedClock(START)
        self.gateway = GatewaySimulator(MemoryBook(clock), clock)
        self.loop.run_until_complete(self.gateway.start())
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.gateway.stop())
        self.loop.close()

    def __enter__(self) -> GatewaySimulator:
        self.thread.start()
        assert self.ready.wait(10)
        assert self.gateway is not None
        return self.gateway

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def threaded_gateway() -> Iterator[GatewaySimulator]:
    with GatewayThread() as gw:
        yield gw


def _home(root: Path, port: int) -> Path:
    home = initialize(Home.at(root)).home
    path = home.config_dir / "dorado.yaml"
    _, _, tail = path.read_text().partition("\nstore:")
    path.write_text(f"venue:\n  mode: paper\n  ibkr:\n    paper_port: {port}\n    client_id: 17\n"
                    f"    probe_client_id: {PROBE_CLIENT_ID}\n    connect_timeout_s: 3\n"
                    f"    request_timeout_s: 3\n\nstore:" + tail)
    return root


def _status(*args: str) -> typer.testing.Result:
    app = typer.Typer()
    app.command(name="status")(status)
    return CliRunner().invoke(app, list(args))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_status_venue_shows_the_ib_connection_fields(threaded_gateway: GatewaySimulator, tmp_path: Path) -> None:
    gateway = threaded_gateway
    home = _home(tmp_path / "home", gateway.port)

    result = _status("--home", str(home), "--json", "--venue")

    assert result.exit_code == 0, result.output
    venue = json.loads(result.stdout)["venue"]
    assert venue["mode"] == "paper" and venue["ibkr"] == f"127.0.0.1:{gateway.port}"
    conn = venue["connection"]
    assert conn["connected"] is True
    assert conn["server_version"] == 178 and conn["account"] == "DU1234567"
    assert 0 < conn["pacing_budget"] <= 50
    assert conn["detail"].startswith("ready") and conn["last_heartbeat"] is not None
    assert PROBE_CLIENT_ID in [cid for cid, _ in gateway.requests]  # the probe's own clientId
    assert 17 not in [cid for cid, _ in gateway.requests]  # never the trading one

    text = _status("--home", str(home), "--venue")
    assert text.exit_code == 0, text.output
    assert "server version 178, account DU1234567" in text.stdout


def test_status_venue_reports_an_unreachable_gateway_without_failing(tmp_path: Path) -> None:
    port = _free_port()
    home = _home(tmp_path / "home", port)

    result = _status("--home", str(home), "--json", "--venue")

    assert result.exit_code == 0, result.output
    conn = json.loads(result.stdout)["venue"]["connection"]
    assert conn["connected"] is False and conn["server_version"] is None
    assert conn["detail"].startswith(f"not reachable at 127.0.0.1:{port}: ")


def test_status_without_venue_does_not_touch_the_gateway(threaded_gateway: GatewaySimulator, tmp_path: Path) -> None:
    gateway = threaded_gateway
    home = _home(tmp_path / "home", gateway.port)

    result = _status("--home", str(home), "--json")

    assert result.exit_code == 0, result.output
    assert "connection" not in json.loads(result.stdout)["venue"]
    assert gateway.requests == []
