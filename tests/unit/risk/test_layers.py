"""What a strategy layer changes for a trade: per-trade caps that replace the global ones, sizing by
committed capital (capital_pct), the capital FX and crypto commit, and trades without a layer."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorado_tui.domain.instruments import SecType
from dorado_tui.risk import checks_strategy as s
from dorado_tui.risk.layers import binding_cap, committed_capital, loss_caps
from dorado_tui.risk.policy import CapitalSizing, RiskPolicy, SizingMethod
from dorado_tui.risk.sizing import SizingFacts, size_candidate

from ._builders import cash_secured_put, context, linear, put_spread

POLICY = RiskPolicy()
NAV = 100_000.0


def _with_layer(name: str, **fields: Any) -> RiskPolicy:
    """The default policy with one layer's fields changed."""
    layers = {k: v.model_dump() for k, v in POLICY.layers.items()}
    layers[name] = {**layers[name], **fields}
    return RiskPolicy.model_validate({**POLICY.model_dump(), "layers": layers})


# --- per-trade caps: a layer's cap replaces the global one of the same name ---------------------

def test_wheel_layer_caps_replace_the_global_ones() -> None:
    absolute, relative = loss_caps(POLICY, "L1_wheel", NAV)
    assert (absolute.value, absolute.source) == (25_000.0, "layer L1_wheel max_loss_per_trade")
    assert (relative.value, relative.source) == (12_000.0, "layer L1_wheel max_loss_per_trade_pct 12 % of NAV")
    assert binding_cap(POLICY, "L2_credit_spreads", NAV).value == 2_000.0  # no layer caps: global


def test_a_cap_the_layer_leaves_out_is_inherited_field_by_field() -> None:
    policy = _with_layer("L1_wheel", max_loss_per_trade=None)
    cap = binding_cap(policy, "L1_wheel", NAV)
    assert (cap.value, cap.source) == (2_000.0, "trade.max_loss_per_trade")


def test_a_layer_cap_can_loosen_or_tighten_the_global_one() -> None:
    tight = _with_layer("L2_credit_spreads", max_loss_per_trade=500.0)
    assert binding_cap(tight, "L2_credit_spreads", NAV).value == 500.0
    assert binding_cap(POLICY, "L1_wheel", NAV).value == 12_000.0 > POLICY.trade.max_loss_per_trade


def test_max_loss_check_holds_a_cash_secured_put_to_the_wheel_layers_cap_at_the_boundary() -> None:
    at_cap = replace(cash_secured_put(strike=121.0), max_loss=12_000.0)  # 12,100 − 100
    d = s.check_max_loss(at_cap, context(), POLICY)
    assert (d.passed, d.reason) == (True, "max loss 12,000.00 within 12,000.00 "
                                          "(layer L1_wheel max_loss_per_trade_pct 12 % of NAV)")
    d = s.check_max_loss(replace(at_cap, max_loss=12_000.01), context(), POLICY)
    assert (d.passed, d.code, d.reason) == (
        False, "MAX_LOSS_PER_TRADE", "max loss 12,000.01 exceeds the per-trade cap 12,000.00 "
                                     "(layer L1_wheel max_loss_per_trade_pct 12 % of NAV)")


# --- capital_pct: the wheel is sized by the cash it commits ---------------------------------------

def test_capital_pct_takes_the_contracts_the_layers_share_affords() -> None:
    # L1: 15 % × 80 % of 100k = 12,000 per trade; strike 50, credit 100 commits 4,900 a contract
    sized = size_candidate(cash_secured_put(strike=50.0), SizingFacts(nav=NAV), POLICY)
    assert (sized.method, sized.quantity, sized.budget) == (CapitalSizing.CAPITAL_PCT, 2.0, 12_000.0)
    assert sized.risk_amount == 9_800.0
    assert sized.decision.reason == (
        "capital_pct: 2 × capital 4,900.00 = 9,800.00 within 12,000.00 (80 % of layer L1_wheel's budget); "
        "max loss 9,800.00 within the per-trade cap 12,000.00")


def test_capital_pct_ignores_the_bots_risk_method_and_follows_breakers() -> None:
    put = cash_secured_put(strike=50.0)
    assert size_candidate(put, SizingFacts(nav=NAV), POLICY, method=SizingMethod.FIXED_RISK_PCT).quantity == 2.0
    halved = size_candidate(put, SizingFacts(nav=NAV, multiplier=0.5), POLICY)  # 6,000: one contract
    assert (halved.quantity, halved.budget) == (1.0, 6_000.0)


