"""Replays end to end: the report, the accounting invariants checked independently on the kept
throwaway home, the same seed giving the same report, and the operator's home left untouched."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from commands.replay import replay
from dorado_tui.home import Home, initialize
from dorado_tui.market.calendar import CalendarKind, trading_days
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import load_spec
from dorado_tui.store.database import Database
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

FIRST, LAST, SEED = "2024-03-04", "2024-03-08", 11

app = typer.Typer()
app.command()(replay)


def _run(args: list[str]) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, args)
    try:
        return result.exit_code, json.loads(result.stdout), result.output
    except ValueError:
        return result.exit_code, {}, result.output


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Home:
    return initialize(Home.at(tmp_path_factory.mktemp("operator") / "home")).home


@pytest.fixture(scope="module")
def first_run(operator: Home, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path, str]:
    workdir = tmp_path_factory.mktemp("replay") / "work"
    before = _digest(operator.db_path)
    mp = pytest.MonkeyPatch()
    mp.setenv("DORADO_STORE_URL", f"sqlite+aiosqlite:///{operator.db_path}")  # must be ignored
    try:
        code, report, out = _run(["--from", FIRST, "--to", LAST, "--seed", str(SEED), "--home", str(operator.root),
                                  "--keep", "--workdir", str(workdir), "--json"])
    finally:
        mp.undo()
    assert _digest(operator.db_path) == before, "the replay wrote to the operator's store"
    return code, report, workdir / "home", out


def test_replay_reports_every_section_and_holds_its_invariants(first_run: tuple[int, dict[str, Any], Path, str]) -> None:
    code, report, _, out = first_run

    assert code == 0, out
    assert report["ok"] and report["errors"] == [] and report["reconcile"] == []
    assert report["days"] == len(trading_days(CalendarKind.XNYS, *(_day(FIRST), _day(LAST))))
    assert report["scans"] >= report["days"]
    assert set(report["pnl"]) == {"trading", "twins"}
    assert {"live", "paper"} == set(report["trades"])
    assert all(inv["ok"] for inv in report["invariants"]) and all(led["ok"] for led in report["ledger"])
    opened = report["trades"]["live"]["opened"] + report["trades"]["paper"]["opened"]
    assert opened > 0, "a week of scans should open at least one position (live or twin)"
    assert sum(g["twins"] for g in report["gates"]) == report["trades"]["paper"]["opened"]


def _day(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


async def _independent_accounting(home: Path) -> list[str]:
    """Re-derive the invariants from the kept files, without the lifecycle's accounting code."""
    h = Home.at(home)
    spec = load_spec(h.state_dir)
    assert spec is not None
    market = SimulatedMarket(spec)
    db = Database(f"sqlite+aiosqlite:///{h.db_path}")
    problems: list[str] = []
    try:
        async with db.read() as s:
            stored = await order_repo.fills(s)
        for name, account, twin in (("sim_venue.sqlite", SimVenueConfig(), False),
                                    ("paper_twins.sqlite", SimVenueConfig(account_id="TWINS", initial_cash=1e7), True)):
            problems += await _account(market, h.state_dir / name, account, twin, stored)
    finally:
        await db.dispose()
    return problems


async def _account(market: SimulatedMarket, path: Path, config: SimVenueConfig, twin: bool,
                   stored: list[Any]) -> list[str]:
    from dorado_tui.domain.clock import FixedClock

    venue = SimulationVenue(market, FixedClock(_last_close()), path, config)
    await venue.connect()
    try:
        account, held = await venue.get_account_state(), await venue.get_positions()
        executions = await venue.get_executions(None)
    finally:
        await venue.disconnect()
    problems = []
    marks = sum(p.quantity * (p.mark or 0.0) * p.instrument.multiplier for p in held)
    if abs(account.cash + marks - account.net_liquidation) > 1e-6:
        problems.append(f"{path.name}: NAV {account.net_liquidation} != cash {account.cash} + marks {marks}")
    by_exec: dict[str, float] = defaultdict(float)
    for f in executions:
        by_exec[f.symbol] += f.signed_quantity
    by_store: dict[str, float] = defaultdict(float)
    for f in stored:
        if f.exec_id.startswith("twin:") == twin:
            by_store[f.symbol] += f.signed_quantity
    for p in held:
        if abs(by_exec[p.symbol] - p.quantity) > 1e-9 or abs(by_store[p.symbol] - p.quantity) > 1e-9:
            problems.append(f"{path.name} {p.symbol}: held {p.quantity}, venue fills {by_exec[p.symbol]}, "
                            f"store fills {by_store[p.symbol]}")
    return problems


def _last_close() -> Any:
    from datetime import UTC, datetime

    return datetime(2024, 3, 8, 21, 30, tzinfo=UTC)


def test_accounting_invariants_hold_when_rederived_from_the_kept_files(
        first_run: tuple[int, dict[str, Any], Path, str]) -> None:
    _, report, home, _ = first_run

    with ThreadPoolExecutor(max_workers=1) as pool:
        problems = pool.submit(lambda: asyncio.run(_independent_accounting(home))).result()

    assert problems == []
    trading = next(i for i in report["invariants"] if i["account"] == "trading")
    assert trading["realized"] + trading["unrealized"] == pytest.approx(trading["nav"] - trading["capital_in"], abs=0.02)


def test_same_seed_gives_the_same_report(operator: Home, first_run: tuple[int, dict[str, Any], Path, str]) -> None:
    _, first, _, _ = first_run

    code, second, out = _run(["--from", FIRST, "--to", LAST, "--seed", str(SEED), "--home", str(operator.root),
                              "--json"])

    assert code == 0, out
    first = {k: v for k, v in first.items() if k != "performance"}
    second = {k: v for k, v in second.items() if k != "performance"}
    assert second == first


def test_bad_dates_are_refused_before_anything_runs(operator: Home) -> None:
    code, _, out = _run(["--from", LAST, "--to", FIRST, "--home", str(operator.root)])

    assert code == 2
    assert "--to 2024-03-04 is before --from 2024-03-08" in out


def test_text_report_prints_every_section(first_run: tuple[int, dict[str, Any], Path, str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import date

    from commands.replay import _print
    from dorado_tui.engine.replay.loop import ReplaySettings
    from dorado_tui.engine.replay.report import ReplayReport

    _, data, _, _ = first_run
    top = {"from", "to", "seed", "settings", "ok", "performance"}
    report = ReplayReport(date.fromisoformat(FIRST), date.fromisoformat(LAST), SEED, ReplaySettings(),
                          {k: v for k, v in data.items() if k not in top}, data["performance"])

    _print(report)

    out = capsys.readouterr().out
    for heading in ("Trades", "P&L and drawdown", "Breaker trips", "Live vs paper twins by bot",
                    "What skipped candidates made", "positions = sum of fills → ok", "NAV"):
        assert heading in out, heading
