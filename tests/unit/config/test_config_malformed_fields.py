"""Wrong values in otherwise readable files: type, enum, range, pattern, missing and unknown keys."""

from __future__ import annotations

import pytest
from cfgkit import UNIVERSE, errors, write

from dorado_tui.home import Home

BOT = "config/bots/spy-ic.yaml"
BOT_HEAD = ("bot:\n  id: spy-ic\n  universe: core\n  underlying: SPY\n"
            "  strategy_template: iron_condor\n  strategy_layer: L2_credit_spreads\n")
REGIMES = ("risk_on, goldilocks, transition, risk_off, crisis, recovery, carry, momentum, "
           "mean_reversion, risk_off_unwind, trending, no_trend")
BOT_KEYS = ("approval_mode, description, enabled, id, regime_filter, signal_mode, signal_source, "
            "sizing, strategy_layer, strategy_template, timeout_hours, underlying, universe, venue, "
            "venue_mode")


def _bot_line(line: str) -> dict[str, str]:
    """The valid SPY bot with one extra line 7."""
    return {BOT: BOT_HEAD + line + "\n"}


def _universe(old: str, new: str) -> dict[str, str]:
    assert old in UNIVERSE
    return {"config/universe.yaml": UNIVERSE.replace(old, new)}


CASES = [
    pytest.param(
        _bot_line("  venue_mod: paper"),
        [f"config/bots/spy-ic.yaml:7:3 bot.venue_mod: unknown key, did you mean 'venue_mode'? "
         f"(got 'venue_mod', allowed {BOT_KEYS})"],
        id="unknown-key-with-suggestion"),
    pytest.param(
        _bot_line("  venue_mode: lve"),
        ["config/bots/spy-ic.yaml:7:15 bot.venue_mode: invalid value (got 'lve', allowed simulation, paper, live)"],
        id="invalid-enum-value"),
    pytest.param(
        _bot_line("  sizing: {risk_pct: two}"),
        ["config/bots/spy-ic.yaml:7:22 bot.sizing.risk_pct: expected a number (got 'two')"],
        id="string-for-number"),
    pytest.param(
        _bot_line("  timeout_hours: [4]"),
        ["config/bots/spy-ic.yaml:7:18 bot.timeout_hours: expected a number (got [4])"],
        id="list-for-number"),
    pytest.param(
        _bot_line("  enabled: maybe"),
        ["config/bots/spy-ic.yaml:7:12 bot.enabled: expected true or false (got 'maybe')"],
        id="string-for-bool"),
    pytest.param(
        _bot_line("  sizing: {risk_pct: 25}"),
        ["config/bots/spy-ic.yaml:7:22 bot.sizing.risk_pct: out of range (got 25, allowed 0 < x ≤ 10)"],
        id="percent-out-of-range"),
    pytest.param(
        _bot_line("  regime_filter: {min_regime_confidence: 1.5}"),
        ["config/bots/spy-ic.yaml:7:42 bot.regime_filter.min_regime_confidence: out of range "
         "(got 1.5, allowed 0 ≤ x ≤ 1)"],
        id="fraction-out-of-range"),
    pytest.param(
        {BOT: "bot:\n  id: spy-ic\n  universe: core\n  strategy_template: iron_condor\n"},
        ["config/bots/spy-ic.yaml:1:1 bot.underlying: required field is missing"],
        id="missing-field"),
    pytest.param(
        {BOT: BOT_HEAD.replace("id: spy-ic", "id: SPY_IC")},
        ["config/bots/spy-ic.yaml:2:7 bot.id: does not match the required pattern "
         "(got 'SPY_IC', allowed pattern ^[a-z0-9][a-z0-9_-]{0,63}$)"],
        id="id-pattern"),
    pytest.param(
        _bot_line("  regime_filter: {allowed: [risk_on, goldilock]}"),
        [f"config/bots/spy-ic.yaml:7:38 bot.regime_filter.allowed[1]: unknown regime, did you mean "
         f"'goldilocks'? (got 'goldilock', allowed {REGIMES})"],
        id="unknown-regime-in-list"),
    pytest.param(
        _universe("{symbol: TLT, asset_class: equity_options, venue: ibkr}", "{symbol: TLT, venue: ibkr}"),
        ["config/universe.yaml:5:7 universe.underlyings[1].asset_class: required field is missing"],
        id="missing-field-in-list-item"),
    pytest.param(
        _universe("symbol: USDJPY", "symbol: USDJP"),
        ["config/universe.yaml:6:7 universe.underlyings[2]: an FX symbol is a six-letter pair "
         "(got 'USDJP', allowed e.g. USDJPY)"],
        id="fx-symbol-shape"),
    pytest.param(
        _universe("{symbol: USDJPY, asset_class: fx,", "{symbol: USDJPY, asset_class: fx, sec_type: stock,"),
        ["config/universe.yaml:6:7 universe.underlyings[2]: sec_type 'stock' does not fit asset_class 'fx' "
         "(got 'stock', allowed fx)"],
        id="sec-type-against-asset-class"),
    pytest.param(
        _universe("{symbol: TLT, asset_class: equity_options, venue: ibkr}",
                  "{symbol: TLT, asset_class: equity_options, venue: ibkrr}"),
        ["config/universe.yaml:5:57 universe.underlyings[1].venue: invalid value "
         "(got 'ibkrr', allowed ibkr, simulation, oanda, hyperliquid, deribit)"],
        id="unknown-venue"),
    pytest.param(
        _universe("{symbol: TLT, asset_class: equity_options, venue: ibkr}",
                  "{symbol: TLT, asset_class: equity_options, venue: ibkr, calendar: XNSY}"),
        ["config/universe.yaml:5:73 universe.underlyings[1].calendar: unknown exchange calendar, did you "
         "mean 'XNYS'? (got 'XNSY', allowed an exchange_calendars name such as XNYS, 24/5, 24/7)"],
        id="calendar-typo"),
    pytest.param(
        {"config/dorado.yaml": "timezone: America/NewYork\n"},
        ["config/dorado.yaml:1:11 timezone: unknown time zone "
         "(got 'America/NewYork', allowed an IANA name such as America/New_York)"],
        id="unknown-time-zone"),
    pytest.param(
        {"config/dorado.yaml": "store:\n  url: postgresql+asyncpg://dorado:hunter2@127.0.0.1/dorado\n"},
        ["config/dorado.yaml:2:8 store.url: a password in the URL is a secret: set DORADO_STORE_PASSWORD "
         "in the environment or secrets.yaml and leave it out of this file (got 'a URL with a password')"],
        id="password-in-store-url"),
    pytest.param(
        {"config/dorado.yaml": "store:\n  url: mysql://dorado@127.0.0.1/dorado\n"},
        ["config/dorado.yaml:2:8 store.url: unsupported store URL scheme "
         "(got 'mysql', allowed sqlite+aiosqlite, postgresql+asyncpg)"],
        id="unsupported-store-scheme"),
    pytest.param(
        {"config/dorado.yaml": "schedules:\n  scans:\n    daily_market_open: {at: 9h45}\n"},
        ["config/dorado.yaml:3:29 schedules.scans.daily_market_open.at: expected a time (HH:MM) (got '9h45')"],
        id="bad-time"),
    pytest.param(
        {"config/dorado.yaml": "schedules:\n  monitoring:\n    iv_rank_at: ['15:45', '09:45']\n"},
        ["config/dorado.yaml:3:17 schedules.monitoring.iv_rank_at: times must be distinct and in increasing "
         "order (got '15:45, 09:45')"],
        id="unsorted-times"),
    pytest.param(
        {"config/dorado.yaml": "venue:\n  ibkr:\n    paper_port: 70000\n"},
        ["config/dorado.yaml:3:17 venue.ibkr.paper_port: out of range (got 70000, allowed 1 ≤ x ≤ 65535)"],
        id="port-out-of-range"),
    pytest.param(
        {"config/scoring.yaml": "scoring:\n  weights:\n    data_quality: 0.40\n"},
        ["config/scoring.yaml:2:3 scoring.weights: weights must sum to 1 (got 1.1, allowed a total of 1.0)"],
        id="weights-do-not-sum-to-one"),
    pytest.param(
        {"config/scoring.yaml": "scoring:\n  exclude:\n    spread_quality_above: 0\n"},
        ["config/scoring.yaml:3:27 scoring.exclude.spread_quality_above: out of range (got 0, allowed 0 < x ≤ 1)"],
        id="exclusive-bound"),
    pytest.param(
        {"config/risk_policy.yaml": 'version: "2.0"\nportfolio: {max_heat_pct: 300}\n'},
        ["config/risk_policy.yaml:2:27 portfolio.max_heat_pct: out of range (got 300, allowed 0 ≤ x ≤ 100)"],
        id="risk-policy-through-its-own-model"),
]


@pytest.mark.parametrize(("files", "expected"), CASES)
def test_wrong_value_is_reported_with_location_message_got_and_allowed(
        home: Home, files: dict[str, str], expected: list[str]) -> None:
    for rel, content in files.items():
        write(home, rel, content)

    got = errors(home)

    assert got == expected


@pytest.mark.parametrize(("var", "value", "expected"), [
    ("DORADO_VENUE_MODE", "live",
     "$DORADO_VENUE_MODE venue.mode: live mode cannot be set from the environment; write it in "
     "config/dorado.yaml (got 'live', allowed simulation, paper)"),
    ("DORADO_IBKR_CLIENT_ID", "abc",
     "$DORADO_IBKR_CLIENT_ID venue.ibkr.client_id: expected an integer (got 'abc')"),
    ("DORADO_STORE_URL", "mysql://h/db",
     "$DORADO_STORE_URL store.url: unsupported store URL scheme "
     "(got 'mysql', allowed sqlite+aiosqlite, postgresql+asyncpg)"),
])
def test_bad_environment_override_is_reported_against_the_variable(
        home: Home, var: str, value: str, expected: str) -> None:
    got = errors(home, {var: value})

    assert got == [expected]
