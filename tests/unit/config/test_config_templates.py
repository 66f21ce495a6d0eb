"""Strategy templates: schema rules, leg rules, regime overrides, the reserved code hook."""

from __future__ import annotations

import pytest
from cfgkit import check, errors, write

from dorado_tui.home import Home
from dorado_tui.settings.templates import StrategyTemplate

PCS = "strategies/pcs.yaml"
PCS_TEXT = """\
strategy:
  name: Put Credit Spread
  type: options_income
  underlying_class: equity_options
  structure:
    - {role: short_put, position: sell}
    - {role: long_put, position: buy}
  entry:
    short_put: {method: delta, delta_target: [-0.30, -0.20]}
    long_put: {method: fixed_width, width: 5}
    dte_range: [30, 45]
"""
ENTRY_KEYS = ("direction, dte_range, entry_offset_atr, order_type, strike_selection_priority, "
              "time_window, short_put, long_put")
REGIMES = ("risk_on, goldilocks, transition, risk_off, crisis, recovery, carry, momentum, "
           "mean_reversion, risk_off_unwind, trending, no_trend")


def _pcs(old: str = "", new: str = "", extra: str = "") -> dict[str, str]:
    assert old in PCS_TEXT
    return {PCS: PCS_TEXT.replace(old, new) + extra}


def test_baseline_template_is_valid(home: Home) -> None:
    write(home, PCS, PCS_TEXT)

    assert errors(home) == []


CASES = [
    pytest.param(
        _pcs(extra="  code_hook: hooks.roll:maybe\n"),
        ["strategies/pcs.yaml:12:14 strategy.code_hook: code_hook is reserved for a sandboxed Python "
         "escape hatch that Dorado does not run yet; express the rule with entry/management fields "
         "(got 'hooks.roll:maybe', allowed null)"],
        id="code-hook-refused"),
    pytest.param(
        _pcs("[-0.30, -0.20]", "[0.20, 0.30]"),
        ["strategies/pcs.yaml:9:46 strategy.entry.short_put.delta_target: put deltas are negative "
         "(got [0.2, 0.3], allowed -1 ≤ delta ≤ 0)"],
        id="put-delta-sign"),
    pytest.param(
        _pcs("    long_put: {method", "    long_pt: {method"),
        ["strategies/pcs.yaml:8:3 strategy.entry: no entry rule for option leg 'long_put' "
         "(allowed a key 'long_put' under entry)",
         f"strategies/pcs.yaml:10:5 strategy.entry.long_pt: unknown key (neither an entry field nor a "
         f"structure role), did you mean 'long_put'? (got 'long_pt', allowed {ENTRY_KEYS})"],
        id="entry-key-not-a-role"),
    pytest.param(
        _pcs("dte_range: [30, 45]", "dte_range: [45, 30]"),
        ["strategies/pcs.yaml:11:16 strategy.entry.dte_range: range must be written [low, high] "
         "(got [45, 30], allowed low ≤ high)"],
        id="reversed-range"),
    pytest.param(
        _pcs("dte_range: [30, 45]", "dte_range: [30]"),
        ["strategies/pcs.yaml:11:16 strategy.entry.dte_range: wrong number of items "
         "(got 1 item, allowed exactly 2 items)"],
        id="pair-with-one-item"),
    pytest.param(
        _pcs(extra="  legs: 4\n"),
        ["strategies/pcs.yaml:12:9 strategy.legs: legs does not match the structure "
         "(got 4, allowed 2 (the structure's legs))"],
        id="legs-count"),
    pytest.param(
        _pcs("type: options_income", "type: fx_directional"),
        ["strategies/pcs.yaml:4:21 strategy.underlying_class: a fx_directional template trades fx "
         "(got 'equity_options', allowed fx)"],
        id="type-against-class"),
    pytest.param(
        _pcs(extra="  regime_overrides:\n    risk_on:\n      management: {profit_target_pct: 150}\n"),
        ["strategies/pcs.yaml:14:39 strategy.regime_overrides.risk_on.management.profit_target_pct: "
         "out of range (got 150, allowed 0 < x ≤ 100)"],
        id="override-invalid-after-merge"),
    pytest.param(
        _pcs(extra="  regime_overrides:\n    risk-on:\n      management: {profit_target_pct: 60}\n"),
        [f"strategies/pcs.yaml:13:5 strategy.regime_overrides.risk-on: unknown regime, did you mean "
         f"'risk_on'? (got 'risk-on', allowed {REGIMES})"],
        id="override-unknown-regime"),
    pytest.param(
        _pcs("{method: fixed_width, width: 5}", "{method: fixed_width}"),
        ["strategies/pcs.yaml:10:5 strategy.entry.long_put: method fixed_width needs exactly one of "
         "width and width_pct (allowed width or width_pct)"],
        id="fixed-width-without-width"),
    pytest.param(
        {PCS: PCS_TEXT.replace("{role: long_put, position: buy}", "{role: wing, position: buy}")
         .replace("long_put: {method", "wing: {method")},
        ["strategies/pcs.yaml:7:7 strategy.structure[1]: an option leg needs a right "
         "(allowed put, call, from_direction)"],
        id="option-leg-without-right"),
    pytest.param(
        _pcs("  name: Put Credit Spread\n", ""),
        ["strategies/pcs.yaml:1:1 strategy.name: required field is missing"],
        id="missing-name"),
    pytest.param(
        _pcs("    dte_range: [30, 45]\n", ""),
        ["strategies/pcs.yaml:8:3 strategy.entry.dte_range: an options template needs a DTE range"],
        id="options-template-without-dte"),
]


