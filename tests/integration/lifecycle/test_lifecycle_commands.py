"""`dorado approve|reject|positions|orders|history|nav|monitor` through Typer on a prepared home.

The home is prepared by the engine on the simulated Monday; the commands then run on the real
clock, long after the options expired, so `monitor --once` has the expiry to settle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from lifecycle_world import MONDAY, SPEC, copy_home, open_world, put_spread, scan
from typer.testing import CliRunner

from commands.approve import approve, reject
from commands.monitor import monitor
from commands.positions import history, nav, orders, positions
from dorado_tui.domain.clock import FixedClock
from dorado_tui.engine.lifecycle.ids import handle, position_id
from dorado_tui.market.spec import save_spec

runner = CliRunner()


def _app() -> typer.Typer:
    # commands/main.py mounts these once the lead registers them; the test mounts them itself.
    app = typer.Typer()
    for name, fn in (("approve", approve), ("reject", reject), ("monitor", monitor), ("positions", positions),
                     ("orders", orders), ("history", history), ("nav", nav)):
        app.command(name)(fn)
    return app


@pytest.fixture(scope="module")
def prepared(template_home: Path, market, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    root = tmp_path_factory.mktemp("cli") / "home"
    home = copy_home(template_home, root)
    save_spec(home.state_dir, SPEC)

    async def prepare() -> None:
        async with open_world(home, market, FixedClock(MONDAY)) as w:
            await w.lc.intake(await scan(w, put_spread("c-cli-1", "qqq-pcs-01", await w.chain("QQQ", 30)),
                                         put_spread("c-cli-2", "qqq-pcs-01", await w.chain("QQQ", 45), width=3.0,
                                                    rank=2)))
            await w.lc.approve("c-cli-1", tag="sr_alignment", operator="alice")
            await w.lc.intake(await scan(w, put_spread("c-cli-3", "spy-ic-01", await w.chain("SPY", 30))))

    asyncio.run(prepare())
    return root


def _json(args: list[str], code: int = 0) -> dict:
    result = runner.invoke(_app(), args)
    assert result.exit_code == code, result.output
    return json.loads(result.output)


def test_approve_lists_what_waits_with_gates_and_budget(prepared: Path) -> None:
    doc = _json(["approve", "--home", str(prepared), "--json"])
    assert [p["id"] for p in doc["pending"]] == [handle("c-cli-3")]
    assert doc["pending"][0]["gates"] and doc["pending"][0]["kind"] == "entry"
    assert doc["open_positions"] == 1 and "budget" in doc


def test_approve_lists_each_candidate_in_lines_that_fit_80_columns(prepared: Path) -> None:
    result = runner.invoke(_app(), ["approve", "--home", str(prepared)], terminal_width=80)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    head = next(n for n, line in enumerate(lines) if line.startswith(handle("c-cli-3")))
    assert "spy-ic-01" in lines[head] and "SPY" in lines[head]
    assert "credit" in lines[head + 1] and "max loss" in lines[head + 1]
    assert lines[head + 2].strip().startswith("gates ")
    assert "1 live position(s) open" in result.output



@pytest.mark.parametrize("width", [80, 200])
def test_positions_and_orders_read_at_any_terminal_width(prepared: Path, width: int) -> None:
    for args, row_id in ((["positions", "--which", "live"], position_id("c-cli-1")), (["orders"], None)):
        result = runner.invoke(_app(), [*args, "--home", str(prepared)], env={"COLUMNS": str(width)})
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert max(len(line) for line in lines) <= width
        assert "…" not in result.output  # no cell cut to an ellipsis
        if row_id is not None:
            if width < 140:  # one record per row: the id as heading, then labelled values
                head = lines.index(row_id)
                assert lines[head + 1].startswith("    bot qqq-pcs-01") and "state MONITORING" in lines[head + 1]
            else:
                assert any(row_id in line and "qqq-pcs-01" in line for line in lines)

def test_reject_needs_a_reason(prepared: Path) -> None:
    result = runner.invoke(_app(), ["reject", handle("c-cli-3"), "--home", str(prepared)])
    assert result.exit_code == 2
    assert "a rejection needs a reason" in result.output


def test_positions_orders_and_history_read_the_store(prepared: Path) -> None:
    held = _json(["positions", "--home", str(prepared), "--which", "live", "--json"])["positions"]
    assert [p["position"] for p in held] == [position_id("c-cli-1")]
    assert len(held[0]["legs"]) == 2 and held[0]["bot_state"] == "MONITORING"
    sent = _json(["orders", "--home", str(prepared), "--json"])["orders"]
    assert {o["status"] for o in sent} >= {"filled"} and all(o["intent"] == "resolved" for o in sent)
    assert _json(["history", "--home", str(prepared), "--json"])["trades"] == []
    bad = runner.invoke(_app(), ["positions", "--home", str(prepared), "--which", "both"])
    assert bad.exit_code == 2 and "--which must be live, paper or all" in bad.output


def test_monitor_once_settles_the_expired_spread_and_nav_balances(prepared: Path) -> None:
    report = _json(["monitor", "--once", "--home", str(prepared), "--json"])

    # the live spread and the twin of the candidate its busy bot could not take
    assert {s["position"] for s in report["settled"]} == {position_id("c-cli-1"), position_id("c-cli-2", twin=True)}
    trades = _json(["history", "--home", str(prepared), "--which", "live", "--json"])["trades"]
    assert [t["trade"] for t in trades] == [position_id("c-cli-1")] and trades[0]["exit_reason"]
    doc = _json(["nav", "--home", str(prepared), "--json"])
    for account in doc["accounts"]:
        assert account["unexplained"] == pytest.approx(0.0, abs=1e-6), account
        assert account["position_gaps"] == []

