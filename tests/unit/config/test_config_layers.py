"""Strategy layers across files: a bot without a layer is refused while the risk policy defines
layers (it would bypass every layer limit); a layer named while layers are off is a warning; the
policy's own layer rules are located in the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cfgkit import BTC_BOT, SPY_BOT, check, errors, write

from dorado_tui.home import Home, shipped_defaults
from dorado_tui.settings import check_home

SPY = "config/bots/spy-ic.yaml"
LAYERS = "L1_wheel, L2_credit_spreads, L3_fx, L4_crypto, ZERO_DTE"


CASES = [
    pytest.param(
        {SPY: SPY_BOT.replace("  strategy_layer: L2_credit_spreads\n", "")},
        [f"config/bots/spy-ic.yaml:1:1 bot.strategy_layer: every bot needs a strategy layer while the "
         f"risk policy defines layers (its budget and limits apply to the bot's trades) (allowed {LAYERS})"],
        id="bot-without-a-layer-key"),
    pytest.param(
        {SPY: SPY_BOT.replace("strategy_layer: L2_credit_spreads", "strategy_layer: null")},
        [f"config/bots/spy-ic.yaml:6:19 bot.strategy_layer: every bot needs a strategy layer while the "
         f"risk policy defines layers (its budget and limits apply to the bot's trades) (got null, "
         f"allowed {LAYERS})"],
        id="bot-with-a-null-layer"),
    pytest.param(
        {"config/risk_policy.yaml": 'version: "2.0"\nportfolio: {min_cash_pct: 70}\n'},
        ["config/risk_policy.yaml:1:1 layers: enabled layers' capital budgets sum to 46 %, more than the "
         "30 % that portfolio.min_cash_pct 70 leaves to commit (layers must not compete for the same "
         "capital) (got a mapping)"],
        id="layer-budgets-beyond-the-minimum-cash"),
    pytest.param(
        {"config/risk_policy.yaml": 'version: "2.0"\nlayers:\n  L2_credit_spreads:\n    capital_budget_pct: 8\n'
                                    '    max_heat_pct: 8\n    sizing_method: capital_pct\n',
         "config/bots/btc-mom.yaml": BTC_BOT.replace("L4_crypto", "L2_credit_spreads")},
        ["config/risk_policy.yaml:3:3 layers.L2_credit_spreads: sizing_method capital_pct needs "
         "capital_per_trade_pct (share of the layer's capital budget one trade may commit, > 0) (got a mapping)"],
        id="capital-sizing-without-a-share"),
    pytest.param(
        {"config/risk_policy.yaml": 'version: "2.0"\nlayers:\n  L2_credit_spreads:\n    capital_budget_pct: 8\n'
                                    '    max_heat_pct: 8\n    sizing_method: capital_percent\n'},
        ["config/risk_policy.yaml:6:20 layers.L2_credit_spreads.sizing_method: invalid value "
         "(got 'capital_percent', allowed capital_pct)"],
        id="unknown-layer-sizing-method"),
]


@pytest.mark.parametrize(("files", "expected"), CASES)
def test_layer_problem_is_reported_where_it_is_made(home: Home, files: dict[str, str], expected: list[str]) -> None:
    for rel, content in files.items():
        write(home, rel, content)

    got = errors(home)

    assert got == expected


def test_a_layer_named_while_the_policy_has_none_is_a_warning(home: Home) -> None:
    write(home, "config/risk_policy.yaml", 'version: "2.0"\nlayers: {}\n')

    report = check(home)

    assert report.errors == []
    assert [str(w) for w in report.warnings] == [
        "config/bots/btc-mom.yaml:7:19 bot.strategy_layer: warning: the risk policy defines no strategy "
        "layers (layers: {}); this layer's limits are not enforced (got 'L4_crypto')",
        "config/bots/spy-ic.yaml:6:19 bot.strategy_layer: warning: the risk policy defines no strategy "
        "layers (layers: {}); this layer's limits are not enforced (got 'L2_credit_spreads')"]


def test_without_layers_a_bot_needs_none(home: Home) -> None:
    write(home, "config/risk_policy.yaml", 'version: "2.0"\nlayers: {}\n')
    write(home, SPY, SPY_BOT.replace("  strategy_layer: L2_credit_spreads\n", ""))

    assert errors(home) == []


def test_every_shipped_bot_names_a_shipped_layer_that_admits_its_template(tmp_path: Path) -> None:
    shipped, home = shipped_defaults(), Home.at(tmp_path / "home", "test")
    shutil.copytree(shipped.config_dir, home.config_dir)
    shutil.copytree(shipped.strategies_dir, home.strategies_dir)

    report = check_home(home, {})

    assert report.errors == []
    policy = report.valid("risk_policy")[0].model
    assert len(report.valid("bot")) >= 12
    for loaded in report.valid("bot"):
        bot = loaded.model
        layer = policy.layers[bot.strategy_layer]  # type: ignore[union-attr]
        assert not layer.templates or bot.strategy_template in layer.templates, bot.id  # type: ignore[union-attr]
