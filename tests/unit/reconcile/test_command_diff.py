"""`dorado reconcile` in text mode on a store that disagrees with its venue: the readable diff
printed, exit 3, and the global trading state latched (HALTED for an order Dorado did not place,
REDUCING for a position no managed position explains) for every later command to see."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from commands.reconcile import reconcile
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.orders import Action
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.engine.runtime import Runtime, open_runtime
from dorado_tui.home import Home
from dorado_tui.market.spec import MarketSpec, save_spec
from dorado_tui.risk.trading_state import GLOBAL
from dorado_tui.settings.config import Config
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos.orders import IntentStatus

from ._builders import MONDAY_11AM, spy_order

app = typer.Typer()
app.command()(reconcile)


@pytest.fixture
def home(tmp_path: Path, template: tuple[Path, Config]) -> Config:
    shutil.copytree(template[0], tmp_path / "home")
    save_spec(Home.at(tmp_path / "home").state_dir, MarketSpec(7, date(2022, 1, 3)))  # a short world
    return replace(template[1], home=Home.at(tmp_path / "home"))


async def _at_the_venue(config: Config, action: str) -> None:
    """Put the home's own simulation venue (its state file) out of step with the store."""
    async with open_runtime(config=config, clock=FixedClock(MONDAY_11AM)) as rt:
        if action == "manual order":  # a resting limit placed by hand in TWS: never filled
            await rt.venue.place_order(spy_order("TWS-MANUAL-1", 1, Action.BUY, 1.0))
        else:  # Dorado's own filled order whose managed position was never written
            await _filled_without_position(rt, "dor-7", 10)


async def _filled_without_position(rt: Runtime, cid: str, qty: float) -> None:
    order, now = spy_order(cid, qty), rt.clock.now()
    async with rt.db.transaction() as tx:
        await order_repo.record_intent(tx, order, at=now)
    result = await rt.venue.place_order(order)
    assert result.filled_quantity == qty
    async with rt.db.transaction() as tx:
        await order_repo.mark_intent(tx, cid, IntentStatus.RESOLVED, now)
        await order_repo.record_order_result(tx, result, now)


async def _global_state(config: Config) -> TradingState:
    async with open_runtime(config=config, clock=FixedClock(MONDAY_11AM), connect=False) as rt:
        risk = RiskService(rt.db, rt.config.risk_policy, rt.clock, rt.bus)
        return (await risk.book()).state_of(GLOBAL)


def test_order_dorado_did_not_place_halts_with_the_order_in_the_diff(home: Config) -> None:
    asyncio.run(_at_the_venue(home, "manual order"))

    result = CliRunner().invoke(app, ["--home", str(home.home.root), "--no-twins"])

    assert result.exit_code == 3, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("trading account: reconcile simulation account")
    assert "HALTED — 1 discrepancy" in lines[0]
    [diff] = [line for line in lines if line.startswith("  ✗ HALTED")]
    assert "TWS-MANUAL-1" in diff
    assert not any("paper-twin" in line for line in lines)
    assert asyncio.run(_global_state(home)) is TradingState.HALTED


def test_position_no_managed_position_explains_reduces_with_the_quantities_in_the_diff(home: Config) -> None:
    asyncio.run(_at_the_venue(home, "unmanaged fill"))

    result = CliRunner().invoke(app, ["--home", str(home.home.root)])

    assert result.exit_code == 3, result.output
    lines = result.output.splitlines()
    assert "REDUCING — 1 discrepancy" in lines[0]
    assert "  ✗ REDUCING position SPY: venue +10, store 0 (no managed position)" in lines
    assert any(line.startswith("paper-twin account (advisory): ") and "ACTIVE" in line for line in lines)
    assert asyncio.run(_global_state(home)) is TradingState.REDUCING


def test_a_later_cron_run_finding_the_same_diff_keeps_the_halt(home: Config) -> None:
    """The latch stays until an operator resumes: a later cron run that finds the same diff
    exits 3 again and the state is still HALTED."""
    asyncio.run(_at_the_venue(home, "manual order"))

    first = CliRunner().invoke(app, ["--home", str(home.home.root), "--no-twins"])
    second = CliRunner().invoke(app, ["--home", str(home.home.root), "--no-twins"])

    assert (first.exit_code, second.exit_code) == (3, 3), second.output
    assert "TWS-MANUAL-1" in second.output
    assert asyncio.run(_global_state(home)) is TradingState.HALTED
