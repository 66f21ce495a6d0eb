"""`dorado reconcile` as cron runs it: exit codes, the diff, JSON."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from commands.reconcile import reconcile
from dorado_tui.home import Home
from dorado_tui.market.spec import MarketSpec, save_spec
from dorado_tui.settings.config import Config
from dorado_tui.store.database import Database
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos.orders import IntentStatus

from ._builders import spy_order

app = typer.Typer()
app.command()(reconcile)


@pytest.fixture
def home(tmp_path: Path, template: tuple[Path, Config]) -> Path:
    shutil.copytree(template[0], tmp_path / "home")
    save_spec(Home.at(tmp_path / "home").state_dir, MarketSpec(7, date(2022, 1, 3)))  # a short world
    return tmp_path / "home"


async def _lost_intent(home: Path) -> None:
    """A submitted order the venue never received, which no recovery can settle (not Dorado's id)."""
    db = Database(f"sqlite+aiosqlite:///{Home.at(home).db_path}")
    now = datetime.now(UTC)
    try:
        async with db.transaction() as tx:
            await order_repo.record_intent(tx, spy_order("manual-1", 1), at=now)
            await order_repo.mark_intent(tx, "manual-1", IntentStatus.SUBMITTED, now)
    finally:
        await db.dispose()


def test_clean_store_exits_zero_and_says_so(home: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(home)])

    assert result.exit_code == 0, result.output
    assert "trading account: reconcile simulation" in result.output
    assert "ACTIVE — venue and store agree" in result.output


def test_discrepancy_exits_three_with_the_diff_in_json(home: Path) -> None:
    asyncio.run(_lost_intent(home))

    result = CliRunner().invoke(app, ["--home", str(home), "--json", "--no-twins"])

    assert result.exit_code == 3, result.output
    payload = json.loads(result.output)
    assert payload["verdict"] == "REDUCING" and not payload["ok"]
    assert len(payload["accounts"]) == 1
    [finding] = [f for f in payload["accounts"][0]["findings"] if f["effect"] != "ACTIVE"]
    assert finding["kind"] == "unresolved_intent" and finding["subject"] == "manual-1"
