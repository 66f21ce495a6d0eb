"""`dorado db upgrade`, `dorado audit verify|tail`, `dorado status` end to end on a real home."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from commands.audit import app as audit_app
from commands.db import app as db_app
from commands.status import status
from dorado_tui.domain.states import TradingState
from dorado_tui.home import Home, initialize
from dorado_tui.store.admin import follow_audit
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit, risk

T0 = datetime(2025, 3, 14, 14, 30, tzinfo=UTC)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.command(name="status")(status)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_cli(), list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="session")
def initialized_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("home-template") / "home"
    initialize(Home.at(root))
    return root


@pytest.fixture
def home(initialized_home: Path, tmp_path: Path) -> Path:
    target = tmp_path / "home"
    shutil.copytree(initialized_home, target)
    return target


def _db(home: Path) -> Database:
    return Database(f"sqlite+aiosqlite:///{home / 'state' / 'dorado.db'}")


async def _fill_audit(home: Path, n: int = 4) -> None:
    database = _db(home)
    async with database.transaction() as tx:
        for i in range(n):
            await audit.append(tx, actor="operator", action="approve", subject=f"cand-{i}",
                               at=T0 + timedelta(minutes=i), payload={"tag": "best_credit"})
        await risk.set_trading_state(tx, TradingState.HALTED, reason="kill switch", set_by="operator",
                                     at=T0 + timedelta(hours=1), latched=True)
        await risk.set_trading_state(tx, TradingState.REDUCING, scope="layer:L2", reason="drawdown 8%",
                                     set_by="risk", at=T0 + timedelta(hours=1))
    await database.dispose()


def _sqlite3_edit(db_file: Path, sql: str) -> None:
    """Edit the file by hand: with the sqlite3 command-line shell when installed, else stdlib."""
    if shutil.which("sqlite3"):
        subprocess.run(["sqlite3", str(db_file), sql], check=True)
        return
    with sqlite3.connect(db_file) as conn:
        conn.execute(sql)
    conn.close()


def test_db_upgrade_is_idempotent(home: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    shutil.copytree(home, fresh)
    (fresh / "state" / "dorado.db").unlink()

    first = run("db", "upgrade", "--home", str(fresh), "--json")
    second = run("db", "upgrade", "--home", str(fresh), "--json")

    assert first[0] == 0 and json.loads(first[1])["from"] is None and json.loads(first[1])["to"] == "0001"
    assert second[0] == 0 and json.loads(second[1])["changed"] is False
    assert "already at 0001 (newest)" in run("db", "upgrade", "--home", str(fresh))[1]


def test_audit_verify_passes_then_fails_after_a_hand_edit_naming_the_row(home: Path) -> None:
    asyncio.run(_fill_audit(home))
    db_file = home / "state" / "dorado.db"

    intact = run("audit", "verify", "--home", str(home))
    _sqlite3_edit(db_file, "UPDATE audit_log SET payload = '{\"tag\":\"gut_feel\"}' WHERE seq = 3;")
    broken = run("audit", "verify", "--home", str(home))
    broken_json = json.loads(run("audit", "verify", "--home", str(home), "--json")[1])

    assert intact[0] == 0 and "audit chain intact: 6 entries, head seq 6" in intact[1]
    assert broken[0] == 1
    assert "audit chain BROKEN after 2 good entries: seq 3 (approve by operator): content does not match its " \
           "hash (edited?)" in broken[2]
    assert (broken_json["ok"], broken_json["bad_seq"]) == (False, 3)


def test_audit_verify_fails_after_a_row_is_deleted(home: Path) -> None:
    asyncio.run(_fill_audit(home))

    _sqlite3_edit(home / "state" / "dorado.db", "DELETE FROM audit_log WHERE seq = 2;")
    code, _, err = run("audit", "verify", "--home", str(home))

    assert code == 1 and "row(s) 2 missing before seq 3 (deleted?)" in err


def test_audit_tail_prints_the_newest_entries_oldest_first(home: Path) -> None:
    asyncio.run(_fill_audit(home))

    code, out, _ = run("audit", "tail", "-n", "3", "--home", str(home), "--json")
    text = run("audit", "tail", "-n", "2", "--home", str(home))[1].splitlines()

    assert code == 0
    assert [(e["seq"], e["action"], e["subject"]) for e in json.loads(out)] == [
        (4, "approve", "cand-3"), (5, "trading_state.set", "global"), (6, "trading_state.set", "layer:L2")]
    assert len(text) == 2 and text[0].split()[0] == "5" and "trading_state.set" in text[0]


async def test_follow_hands_over_entries_appended_later(home: Path) -> None:
    await _fill_audit(home, 1)  # seq 1 plus two trading-state entries
    seen: list[int] = []
    stop, got_two = asyncio.Event(), asyncio.Event()

    def emit(entry: audit.AuditEntry) -> None:
        seen.append(entry.seq)
        if len(seen) == 2:
            got_two.set()

    url = f"sqlite+aiosqlite:///{home / 'state' / 'dorado.db'}"
    follower = asyncio.create_task(follow_audit(url, 3, emit, interval=0.01, stop=stop))
    await _fill_audit(home, 0)  # two more trading-state entries: seq 4 and 5
    await asyncio.wait_for(got_two.wait(), 10)
    stop.set()

    assert await follower == 5
    assert seen == [4, 5]


def test_status_shows_trading_state_venue_store_and_counts(home: Path) -> None:
    asyncio.run(_fill_audit(home))

    code, out, _ = run("status", "--home", str(home), "--json")
    text = run("status", "--home", str(home))[1]
    found = json.loads(out)

    assert code == 0
    assert found["trading_state"] | {"at": None} == {"scope": "global", "state": "HALTED", "reason": "kill switch",
                                                     "latched": True, "set_by": "operator", "at": None}
    assert [s["scope"] for s in found["restricted_scopes"]] == ["layer:L2"]
    assert found["venue"] == {"mode": "simulation"}
    assert found["store"]["revision"] == found["store"]["head"] == "0001"
    assert found["counts"] == {"bots": 0, "open_positions": 0, "pending_candidates": 0, "working_orders": 0,
                               "audit_rows": 6}
    assert "HALTED since 2025-03-14 11:30 EDT — kill switch (by operator, latched)" in text
    assert "layer:L2: REDUCING — drawdown 8%" in text


def test_status_before_the_store_exists_says_what_to_run_and_creates_nothing(home: Path) -> None:
    (home / "state" / "dorado.db").unlink()

    code, _, err = run("status", "--home", str(home))

    assert code == 1
    assert f"no store at {home / 'state' / 'dorado.db'}: run `dorado init`" in err.replace("\n", "")
    assert not (home / "state" / "dorado.db").exists()


@pytest.mark.services
def test_commands_work_against_postgresql_with_the_password_masked(
        home: Path, fresh_pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DORADO_STORE_URL", fresh_pg_url)
    monkeypatch.setenv("DORADO_STORE_PASSWORD", "not-needed-with-trust-auth")

    upgraded = run("db", "upgrade", "--home", str(home), "--json")
    verified = run("audit", "verify", "--home", str(home))
    shown = json.loads(run("status", "--home", str(home), "--json")[1])

    assert upgraded[0] == 0 and json.loads(upgraded[1])["to"] == "0001"
    assert "postgresql+asyncpg://postgres:***@" in json.loads(upgraded[1])["store"]
    assert "not-needed-with-trust-auth" not in upgraded[1] + verified[1] + json.dumps(shown)
    assert verified[0] == 0
    assert shown["store"]["dialect"] == "postgresql" and shown["counts"]["audit_rows"] == 0


def test_unreachable_postgresql_is_one_line_exit_1(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DORADO_STORE_URL", "postgresql+asyncpg://dorado@127.0.0.1:1/dorado")

    code, _, err = run("audit", "verify", "--home", str(home))

    assert code == 1
    assert err.startswith("error: verifying the store at postgresql+asyncpg://dorado@127.0.0.1:1/dorado failed:")
