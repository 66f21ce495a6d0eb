"""The test home and the shipped defaults are valid: the baseline every malformed case breaks."""

from __future__ import annotations

from pathlib import Path

from cfgkit import check, errors

from dorado_tui.home import Home, copy_missing, shipped_defaults
from dorado_tui.settings import load_config


def test_small_home_has_no_problems(home: Home) -> None:
    report = check(home)
    assert report.problems == []
    assert [f.display for f in report.files if not f.virtual] == [
        "config/universe.yaml", "config/risk_policy.yaml", "config/bots/btc-mom.yaml",
        "config/bots/spy-ic.yaml", "strategies/crypto_momentum.yaml",
        "strategies/iron_condor.yaml", "strategies/zero_dte_iron_condor.yaml"]


def test_shipped_defaults_validate_with_the_prd_universe_and_a_bot_per_underlying(tmp_path: Path) -> None:
    home = Home.at(tmp_path, "test")
    defaults = shipped_defaults()
    copy_missing(defaults.config_dir, home.config_dir)
    copy_missing(defaults.strategies_dir, home.strategies_dir)

    assert errors(home) == []
    config = load_config(home, environ={})

    prd = {"SPY", "QQQ", "IWM", "TLT", "GLD", "USDJPY", "AUDUSD", "BTC", "ETH", "SPX"}
    assert set(config.universe.symbols) == prd
    assert {b.underlying for b in config.bots.values()} == prd
    assert len(config.bots) >= 9
    assert all(b.venue_mode != "live" for b in config.bots.values())
    assert config.dorado.venue.mode == "simulation"
    spx = config.universe.get("SPX")
    assert spx is not None and (spx.sec_type, spx.exercise) == ("index", "european")
    usdjpy = config.universe.get("USDJPY")
    assert usdjpy is not None and (usdjpy.quote_currency, usdjpy.calendar, usdjpy.options) == ("JPY", "24/5", False)
    for bot in config.bots.values():
        assert config.template_for(bot).underlying_class == config.underlying_for(bot).asset_class


def test_shipped_store_url_defaults_to_sqlite_in_state(tmp_path: Path) -> None:
    home = Home.at(tmp_path, "test")
    defaults = shipped_defaults()
    copy_missing(defaults.config_dir, home.config_dir)
    copy_missing(defaults.strategies_dir, home.strategies_dir)

    config = load_config(home, environ={})

    assert config.store_url() == f"sqlite+aiosqlite:///{tmp_path}/state/dorado.db"
    assert config.cache_url() is None and config.bus_url() is None