def test_capital_pct_refuses_a_put_that_commits_more_than_one_trades_share() -> None:
    sized = size_candidate(cash_secured_put(strike=121.0), SizingFacts(nav=NAV), POLICY)  # commits 12,000
    assert sized.quantity == 1.0
    sized = size_candidate(cash_secured_put(strike=121.02), SizingFacts(nav=NAV), POLICY)  # commits 12,002
    assert (sized.quantity, sized.decision.code) == (0.0, "SIZE_BELOW_ONE_UNIT")
    assert sized.decision.reason == (
        "capital per trade 12,000.00 (12 % of NAV: 80 % of layer L1_wheel's budget) is smaller than one "
        "unit's committed capital 12,002.00")


def test_capital_pct_also_keeps_max_loss_within_the_per_trade_cap() -> None:
    policy = _with_layer("L1_wheel", max_loss_per_trade=9_000.0)
    sized = size_candidate(cash_secured_put(strike=50.0), SizingFacts(nav=NAV), policy)
    assert sized.quantity == 1.0  # capital affords 2, the 9,000 cap one
    sized = size_candidate(cash_secured_put(strike=95.0), SizingFacts(nav=NAV), policy)
    assert (sized.quantity, sized.decision.reason) == (
        0.0, "per-trade max-loss cap 9,000.00 is smaller than one unit's max loss 9,400.00")


def test_capital_pct_asked_for_in_a_layer_without_a_share_is_refused() -> None:
    sized = size_candidate(put_spread(), SizingFacts(nav=NAV), POLICY, method=CapitalSizing.CAPITAL_PCT)
    assert (sized.quantity, sized.decision.code) == (0.0, "CAPITAL_SHARE_UNSET")


def test_sizing_check_of_a_wheel_put_uses_capital_pct() -> None:
    assert s.check_sizing(cash_secured_put(strike=50.0, quantity=2.0), context(), POLICY).passed
    d = s.check_sizing(cash_secured_put(strike=50.0, quantity=3.0), context(), POLICY)
    assert (d.code, d.reason) == ("SIZE_ABOVE_POLICY", "quantity 3 exceeds the sized 2 (capital_pct, 12 % of NAV)")


@settings(max_examples=300, deadline=None)
@given(
    nav=st.floats(10_000, 1e8),
    budget_pct=st.floats(0.5, 80.0),
    share_pct=st.floats(1.0, 100.0),
    strike=st.floats(1.0, 2_000.0),
    credit_frac=st.floats(0.0, 0.2),
    mult=st.floats(0.0, 1.0),
    cap_abs=st.floats(100.0, 1e7),
    cap_pct=st.floats(0.5, 100.0),
)
def test_property_capital_pct_never_commits_or_risks_more_than_allowed_and_is_maximal(
        nav: float, budget_pct: float, share_pct: float, strike: float, credit_frac: float, mult: float,
        cap_abs: float, cap_pct: float) -> None:
    wheel = {**POLICY.layers["L1_wheel"].model_dump(), "capital_budget_pct": budget_pct,
             "capital_per_trade_pct": share_pct, "max_loss_per_trade": cap_abs, "max_loss_per_trade_pct": cap_pct}
    policy = RiskPolicy.model_validate({**POLICY.model_dump(), "layers": {"L1_wheel": wheel}})
    credit = strike * 100 * credit_frac
    put = replace(cash_secured_put(strike=strike), credit=credit, max_loss=strike * 100 - credit)

    sized = size_candidate(put, SizingFacts(nav=nav, multiplier=mult), policy)

    unit_capital = strike * 100 - credit  # independent reference: strike × multiplier − credit
    capital_budget = budget_pct * share_pct / 100 * mult / 100 * nav
    loss_cap = min(cap_abs, cap_pct / 100 * nav)
    assert sized.quantity >= 0 and sized.quantity == int(sized.quantity)
    assert sized.quantity * unit_capital <= capital_budget * (1 + 1e-9) + 1e-9
    assert sized.quantity * put.max_loss <= loss_cap * (1 + 1e-9) + 1e-9
    assert committed_capital(replace(put, quantity=sized.quantity), policy) == pytest.approx(
        sized.quantity * unit_capital, rel=1e-9, abs=1e-6)
    one_more = sized.quantity + 1
    assert one_more * unit_capital > capital_budget * (1 - 1e-9) or one_more * put.max_loss > loss_cap * (1 - 1e-9)


# --- adaptive sizing counts the layer's heat headroom -----------------------------------------------

