"""References between files: universe, underlying, template, schedule, layer, ids, live twice."""

from __future__ import annotations

import pytest
from cfgkit import BTC_BOT, SPY_BOT, check, errors, write

from dorado_tui.home import Home

SPY = "config/bots/spy-ic.yaml"
BTC = "config/bots/btc-mom.yaml"


def _spy(old: str, new: str) -> dict[str, str]:
    assert old in SPY_BOT
    return {SPY: SPY_BOT.replace(old, new)}


def _spy_plus(line: str) -> dict[str, str]:
    return {SPY: SPY_BOT + line + "\n"}


CASES = [
    pytest.param(
        _spy("underlying: SPY", "underlying: SPYY"),
        ["config/bots/spy-ic.yaml:4:15 bot.underlying: not in the universe, did you mean 'SPY'? "
         "(got 'SPYY', allowed SPY, TLT, USDJPY, BTC)"],
        id="underlying-not-in-universe"),
    pytest.param(
        _spy("universe: core", "universe: main"),
        ["config/bots/spy-ic.yaml:3:13 bot.universe: unknown universe (got 'main', allowed core)"],
        id="unknown-universe"),
    pytest.param(
        _spy("strategy_template: iron_condor", "strategy_template: iron_condr"),
        ["config/bots/spy-ic.yaml:5:22 bot.strategy_template: no template strategies/iron_condr.yaml, "
         "did you mean 'iron_condor'? (got 'iron_condr', allowed crypto_momentum, iron_condor, "
         "zero_dte_iron_condor)"],
        id="missing-template"),
    pytest.param(
        {BTC: BTC_BOT.replace("strategy_template: crypto_momentum", "strategy_template: iron_condor")},
        ["config/bots/btc-mom.yaml:6:22 bot.strategy_template: template 'iron_condor' trades "
         "equity_options but BTC is crypto (got 'iron_condor', allowed a crypto template)"],
        id="asset-class-mismatch"),
    pytest.param(
        {SPY: SPY_BOT.replace("underlying: SPY", "underlying: TLT")
         .replace("strategy_template: iron_condor", "strategy_template: zero_dte_iron_condor")
         .replace("strategy_layer: L2_credit_spreads", "strategy_layer: ZERO_DTE")},
        ["config/bots/spy-ic.yaml:4:15 bot.underlying: template 'zero_dte_iron_condor' is limited to "
         "other underlyings (got 'TLT', allowed SPY, QQQ, IWM, SPX)"],
        id="template-limited-to-other-underlyings"),
    pytest.param(
        {SPY: SPY_BOT, "config/bots/spy-ic-2.yaml": SPY_BOT},
        ["config/bots/spy-ic.yaml:2:7 bot.id: duplicate bot id, also in config/bots/spy-ic-2.yaml "
         "(got 'spy-ic')"],
        id="duplicate-bot-id"),
    pytest.param(
        _spy_plus("  venue_mode: live"),
        ["config/bots/spy-ic.yaml:7:15 bot.venue_mode: a live bot needs venue.mode: live in "
         "config/dorado.yaml too (live is asked for twice) (got 'live', allowed simulation, paper "
         "while venue.mode is simulation)"],
        id="live-bot-needs-live-venue"),
    pytest.param(
        _spy_plus("  venue: oanda"),
        ["config/bots/spy-ic.yaml:7:10 bot.venue: SPY trades on ibkr (got 'oanda', allowed ibkr)"],
        id="venue-differs-from-universe"),
    pytest.param(
        _spy_plus("  signal_source: {schedule: daily_open}"),
        ["config/bots/spy-ic.yaml:7:29 bot.signal_source.schedule: unknown scan schedule (see "
         "schedules.scans in dorado.yaml) (got 'daily_open', allowed daily_market_open)"],
        id="unknown-schedule"),
    pytest.param(
        _spy("strategy_layer: L2_credit_spreads", "strategy_layer: L2_credit_spread"),
        ["config/bots/spy-ic.yaml:6:19 bot.strategy_layer: unknown strategy layer, did you mean "
         "'L2_credit_spreads'? (got 'L2_credit_spread', allowed L1_wheel, L2_credit_spreads, L3_fx, L4_crypto, ZERO_DTE)"],
        id="unknown-layer"),
    pytest.param(
        _spy("strategy_layer: L2_credit_spreads", "strategy_layer: ZERO_DTE"),
        ["config/bots/spy-ic.yaml:5:22 bot.strategy_template: template DTE range never fits layer "
         "ZERO_DTE (got DTE 30–50, allowed DTE ≤ 0)"],
        id="template-dte-outside-layer"),
    pytest.param(
        _spy_plus("  sizing: {risk_pct: 5}"),
        ["config/bots/spy-ic.yaml:7:22 bot.sizing.risk_pct: above the risk policy's "
         "sizing.max_risk_pct (got 5, allowed 0 < x ≤ 4)"],
        id="risk-pct-above-policy"),
    pytest.param(
        _spy_plus("  signal_mode: webhook\n  signal_source: {type: webhook}"),
        ["config/bots/spy-ic.yaml:8:3 bot.signal_source.webhook_secret: signal_mode webhook needs the "
         "name of the webhook secret"],
        id="webhook-without-secret-name"),
    pytest.param(
        _spy_plus("  signal_mode: webhook"),
        ["config/bots/spy-ic.yaml:1:1 bot.signal_source.type: signal_mode webhook needs a webhook "
         "signal source (got 'scheduled', allowed webhook)",
         "config/bots/spy-ic.yaml:1:1 bot.signal_source.webhook_secret: signal_mode webhook needs the "
         "name of the webhook secret"],
        id="webhook-mode-with-scheduled-source"),
]


