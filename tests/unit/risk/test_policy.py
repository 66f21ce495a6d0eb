"""The risk policy model: the shipped file validates, bounds and cross-field rules are enforced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from dorado_tui.risk.policy import BreakerAction, RiskPolicy, SizingMethod
from dorado_tui.risk.profiles import apply_profile, deep_merge

CONFIG = Path(__file__).resolve().parents[3] / "config"


def _load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


def _errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        RiskPolicy.model_validate(data)
    return [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in info.value.errors()]


def test_shipped_policy_file_validates_and_matches_model_defaults() -> None:
    policy = RiskPolicy.model_validate(_load(CONFIG / "risk_policy.yaml"))
    assert policy == RiskPolicy()
    assert policy.portfolio.max_heat_pct == 30.0
    assert policy.sizing.default_method is SizingMethod.ADAPTIVE_RULES
    assert policy.trade.spread_quality_flag_pct == 15.0
    assert policy.trade.spread_quality_exclude_pct == 20.0
    assert not policy.trade.allow_naked_short_options
    assert set(policy.layers) == {"L1_wheel", "L2_credit_spreads", "ZERO_DTE", "L3_fx", "L4_crypto"}


def test_every_bad_field_is_reported_with_its_location() -> None:
    errors = _errors({"portfolio": {"max_heat_pct": 130, "bogus": 1}, "sizing": {"base_risk_pct": 5}})
    locations = {loc for loc, _ in errors}
    assert locations == {"portfolio.max_heat_pct", "portfolio.bogus", "sizing.base_risk_pct"}
    assert ("portfolio.bogus", "Extra inputs are not permitted") in errors


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sizing": {"base_risk_pct": 0.6, "min_risk_pct": 1.0}}, "need min_risk_pct ≤ base_risk_pct"),
        ({"trade": {"min_dte": 10, "max_dte": 5}}, "min_dte 10 is greater than max_dte 5"),
        ({"trade": {"spread_quality_flag_pct": 25}}, "spread_quality_flag_pct must not exceed"),
        ({"circuit_breakers": {"drawdown_reduce_pct": 12, "drawdown_halt_pct": 8}},
         "drawdown_halt_pct must not be below drawdown_reduce_pct"),
        ({"portfolio": {"greeks": {"delta_pct": {"min": 5, "max": -5}}}}, "min 5.0 is greater than max -5.0"),
        ({"layers": {"a": {"capital_budget_pct": 70, "max_heat_pct": 5},
                     "b": {"capital_budget_pct": 40, "max_heat_pct": 5}}},
         "capital budgets sum to 110 %"),
        ({"portfolio": {"min_cash_pct": 60}},  # the shipped layers' 46 % no longer fit the 40 % left
         "enabled layers' capital budgets sum to 46 %, more than the 40 % that portfolio.min_cash_pct 60 "
         "leaves to commit"),
        ({"layers": {"w": {"capital_budget_pct": 10, "max_heat_pct": 5, "sizing_method": "capital_pct"}}},
         "sizing_method capital_pct needs capital_per_trade_pct"),
        ({"layers": {"unassigned": {"capital_budget_pct": 10, "max_heat_pct": 5}}},
         "'unassigned' cannot name a layer: it marks trades without one"),
        ({"sizing": {"default_method": "capital_pct"}}, "Input should be 'fixed_risk_pct'"),
    ],
)
def test_cross_field_rules_refuse_inconsistent_policies(data: dict[str, Any], message: str) -> None:
    errors = _errors(data)
    assert any(message in msg for _, msg in errors), errors


def test_sizing_bounds_are_half_to_four_percent() -> None:
    assert _errors({"sizing": {"min_risk_pct": 0.4}})[0][0] == "sizing.min_risk_pct"
    assert _errors({"sizing": {"max_risk_pct": 4.01}})[0][0] == "sizing.max_risk_pct"


def test_policy_is_frozen() -> None:
    policy = RiskPolicy()
    with pytest.raises(ValidationError):
        policy.portfolio.max_heat_pct = 50.0  # type: ignore[misc]


def test_seed_001_profile_sets_minus_8_reduce_and_minus_12_halt() -> None:
    policy = apply_profile(RiskPolicy(), "seed-001", _load(CONFIG / "risk_profiles" / "seed-001.yaml"))
    breakers = policy.circuit_breakers
    assert (breakers.drawdown_reduce_pct, breakers.drawdown_halt_pct) == (8.0, 12.0)
    assert breakers.drawdown_halt_action is BreakerAction.HALT_NEW_TRADES
    assert policy.profile == "seed-001"
    assert policy.portfolio == RiskPolicy().portfolio  # untouched sections survive the merge


def test_seed_004_profile_sets_three_levels() -> None:
    policy = apply_profile(RiskPolicy(), "seed-004", _load(CONFIG / "risk_profiles" / "seed-004.yaml"))
    breakers = policy.circuit_breakers
    assert (breakers.position_loss_pct, breakers.underlying_daily_loss_pct,
            breakers.portfolio_emergency_loss_pct) == (1.0, 1.5, 3.0)


def test_a_profile_cannot_produce_an_invalid_policy() -> None:
    with pytest.raises(ValidationError, match="drawdown_halt_pct must not be below"):
        apply_profile(RiskPolicy(), "bad", {"circuit_breakers": {"drawdown_halt_pct": 5}})


def test_deep_merge_merges_mappings_and_replaces_lists() -> None:
    merged = deep_merge({"a": {"x": 1, "y": [1, 2]}, "b": 2}, {"a": {"y": [3]}, "c": 4})
    assert merged == {"a": {"x": 1, "y": [3]}, "b": 2, "c": 4}
