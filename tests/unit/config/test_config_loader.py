"""The loader as a whole: every problem at once, read-only, pluggable, and where values came from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cfgkit import SPY_BOT, check, errors, write
from pydantic import BaseModel, ConfigDict, Field

from dorado_tui.domain.errors import ConfigError
from dorado_tui.home import Home
from dorado_tui.settings import FileKind, load_config, register
from dorado_tui.settings.calendars import COMMON, calendar_names
from dorado_tui.settings.dorado import effective_mode
from dorado_tui.settings.provenance import effective
from dorado_tui.settings.registry import kinds, unregister


class PluginModel(BaseModel):
    """A file another layer plugs in (the market simulator's, say)."""

    model_config = ConfigDict(extra="forbid")
    drift_pct: float = Field(0.0, ge=-50, le=50)


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*")}


def test_every_error_of_every_file_is_reported_at_once(home: Home) -> None:
    write(home, "config/bots/spy-ic.yaml", SPY_BOT + "  venue_mode: lve\n")
    write(home, "config/dorado.yaml", "timezone: Mars/Olympus\n")
    write(home, "config/scoring.yaml", "scoring: {weights: {data_quality: 2}}\n")
    write(home, "strategies/bad.yaml", "strategy: [\n")

    got = errors(home)

    assert got == [
        "config/bots/spy-ic.yaml:7:15 bot.venue_mode: invalid value (got 'lve', allowed simulation, paper, live)",
        "config/dorado.yaml:1:11 timezone: unknown time zone (got 'Mars/Olympus', allowed an IANA name "
        "such as America/New_York)",
        "config/scoring.yaml:1:35 scoring.weights.data_quality: out of range (got 2, allowed 0 ≤ x ≤ 1)",
        "strategies/bad.yaml:2:1 YAML syntax error: expected the node content, but found '<stream end>' "
        "(while parsing a flow node at line 2, column 1)",
    ]


def test_check_writes_nothing_even_when_the_config_is_broken(home: Home) -> None:
    write(home, "config/bots/spy-ic.yaml", SPY_BOT + "  venue_mode: lve\n")
    before = _tree(home.root)

    report = check(home)

    assert not report.ok
    assert _tree(home.root) == before
    assert not home.state_dir.exists()


def test_load_config_raises_config_error_listing_every_problem(home: Home) -> None:
    write(home, "config/bots/spy-ic.yaml", SPY_BOT + "  venue_mode: lve\n  enabled: maybe\n")

    with pytest.raises(ConfigError) as caught:
        load_config(home, environ={})

    assert caught.value.exit_code == 2
    assert caught.value.message == f"2 configuration problems in {home.root}"
    assert caught.value.problems == [
        "config/bots/spy-ic.yaml:7:15 bot.venue_mode: invalid value (got 'lve', allowed simulation, paper, live)",
        "config/bots/spy-ic.yaml:8:12 bot.enabled: expected true or false (got 'maybe')",
    ]


def test_a_registered_file_kind_is_validated_like_the_built_in_ones(home: Home) -> None:
    register(FileKind("market", "config/market.yaml", "test_config_loader:PluginModel", root_key="market"))
    try:
        write(home, "config/market.yaml", "market:\n  drift_pct: 80\n")
        assert errors(home) == ["config/market.yaml:2:14 market.drift_pct: out of range "
                                "(got 80, allowed -50 ≤ x ≤ 50)"]

        write(home, "config/market.yaml", "market:\n  drift_pct: 5\n")
        config = load_config(home, environ={})
    finally:
        unregister("market")
    assert config.extras["market"][0] == PluginModel(drift_pct=5)
    assert "market" not in [k.name for k in kinds()]


def test_unimportable_model_is_a_warning_until_its_module_exists(home: Home) -> None:
    register(FileKind("later", "config/later.yaml", "dorado_tui.not_yet:Later"))
    try:
        write(home, "config/later.yaml", "x: 1\n")
        report = check(home)
    finally:
        unregister("later")

    assert report.errors == []
    assert [str(w) for w in report.warnings] == [
        "config/later.yaml warning: cannot validate yet: model dorado_tui.not_yet:Later is unavailable "
        "(No module named 'dorado_tui.not_yet')"]


def test_yaml_files_nobody_reads_are_warned_about(home: Home) -> None:
    write(home, "config/univers.yaml", "universe: {}\n")
    write(home, "config/bots/qqq.yml", "bot: {}\n")

    report = check(home)

    assert report.errors == []
    assert [str(w) for w in report.warnings] == [
        "config/bots/qqq.yml warning: is not read by Dorado: configuration files end in .yaml (allowed "
        "config/dorado.yaml, config/universe.yaml, config/risk_policy.yaml, config/scoring.yaml, "
        "config/bots/*.yaml, strategies/*.yaml, config/market_sim.yaml)",
        "config/univers.yaml warning: is not read by Dorado, did you mean 'config/universe.yaml'? (allowed "
        "config/dorado.yaml, config/universe.yaml, config/risk_policy.yaml, config/scoring.yaml, "
        "config/bots/*.yaml, strategies/*.yaml, config/market_sim.yaml)",
    ]


def test_show_names_file_line_env_default_and_derived_sources(home: Home) -> None:
    write(home, "config/dorado.yaml", "venue:\n  mode: paper\n")

    config = load_config(home, environ={"DORADO_IBKR_CLIENT_ID": "42"})
    values = {s.key: (s.value, s.source) for s in effective(config)}

    assert values["dorado.venue.mode"] == ("paper", "config/dorado.yaml:2:9")
    assert values["dorado.venue.ibkr.client_id"] == (42, "env DORADO_IBKR_CLIENT_ID")
    assert values["dorado.venue.ibkr.paper_port"] == (4002, "default")
    assert values["bots.spy-ic.underlying"] == ("SPY", "config/bots/spy-ic.yaml:4:15")
    assert values["universe.underlyings[2].quote_currency"] == ("JPY", "default")
    assert values["effective.bots.spy-ic.venue_mode"] == ("paper", "derived (bot venue_mode capped by venue.mode)")
    assert values["effective.bots.btc-mom.venue_mode"][0] == "simulation"
    assert values["home.root"] == (str(home.root), "test")


def test_paths_section_relocates_state(home: Home, tmp_path: Path) -> None:
    write(home, "config/dorado.yaml", f"paths:\n  state: {tmp_path / 'elsewhere'}\n  logs: journal\n")

    config = load_config(home, environ={})

    assert config.home.state_dir == tmp_path / "elsewhere"
    assert config.home.logs_dir == tmp_path / "elsewhere" / "journal"
    assert config.home.db_path == tmp_path / "elsewhere" / "dorado.db"
    assert config.store_url() == f"sqlite+aiosqlite:///{tmp_path}/elsewhere/dorado.db"


def test_bot_mode_is_capped_by_the_global_venue_mode() -> None:
    assert effective_mode("live", "paper") == "paper"
    assert effective_mode("paper", "simulation") == "simulation"
    assert effective_mode("simulation", "live") == "simulation"
    assert effective_mode("live", "live") == "live"


def test_common_calendar_shortcut_names_are_real_exchange_calendars() -> None:
    assert set(COMMON) <= set(calendar_names())


def test_check_does_not_read_the_process_environment_when_given_one(home: Home,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DORADO_VENUE_MODE", "live")

    assert errors(home, {}) == []
    assert os.environ["DORADO_VENUE_MODE"] == "live"
