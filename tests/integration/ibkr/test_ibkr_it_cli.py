"""`dorado gateway-sim` and `dorado ib check` end to end: a simulator process, the CLI against it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.gateway_sim import app as gateway_app
from commands.ib import app as ib_app

ROOT = Path(__file__).resolve().parents[3]


def _read_json_object(stream) -> dict:
    lines = []
    while True:
        line = stream.readline()
        if not line:
            raise AssertionError("gateway-sim exited before it was ready: " + "".join(lines))
        lines.append(line)
        if line.rstrip() == "}":
            return json.loads("".join(lines))


@pytest.fixture(scope="module")
def sim_process() -> Iterator[dict]:
    code = "from commands.gateway_sim import app; app()"
    proc = subprocess.Popen([sys.executable, "-c", code, "--port", "0", "--control-port", "0", "--json"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    try:
        info = _read_json_object(proc.stdout)
        yield {**info, "proc": proc}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def test_gateway_sim_announces_its_ports(sim_process):
    assert sim_process["status"] == "listening"
    assert sim_process["port"] > 0 and sim_process["control_port"] > 0
    assert sim_process["account"] == "DU1234567" and sim_process["server_version"] == 178


def test_ib_check_passes_against_the_simulator(sim_process):
    result = CliRunner().invoke(ib_app, ["check", "--port", str(sim_process["port"]), "--json",
                                         "--timeout", "10"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    names = [c["name"] for c in report["checks"]]
    assert names == ["connect", "account", "clock", "market data", "options", "trading permissions"]
    assert "API version 178" in report["checks"][0]["detail"]
    assert "(not transmitted)" in report["checks"][-1]["detail"]


def test_ib_check_reports_failures_with_exit_1(sim_process):
    ctl = str(sim_process["control_port"])
    lost = CliRunner().invoke(gateway_app, ["fault", "error", "1100", "--control-port", ctl])
    assert lost.exit_code == 0, lost.output
    try:
        quotes = CliRunner().invoke(gateway_app, ["fault", "quote", "756733", "delayed", "--control-port", ctl])
        assert quotes.exit_code == 0
        result = CliRunner().invoke(ib_app, ["check", "--port", str(sim_process["port"]), "--timeout", "10"])
        assert result.exit_code == 1
        assert "FAIL market data: SPY: delayed market data (type 3)" in result.output
    finally:
        CliRunner().invoke(gateway_app, ["fault", "heal", "--control-port", ctl])
        CliRunner().invoke(gateway_app, ["fault", "error", "1102", "--control-port", ctl])


def test_ib_check_without_a_gateway_fails_cleanly():
    result = CliRunner().invoke(ib_app, ["check", "--port", "1", "--timeout", "2", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False and report["checks"][0]["name"] == "connect"
    assert "not reachable" in report["checks"][0]["detail"]


def test_bad_settings_exit_2():
    result = CliRunner().invoke(ib_app, ["check", "--mode", "demo"])
    assert result.exit_code == 2
    assert "invalid IB settings: mode" in result.output


def test_fault_commands_validate_and_report(sim_process):
    ctl = str(sim_process["control_port"])
    status = CliRunner().invoke(gateway_app, ["fault", "status", "--control-port", ctl, "--json"])
    assert status.exit_code == 0 and json.loads(status.output)["result"]["port"] == sim_process["port"]
    bad = CliRunner().invoke(gateway_app, ["fault", "error", "999", "--control-port", ctl])
    assert bad.exit_code == 2 and "code must be one of [1100, 1101, 1102, 2110]" in bad.output
    kind = CliRunner().invoke(gateway_app, ["fault", "drop-reply", "nonsense", "--control-port", ctl])
    assert kind.exit_code == 2 and "is not a valid ReplyKind" in kind.output


def test_fault_without_a_simulator_is_a_clear_failure():
    result = CliRunner().invoke(gateway_app, ["fault", "status", "--control-port", "1"])
    assert result.exit_code == 1
    assert "no gateway simulator control channel on 127.0.0.1:1" in result.output


def test_gateway_sim_rejects_bad_arguments():
    result = CliRunner().invoke(gateway_app, ["--server-version", "190"])
    assert result.exit_code == 2 and "must lie in 157..178" in result.output


def test_gateway_sim_stops_cleanly_on_sigterm(sim_process):
    proc = sim_process["proc"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def test_both_apps_mount_under_the_dorado_command_as_the_lead_registers_them():
    import typer

    root = typer.Typer()
    root.add_typer(gateway_app, name="gateway-sim")
    root.add_typer(ib_app, name="ib")
    runner = CliRunner()
    assert runner.invoke(root, ["gateway-sim", "--server-version", "190"]).exit_code == 2
    help_text = runner.invoke(root, ["gateway-sim", "fault", "--help"]).output
    assert "refuse-client-id" in help_text and "drop-reply" in help_text
    assert "check" in runner.invoke(root, ["ib", "--help"]).output
