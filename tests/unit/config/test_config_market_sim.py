"""config/market_sim.yaml is validated like every other file (partial documents merge onto defaults)."""

from __future__ import annotations

from pathlib import Path

from cfgkit import errors

from dorado_tui.home import Home, copy_missing, shipped_defaults
from dorado_tui.settings import load_config


def _shipped_home(tmp_path: Path) -> Home:
    home = Home.at(tmp_path, "test")
    defaults = shipped_defaults()
    copy_missing(defaults.config_dir, home.config_dir)
    copy_missing(defaults.strategies_dir, home.strategies_dir)
    return home


def test_shipped_market_sim_file_loads_with_its_tuples(tmp_path: Path) -> None:
    home = _shipped_home(tmp_path)
    config = load_config(home, environ={})
    (market,) = config.extras["market_sim"]
    assert market.regimes["crisis"].equity_vol_range == (0.33, 0.65)
    assert "SPX" in market.chains.daily_expiry_underlyings


def test_a_partial_market_sim_file_with_a_bad_value_is_located(tmp_path: Path) -> None:
    home = _shipped_home(tmp_path)
    (home.config_dir / "market_sim.yaml").write_text(
        "regimes:\n  crisis:\n    duration_days: -5\n", encoding="utf-8")
    problems = errors(home)
    assert len(problems) == 1
    assert problems == ["config/market_sim.yaml:3:20 regimes.crisis.duration_days: out of range "
                        "(got -5, allowed x > 5)"]
