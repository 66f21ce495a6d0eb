"""The Scanner as a service: one scan at a time (lease), signals through the same resolver and
selection with their payload kept, and the `dorado scan` / `dorado signal` commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import typer
from scankit import at, copy_home, publish, regime_states, runtime
from typer.testing import CliRunner

from commands.scan import scan as scan_command
from commands.signal import signal as signal_command
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.errors import BadInput
from dorado_tui.engine.scan.service import LEASE, ScanBusy, Scanner
from dorado_tui.engine.scan.signals import validate
from dorado_tui.home import Home
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.store.repos import bots as bot_repo

DAY = date(2026, 8, 7)
HOOK = """\
bot:
  id: spy-hook-01
  universe: calico-core
  underlying: SPY
  strategy_template: put_credit_spread
  strategy_layer: L2_credit_spreads
  signal_mode: both
  signal_source: {type: scheduled, schedule: daily_market_open, webhook_secret: tradingview}
"""


@pytest.fixture(scope="module")
def home(template_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = copy_home(template_home, tmp_path_factory.mktemp("service") / "home")
    (home.root / "config" / "bots" / "spy-hook-01.yaml").write_text(HOOK)
    return home


async def test_a_second_scan_while_one_holds_the_lease_does_nothing(market: SimulatedMarket, home: Home) -> None:
    async with runtime(market, home, FixedClock(at(DAY))) as rt:
        assert await rt.leases.acquire(LEASE, "cron-run", 60)
        with pytest.raises(ScanBusy, match="another scan is running \\(lease 'scan' held by cron-run\\)"):
            await Scanner.from_runtime(rt).scan(["spy-ic-01"])
        await rt.leases.release(LEASE, "cron-run")


async def test_signal_is_resolved_selected_and_persisted_once(market: SimulatedMarket, home: Home) -> None:
    async with runtime(market, home, FixedClock(at(DAY))) as rt:
        await publish(rt, regime_states(DAY, at(DAY, 8, 30)))
        sig = validate({"bot": "spy-hook-01", "id": "tv-42", "direction": "long", "note": "breakout"},
                       rt.config, rt.clock.now())
        scanner = Scanner.from_runtime(rt)

        result = await scanner.signal(sig)
        with pytest.raises(BadInput, match="signal 'tv-42' was already received"):
            await scanner.signal(sig)
        async with rt.db.read() as s:
            (row,) = [r for r in await bot_repo.signals(s, bot_id="spy-hook-01") if r.signal_id == "tv-42"]

    assert result.kind == "signal" and result.candidates
    assert all(c.id.startswith("tv-42/spy-hook-01/") and "signal" in c.flags for c in result.candidates)
    assert all(not d.check.startswith(("gate.volatility", "gate.technical.adx")) for c in result.candidates
               for d in c.gates)  # a signal replaces the scan's volatility and technical filters
    assert (row.kind, row.source, (row.payload or {})["note"], (row.payload or {})["authenticated"]) == (
        "signal", "signal", "breakout", False)


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("scan")(scan_command)
    app.command("signal")(signal_command)
    return app


def test_scan_command_prints_json_of_the_as_of_scan(home: Home) -> None:
    out = CliRunner().invoke(cli(), ["scan", "--home", str(home.root), "--asof", "2026-08-07", "--bot", "qqq-pcs-01",
                                     "--json"])

    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert (doc["ok"], doc["kind"], doc["asof"], doc["sink"]) == (True, "scan", "2026-08-07", "lifecycle")
    assert [b["bot_id"] for b in doc["bots"]] == ["qqq-pcs-01"]
    assert doc["notes"] == []


@pytest.mark.parametrize(("args", "message"), [
    (["--bot", "nope"], "unknown bot 'nope'"),
    (["--asof", "2026-13-01"], "--asof '2026-13-01': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM"),
])
def test_scan_command_refuses_bad_input_with_exit_code_2(home: Home, args: list[str], message: str) -> None:
    out = CliRunner().invoke(cli(), ["scan", "--home", str(home.root), *args])

    assert out.exit_code == 2
    assert message in out.output


def test_signal_command_names_the_bad_field_and_exits_2(home: Home, tmp_path: Path) -> None:
    path = tmp_path / "signal.json"
    path.write_text(json.dumps({"bot": "spy-hook-01", "direction": "sideways"}))

    out = CliRunner().invoke(cli(), ["signal", str(path), "--home", str(home.root)])

    assert out.exit_code == 2
    assert "signal.direction: must be one of long, short, neutral (got 'sideways')" in out.output