@pytest.mark.parametrize(("files", "expected"), CASES)
def test_broken_reference_is_reported_where_it_is_made(home: Home, files: dict[str, str],
                                                       expected: list[str]) -> None:
    for rel, content in files.items():
        write(home, rel, content)

    got = errors(home)

    assert got == expected


def test_lifecycle_template_must_exist(home: Home) -> None:
    write(home, "strategies/wheel.yaml", """\
        strategy:
          name: Wheel
          type: options_wheel
          underlying_class: equity_options
          structure: [{role: short_put, position: sell}]
          entry:
            short_put: {method: delta, delta_target: [-0.30, -0.20]}
            dte_range: [30, 45]
          lifecycle: {on_assignment: covered_call}
        """)

    got = errors(home)

    assert got == ["strategies/wheel.yaml:9:30 strategy.lifecycle.on_assignment: no template "
                   "strategies/covered_call.yaml (got 'covered_call', allowed crypto_momentum, "
                   "iron_condor, wheel, zero_dte_iron_condor)"]


def test_layer_that_lists_other_templates_is_a_warning_not_an_error(home: Home) -> None:
    write(home, "config/bots/spy-ic.yaml", SPY_BOT.replace("L2_credit_spreads", "L1_wheel"))

    report = check(home)

    assert report.errors == []
    assert [str(w) for w in report.warnings] == [
        "config/bots/spy-ic.yaml:5:22 bot.strategy_template: warning: layer L1_wheel trades only "
        "listed templates; this bot's orders will be refused (got 'iron_condor', allowed "
        "short_put, wheel, covered_call)"]


def test_risk_profile_that_does_not_exist_suggests_the_nearest(home: Home) -> None:
    write(home, "config/risk_profiles/seed-001.yaml", "circuit_breakers: {drawdown_halt_pct: 12}\n")
    write(home, "config/risk_policy.yaml", 'version: "2.0"\nprofile: seed-01\n')

    got = errors(home)

    assert got == ["config/risk_policy.yaml:2:10 profile: no such risk profile, did you mean "
                   "'seed-001'? (got 'seed-01', allowed seed-001)"]


def test_risk_profile_is_layered_over_the_policy(home: Home) -> None:
    write(home, "config/risk_profiles/tight.yaml", "circuit_breakers: {drawdown_halt_pct: 12}\n")
    write(home, "config/risk_policy.yaml", 'version: "2.0"\nprofile: tight\n')

    report = check(home)

    assert report.errors == []
    policy = report.valid("risk_policy")[0].model
    assert policy.circuit_breakers.drawdown_halt_pct == 12  # type: ignore[union-attr]


def test_invalid_risk_profile_value_is_located_in_the_profile(home: Home) -> None:
    write(home, "config/risk_profiles/tight.yaml", "circuit_breakers:\n  drawdown_halt_pct: 250\n")
    write(home, "config/risk_policy.yaml", 'version: "2.0"\nprofile: tight\n')

    got = errors(home)

    assert got == ["config/risk_profiles/tight.yaml:2:22 circuit_breakers.drawdown_halt_pct: out of "
                   "range (got 250, allowed 0 ≤ x ≤ 100)"]
