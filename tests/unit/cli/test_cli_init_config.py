"""`dorado init` and `dorado config check|show|schema` through the real Typer app."""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.main import app

runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One home initialised for the module (init migrates a database: worth doing once)."""
    root = tmp_path_factory.mktemp("cli") / "home"
    code, _, err = _run("init", "--home", str(root))
    assert code == 0, err
    return root


@pytest.fixture
def fresh(initialised: Path, tmp_path: Path) -> Path:
    """A private copy of the initialised home."""
    return Path(shutil.copytree(initialised, tmp_path / "home", symlinks=True))


def test_init_creates_private_state_database_and_copies_defaults(tmp_path: Path) -> None:
    root = tmp_path / "home"

    code, out, _ = _run("init", "--home", str(root), "--json")

    assert code == 0
    payload = json.loads(out)
    assert payload["ok"] is True and payload["home"] == str(root)
    assert "config/universe.yaml" in payload["copied"] and "strategies/iron_condor.yaml" in payload["copied"]
    assert stat.S_IMODE((root / "state").stat().st_mode) == 0o700
    assert (root / "state" / ".gitignore").read_text() == "*\n!.gitignore\n"
    assert (root / "state" / "dorado.db").is_file()
    assert payload["store"]["url"] == f"sqlite+aiosqlite:///{root}/state/dorado.db"
    assert payload["store"]["revision"]
    assert "secrets.yaml" in (root / ".gitignore").read_text()


def test_init_is_idempotent_and_keeps_operator_edits(fresh: Path) -> None:
    universe = fresh / "config" / "universe.yaml"
    edited = universe.read_text().replace("description: Defined-risk", "description: My edit. Defined-risk")
    universe.write_text(edited)

    code, out, _ = _run("init", "--home", str(fresh), "--json")

    assert code == 0
    payload = json.loads(out)
    assert payload["copied"] == [] and payload["created"] == []
    assert universe.read_text() == edited


def test_init_with_invalid_config_exits_2_and_leaves_state_untouched(tmp_path: Path) -> None:
    root = tmp_path / "home"
    (root / "config" / "bots").mkdir(parents=True)
    (root / "config" / "bots" / "spy-ic-01.yaml").write_text(
        "bot:\n  id: spy-ic-01\n  universe: calico-core\n  underlying: SPY\n  strategy_template: iron_condor\n"
        "  venue_mode: lve\n")

    code, _, err = _run("init", "--home", str(root))

    assert code == 2
    assert "error: 1 configuration problem in" in err
    assert ("config/bots/spy-ic-01.yaml:6:15 bot.venue_mode: invalid value (got 'lve', allowed simulation, "
            "paper, live)") in err
    assert not (root / "state").exists()


def test_config_check_passes_on_the_shipped_defaults(fresh: Path) -> None:
    code, out, _ = _run("config", "check", "--home", str(fresh), "--json")

    assert code == 0
    payload = json.loads(out)
    assert payload["ok"] is True and payload["errors"] == []
    assert len(payload["files"]) >= 9 + 9 + 3


def test_config_check_lists_every_error_and_exits_2(fresh: Path) -> None:
    (fresh / "config" / "dorado.yaml").write_text("venue:\n  mode: lve\ntimezone: Mars/Base\n")

    code, out, err = _run("config", "check", "--home", str(fresh))

    assert code == 2
    assert err.splitlines()[:2] == [
        "config/dorado.yaml:2:9 venue.mode: invalid value (got 'lve', allowed simulation, paper, live)",
        "config/dorado.yaml:3:11 timezone: unknown time zone (got 'Mars/Base', allowed an IANA name such as "
        "America/New_York)",
    ]
    assert "invalid: " in err and "2 errors" in err
    assert out == ""


def test_config_check_json_carries_structured_problems(fresh: Path) -> None:
    (fresh / "config" / "dorado.yaml").write_text("venue:\n  mode: lve\n")

    code, out, _ = _run("config", "check", "--home", str(fresh), "--json")

    assert code == 2
    problem = json.loads(out)["errors"][0]
    assert {k: problem[k] for k in ("file", "line", "col", "path", "got", "allowed")} == {
        "file": "config/dorado.yaml", "line": 2, "col": 9, "path": "venue.mode", "got": "'lve'",
        "allowed": "simulation, paper, live"}


def test_global_home_option_applies_to_subcommands(fresh: Path) -> None:
    code, out, _ = _run("--home", str(fresh), "config", "check", "--json")

    assert code == 0
    assert json.loads(out)["home"] == str(fresh)


def test_config_show_filters_by_key_and_names_sources(fresh: Path) -> None:
    code, out, _ = _run("config", "show", "dorado.venue", "--home", str(fresh), "--json")

    assert code == 0
    values = {v["key"]: (v["value"], v["source"]) for v in json.loads(out)["values"]}
    assert values["dorado.venue.mode"] == ("simulation", "config/dorado.yaml:10:9")
    assert all(key.startswith("dorado.venue.") for key in values)


def test_config_show_text_masks_secrets_from_the_environment(fresh: Path) -> None:
    env = {"DORADO_IBKR_PASSWORD": "very-secret-pw", "DORADO_HOME": str(fresh)}

    code, out, _ = _run("config", "show", "secrets", env=env)

    assert code == 0
    assert "very-secret-pw" not in out
    assert re.search(r"^secrets\.ibkr_password +\= \*{8}  # env DORADO_IBKR_PASSWORD$", out, re.MULTILINE)


def test_config_show_on_invalid_config_exits_2_with_json_error(fresh: Path) -> None:
    (fresh / "config" / "scoring.yaml").write_text("scoring: {weights: {data_quality: 0.5}}\n")

    code, out, _ = _run("config", "show", "--home", str(fresh), "--json")

    assert code == 2
    payload = json.loads(out)
    assert payload["ok"] is False and payload["exit_code"] == 2
    assert payload["problems"] == ["config/scoring.yaml:1:11 scoring.weights: weights must sum to 1 "
                                   "(got 1.2, allowed a total of 1.0)"]


def test_config_schema_prints_one_schema_per_file_kind() -> None:
    code, out, _ = _run("config", "schema")

    assert code == 0
    schemas = json.loads(out)
    assert {"dorado", "universe", "risk_policy", "scoring", "bot", "strategy"} <= set(schemas)
    bot = schemas["bot"]
    assert bot["required"] == ["bot"] and bot["additionalProperties"] is False
    venue_mode = bot["properties"]["bot"]["properties"]["venue_mode"]
    assert venue_mode["enum"] == ["simulation", "paper", "live"]
    assert "capped by dorado.yaml venue.mode" in venue_mode["description"]


def test_config_schema_out_writes_files(tmp_path: Path) -> None:
    code, out, _ = _run("config", "schema", "--out", str(tmp_path / "schemas"), "--json")

    assert code == 0
    written = [Path(p).name for p in json.loads(out)["written"]]
    assert "strategy.schema.json" in written
    strategy = json.loads((tmp_path / "schemas" / "strategy.schema.json").read_text())
    assert strategy["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "code_hook" in strategy["properties"]["strategy"]["properties"]


def test_debug_mode_re_raises_for_the_traceback(fresh: Path) -> None:
    (fresh / "config" / "dorado.yaml").write_text("venue: {mode: lve}\n")

    result = runner.invoke(app, ["config", "show", "--home", str(fresh)], env={"DORADO_DEBUG": "1"})

    from dorado_tui.domain.errors import ConfigError

    assert isinstance(result.exception, ConfigError)


def test_every_command_offers_json_and_home(fresh: Path) -> None:
    for args in (["init"], ["config", "check"], ["config", "show"], ["config", "schema"]):
        code, out, _ = _run(*args, "--help")
        assert code == 0
        assert "--json" in out, args