def test_adaptive_headroom_is_the_layers_when_it_is_tighter() -> None:
    facts = SizingFacts(nav=NAV, portfolio_heat_pct=10.0, layer_heat_pct=6.0)  # L2: (8 − 6) × 0.5 = 1 %
    sized = size_candidate(put_spread(), facts, POLICY)
    assert sized.method_risk_pct == pytest.approx(1.0)
    assert "layer heat headroom caps at 1 %" in sized.steps
    facts = SizingFacts(nav=NAV, portfolio_heat_pct=27.0, layer_heat_pct=1.0)  # portfolio: (30 − 27) × 0.5
    assert "heat headroom caps at 1.5 %" in size_candidate(put_spread(), facts, POLICY).steps


@settings(max_examples=200, deadline=None)
@given(heat=st.floats(0, 40), layer_heat=st.none() | st.floats(0, 12))
def test_property_adaptive_sizing_never_exceeds_half_the_tighter_headroom(heat: float,
                                                                          layer_heat: float | None) -> None:
    sized = size_candidate(put_spread(), SizingFacts(nav=NAV, portfolio_heat_pct=heat, layer_heat_pct=layer_heat),
                           POLICY)
    room = POLICY.portfolio.max_heat_pct - heat
    if layer_heat is not None:
        room = min(room, POLICY.layers["L2_credit_spreads"].max_heat_pct - layer_heat)
    assert sized.method_risk_pct <= max(POLICY.sizing.min_risk_pct, room * 0.5) + 1e-9


# --- capital committed by FX and crypto, in the account currency ------------------------------------

def test_fx_commits_the_layers_margin_share_of_its_dollar_notional() -> None:
    usdjpy = linear("USDJPY", 150.0, 148.0, 100_000, layer="L3_fx", currency="JPY", loss=2.0 / 148.0)
    assert committed_capital(usdjpy, POLICY) == pytest.approx(5_000.0)  # 100k dollars × 5 %
    audusd = linear("AUDUSD", 0.65, 0.64, 100_000, layer="L3_fx")
    assert committed_capital(audusd, POLICY) == pytest.approx(3_250.0)  # 65k dollars × 5 %
    assert committed_capital(audusd, POLICY, margin_rate=0.0333) == pytest.approx(65_000 * 0.0333)


def test_crypto_commits_its_whole_notional_and_a_cross_pair_cannot_be_valued() -> None:
    btc = linear("BTC", 60_000.0, 54_000.0, 0.05, layer="L4_crypto", sec=SecType.CRYPTO)
    assert committed_capital(btc, POLICY) == pytest.approx(3_000.0)
    eurjpy = linear("EURJPY", 160.0, 158.0, 10_000, layer="L3_fx", currency="JPY", loss=0.0125)
    assert math.isinf(committed_capital(eurjpy, POLICY))
    d = s.check_buying_power(eurjpy, context(), POLICY)
    assert (d.code, d.reason) == ("MARGIN_UNKNOWN", "cannot value EURJPY in the account currency")


def test_buying_power_check_measures_fx_at_the_layers_margin() -> None:
    audusd = linear("AUDUSD", 0.65, 0.64, 100_000, layer="L3_fx")
    assert s.check_buying_power(audusd, context(buying_power=3_250.0), POLICY).passed
    d = s.check_buying_power(audusd, context(buying_power=3_249.0), POLICY)
    assert (d.code, d.reason) == ("INSUFFICIENT_BUYING_POWER", "needs 3,250.00 of buying power, 3,249.00 available")


def test_sizing_check_sizes_crypto_in_fractions_of_a_coin() -> None:
    # a 6,000 stop on one coin is above the 2 % budget; 0.05 coin (300 at risk) is well within it
    btc = linear("BTC", 60_000.0, 54_000.0, 0.05, layer="L4_crypto", sec=SecType.CRYPTO)
    d = s.check_sizing(btc, context(), POLICY)
    assert d.passed, d.reason
    assert not s.check_sizing(replace(btc, quantity=0.34), context(), POLICY).passed  # 2,040 at risk


# --- trades and positions without a layer ------------------------------------------------------------

@pytest.mark.parametrize("name", ["", "unassigned"])
def test_a_trade_without_a_layer_is_refused_while_the_policy_defines_layers(name: str) -> None:
    d = s.check_layer(put_spread(strategy_layer=name), context(), POLICY)
    assert (d.passed, d.code) == (False, "LAYER_MISSING")
    assert d.reason == ("bot bot-1 names no strategy layer; the risk policy defines L1_wheel, "
                        "L2_credit_spreads, ZERO_DTE, L3_fx, L4_crypto and every trade must belong to one")


def test_without_layers_in_the_policy_no_trade_needs_one() -> None:
    off = RiskPolicy.model_validate({"layers": {}})
    d = s.check_layer(put_spread(strategy_layer=""), context(), off)
    assert (d.passed, d.reason) == (True, "no strategy layers configured")
