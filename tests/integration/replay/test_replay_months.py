"""A two-month replay through the `dorado replay` command: the accounting invariants re-derived from
the kept throwaway home (venue files and store) without the lifecycle's accounting code, and the
text report's sections as the operator sees them.

The operator home keeps the equity option bots (credit spreads, iron condor, wheel, cash-secured
put, 0DTE) and disables the FX/crypto momentum bots so the two months stay well inside the test
budget; the accounting paths are the same for every bot.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from commands.replay import replay
from dorado_tui.domain.clock import FixedClock
from dorado_tui.home import Home, initialize
from dorado_tui.market.calendar import CalendarKind, trading_days
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import load_spec
from dorado_tui.store.database import Database
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

FIRST, LAST, SEED = date(2024, 3, 1), date(2024, 4, 30), 11
OFF = ("audusd-mom-01", "usdjpy-mom-01", "btc-mom-01", "eth-mom-01")
TOL = 0.02  # cents: the report rounds to them

app = typer.Typer()
app.command()(replay)


@dataclass(frozen=True)
class Account:
    """One simulated account as read back from its kept file."""

    name: str
    cash: float
    nav: float
    marks: float
    capital_in: float
    held: dict[str, float]
    executions: dict[str, float]


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = initialize(Home.at(tmp_path_factory.mktemp("operator") / "home")).home
    for bot in OFF:
        path = home.config_dir / "bots" / f"{bot}.yaml"
        text = path.read_text()
        assert "\n  enabled: true" in text, path
        path.write_text(text.replace("\n  enabled: true", "\n  enabled: false"))
    return home


@pytest.fixture(scope="module")
def kept(operator: Home, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    workdir = tmp_path_factory.mktemp("months") / "work"
    result = CliRunner().invoke(app, ["--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--seed", str(SEED),
                                      "--home", str(operator.root), "--keep", "--workdir", str(workdir), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), workdir / "home"


def _report_instant(managed: list[Any]) -> datetime:
    """When the report marked the open positions (its NAV is read then); the last close if none."""
    marked = [p.marked_at for p in managed if p.status in position_repo.OPEN_STATUSES and p.marked_at]
    return max(marked) if marked else datetime(LAST.year, LAST.month, LAST.day, 21, 30, tzinfo=UTC)


async def _account(market: SimulatedMarket, path: Path, config: SimVenueConfig, at: datetime) -> Account:
    venue = SimulationVenue(market, FixedClock(at), path, config)
    await venue.connect()
    try:
        state, held = await venue.get_account_state(), await venue.get_positions()
        executions, events = await venue.get_executions(None), await venue.get_events()
    finally:
        await venue.disconnect()
    marks = 0.0
    for p in held:
        assert p.mark is not None, f"{path.name}: {p.symbol} held without a mark"
        marks += p.quantity * p.mark * p.instrument.multiplier
    by_symbol: dict[str, float] = defaultdict(float)
    for f in executions:
        by_symbol[f.symbol] += f.signed_quantity
    deposits = sum(float(e.details.get("amount", 0.0)) for e in events if e.kind == "deposit")
    return Account(path.name, state.cash, state.net_liquidation, marks, config.initial_cash + deposits,
                   {p.symbol: p.quantity for p in held}, dict(by_symbol))


async def _read_back(home: Path) -> tuple[Account, Account, list[Any], list[Any]]:
    h = Home.at(home)
    spec = load_spec(h.state_dir)
    assert spec is not None and spec.seed == SEED
    market = SimulatedMarket(spec)
    db = Database(f"sqlite+aiosqlite:///{h.db_path}")
    try:
        async with db.read() as s:
            fills = await order_repo.fills(s)
            managed = await position_repo.positions(s, statuses=None)
    finally:
        await db.dispose()
    at = _report_instant(managed)
    trading = await _account(market, h.state_dir / "sim_venue.sqlite", SimVenueConfig(), at)
    twins = await _account(market, h.state_dir / "paper_twins.sqlite",
                           SimVenueConfig(account_id="TWINS", initial_cash=1e7), at)
    return trading, twins, fills, managed


@pytest.fixture(scope="module")
def read_back(kept: tuple[dict[str, Any], Path]) -> tuple[Account, Account, list[Any], list[Any]]:
    with ThreadPoolExecutor(max_workers=1) as pool:  # the fixtures' loop is not the replay's
        return pool.submit(lambda: asyncio.run(_read_back(kept[1]))).result()


def _store_pnl(managed: list[Any], paper: bool) -> tuple[float, float]:
    mine = [p for p in managed if p.paper == paper]
    realized = sum(p.realized_pnl for p in mine)
    unrealized = sum(p.unrealized_pnl for p in mine if p.status in position_repo.OPEN_STATUSES)
    return realized, unrealized


def test_two_months_trade_on_both_accounts(kept: tuple[dict[str, Any], Path]) -> None:
    report, _ = kept

    assert report["ok"] and report["errors"] == [] and report["reconcile"] == []
    assert report["days"] == len(trading_days(CalendarKind.XNYS, FIRST, LAST)) == 42
    assert report["trades"]["live"]["closed"] > 0, "two months should close at least one live trade"
    assert report["trades"]["paper"]["closed"] > 0


def test_nav_is_cash_plus_marks_on_both_accounts(read_back: tuple[Account, Account, list[Any], list[Any]],
                                                 kept: tuple[dict[str, Any], Path]) -> None:
    trading, twins, _, _ = read_back
    reported = {inv["account"]: inv for inv in kept[0]["invariants"]}

    for account, role in ((trading, "trading"), (twins, "twins")):
        assert account.nav == pytest.approx(account.cash + account.marks, abs=1e-6), account.name
        assert reported[role]["nav"] == pytest.approx(account.nav, abs=TOL)
        assert reported[role]["capital_in"] == pytest.approx(account.capital_in, abs=TOL)
    assert twins.held, "paper twins still open at the end: their marks are part of the NAV checked above"


def test_positions_are_the_sum_of_fills_at_the_venue_and_in_the_store(
        read_back: tuple[Account, Account, list[Any], list[Any]]) -> None:
    trading, twins, fills, _ = read_back
    stored: dict[bool, dict[str, float]] = {False: defaultdict(float), True: defaultdict(float)}
    for f in fills:
        stored[f.exec_id.startswith("twin:")][f.symbol] += f.signed_quantity

    assert fills, "the store holds the replay's fills"
    for account, twin in ((trading, False), (twins, True)):
        symbols = set(account.held) | set(account.executions) | set(stored[twin])
        for sym in symbols:
            held = account.held.get(sym, 0.0)
            assert account.executions.get(sym, 0.0) == pytest.approx(held, abs=1e-9), (account.name, sym)
            assert stored[twin].get(sym, 0.0) == pytest.approx(held, abs=1e-9), (account.name, sym)


def test_realized_plus_unrealized_is_the_nav_change_net_of_deposits(
        read_back: tuple[Account, Account, list[Any], list[Any]], kept: tuple[dict[str, Any], Path]) -> None:
    trading, twins, _, managed = read_back
    reported = {inv["account"]: inv for inv in kept[0]["invariants"]}

    for account, paper, role in ((trading, False, "trading"), (twins, True, "twins")):
        realized, unrealized = _store_pnl(managed, paper)
        assert realized + unrealized == pytest.approx(account.nav - account.capital_in, abs=TOL), account.name
        assert reported[role]["realized"] == pytest.approx(realized, abs=TOL)
        assert reported[role]["unrealized"] == pytest.approx(unrealized, abs=TOL)
    assert trading.nav != pytest.approx(trading.capital_in, abs=1.0), "a replay that made nothing proves little"


def test_text_report_through_the_command(operator: Home, tmp_path: Path) -> None:
    """The same command without --json: a short window, every section of the report printed."""
    result = CliRunner().invoke(app, ["--from", "2024-03-04", "--to", "2024-03-06", "--seed", str(SEED),
                                      "--home", str(operator.root)])

    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"Replay 2024-03-04 → 2024-03-06, seed 11: 3 days, \d+ scans", out), out
    for heading in ("Trades", "P&L and drawdown", "Breaker trips:", "Live vs paper twins by bot",
                    "What skipped candidates made", "trading: NAV", "twins: NAV",
                    "trading: positions = sum of fills → ok", "twins: positions = sum of fills → ok"):
        assert heading in out, heading
    assert "BROKEN" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2024-02-30", "--to", "2024-03-08"], "Invalid value for '--from'"),
    (["--from", "2024-03-04", "--to", "March 8"], "Invalid value for '--to'"),
    (["--from", "2024-03-08", "--to", "2024-03-04"], "--to 2024-03-04 is before --from 2024-03-08"),
    (["--from", "2024-03-04", "--to", "2024-03-08", "--approve", "some"], "--approve must be 'all' or 'none'"),
])
def test_bad_input_exits_two_with_a_clear_message(operator: Home, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, [*args, "--home", str(operator.root)])

    assert result.exit_code == 2, result.output
    assert message in result.output