@pytest.mark.parametrize(("files", "expected"), CASES)
def test_template_problem_is_reported_at_its_location(home: Home, files: dict[str, str],
                                                      expected: list[str]) -> None:
    for rel, content in files.items():
        write(home, rel, content)

    got = errors(home)

    assert got == expected


def test_regime_override_is_deep_merged_leaving_other_fields() -> None:
    template = StrategyTemplate.model_validate({
        "name": "IC", "type": "options_income", "underlying_class": "equity_options",
        "structure": [{"role": "short_put", "position": "sell"}],
        "entry": {"short_put": {"method": "delta_and_support", "delta_target": [-0.2, -0.15],
                                "support_buffer": "at_or_below"}, "dte_range": [30, 50]},
        "management": {"profit_target_pct": 50, "dte_exit": 14},
        "regime_overrides": {"risk_on": {"entry": {"short_put": {"delta_target": [-0.25, -0.18]}},
                                         "management": {"profit_target_pct": 65}}},
    })

    risk_on = template.for_regime("risk_on")

    assert risk_on.entry.legs["short_put"].delta_target == (-0.25, -0.18)
    assert risk_on.entry.legs["short_put"].support_buffer == "at_or_below"
    assert risk_on.management.profit_target_pct == 65
    assert risk_on.management.dte_exit == 14
    assert template.for_regime("crisis") is template


def test_schema_expresses_straddle_strangle_and_butterfly(home: Home) -> None:
    write(home, "strategies/long_straddle.yaml", """\
        strategy:
          name: Long Straddle
          type: options_volatility
          underlying_class: equity_options
          structure:
            - {role: long_put, position: buy}
            - {role: long_call, position: buy}
          entry:
            long_put: {method: atm}
            long_call: {method: atm}
            dte_range: [0, 0]
            time_window: ["09:45", "11:00"]
          management: {profit_target_pct: 100, time_exit: "15:30"}
        """)
    write(home, "strategies/long_strangle.yaml", """\
        strategy:
          name: Long Strangle
          type: options_volatility
          underlying_class: equity_options
          structure:
            - {role: long_put, position: buy}
            - {role: long_call, position: buy}
          entry:
            long_put: {method: atm_offset, strike_offset: -2}
            long_call: {method: atm_offset, strike_offset: 2}
            dte_range: [0, 0]
        """)
    write(home, "strategies/call_butterfly.yaml", """\
        strategy:
          name: Long Call Butterfly
          type: options_directional
          underlying_class: equity_options
          legs: 3
          structure:
            - {role: lower_call, position: buy}
            - {role: body_call, position: sell, ratio: 2}
            - {role: upper_call, position: buy}
          entry:
            body_call: {method: atm}
            lower_call: {method: fixed_width, width: 5, from_role: body_call}
            upper_call: {method: fixed_width, width: 5, from_role: body_call}
            dte_range: [0, 7]
        """)

    report = check(home)

    assert report.problems == []
    body = next(f.model for f in report.valid("strategy") if f.path.stem == "call_butterfly")
    assert [leg.ratio for leg in body.structure] == [1, 2, 1]  # type: ignore[union-attr]
    assert [leg.right for leg in body.structure] == ["call", "call", "call"]  # type: ignore[union-attr]
