"""Portfolio state and checks: aggregation, simulate_add, each limit at its boundary, VaR, stress,
layer isolation, and the selection-loop property."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorado_tui.domain.instruments import AssetClass
from dorado_tui.risk.clusters import Correlations
from dorado_tui.risk.exposure import measure
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.portfolio import MarketFacts, PortfolioState, PositionRisk
from dorado_tui.risk.portfolio_checks import check_portfolio
from dorado_tui.risk.selection import select_candidates

from ._builders import put_spread

NAV = 100_000.0
POLICY = RiskPolicy()
EQ = AssetClass.EQUITY_OPTIONS
CORR = Correlations(("SPY", "QQQ", "TLT", "GLD"), np.array([
    [1.0, 0.9, -0.3, 0.1],
    [0.9, 1.0, -0.2, 0.1],
    [-0.3, -0.2, 1.0, 0.2],
    [0.1, 0.1, 0.2, 1.0],
]))
MARKET = MarketFacts(
    spots={"SPY": 450.0, "QQQ": 380.0, "TLT": 95.0, "GLD": 190.0},
    annual_vols={"SPY": 0.18, "QQQ": 0.24, "TLT": 0.15, "GLD": 0.14},
    betas={"SPY": 1.0, "QQQ": 1.2, "TLT": -0.3, "GLD": 0.1},
    correlations=CORR,
)


def _state(*positions: PositionRisk, nav: float = NAV, market: MarketFacts = MARKET) -> PortfolioState:
    return PortfolioState.build(nav, nav, positions, market, layers=POLICY.layers)


def _pos(underlying: str, loss: float, layer: str = "L2_credit_spreads", **greeks: float) -> PositionRisk:
    return PositionRisk(underlying, EQ, layer, loss, greeks.pop("capital", loss), **greeks)


def _decision(state: PortfolioState, check: str, policy: RiskPolicy = POLICY):
    return next(d for d in check_portfolio(state, policy).decisions if d.check == check)


def _policy(**portfolio: object) -> RiskPolicy:
    return RiskPolicy.model_validate({"portfolio": {**POLICY.portfolio.model_dump(), **portfolio}})


def test_build_aggregates_positions_by_underlying_and_layer() -> None:
    state = _state(_pos("SPY", 1_000, delta=10), _pos("spy", 500, "ZERO_DTE", delta=-4),
                   _pos("TLT", 700, "L1_wheel", capital=9_000))
    i = state.index["SPY"]
    assert (state.heat[i], state.delta[i]) == (1_500.0, 6.0)
    assert state.capital.sum() == pytest.approx(1_000 + 500 + 9_000)
    assert dict(zip(state.layers, state.layer_count.tolist(), strict=True)) == {
        "L1_wheel": 1, "L2_credit_spreads": 1, "ZERO_DTE": 1, "L3_fx": 0, "L4_crypto": 0}
    assert state.layer_heat_u[state.layer_index["ZERO_DTE"], i] == 500.0
    assert state.cluster[state.index["SPY"]] == state.cluster[state.index["QQQ"]]
    assert state.cluster[state.index["SPY"]] != state.cluster[state.index["TLT"]]


def test_simulate_add_returns_a_new_state_and_leaves_the_old_one_alone() -> None:
    base = _state()
    c = replace(put_spread(quantity=2), delta=8.0, vega=-5.0)
    added = base.simulate_add(c)
    i = added.index["SPY"]
    assert (added.heat[i], added.delta[i], added.vega[i], added.capital[i]) == (760.0, 16.0, -10.0, 760.0)
    assert base.heat.sum() == 0.0 and base.n_positions == 0
    assert added.n_positions == 1 and added.added == ("c1",)
    with pytest.raises(ValueError, match="read-only"):
        added.u_data[0, 0] = 1.0


def test_simulate_add_grows_for_an_unknown_underlying_and_layer() -> None:
    c = replace(put_spread("IWM"), strategy_layer="L7")
    added = _state().simulate_add(c)
    assert added.names[-1] == "IWM" and added.layers[-1] == "L7"
    layer = _decision(added, "portfolio.layer.L7")
    assert (layer.passed, layer.code) == (False, "LAYER_UNKNOWN")


@pytest.mark.parametrize(("loss", "passed"), [(30_000.0, True), (30_000.5, False)])
def test_heat_boundary(loss: float, passed: bool) -> None:
    positions = [_pos(u, loss / 4, capital=0.0) for u in ("SPY", "TLT", "GLD")] + [
        _pos("QQQ", loss / 4, "L1_wheel", capital=0.0)]
    d = _decision(_state(*positions), "portfolio.heat", _policy(max_single_underlying_pct=100,
                                                                 max_correlated_cluster_pct=100))
    assert d.passed is passed
    if not passed:
        assert (d.code, d.reason) == ("HEAT_LIMIT", "portfolio heat 30.00 % exceeds the limit 30 %")


def test_single_underlying_concentration_boundary_and_text() -> None:
    assert _decision(_state(_pos("TLT", 15_000)), "portfolio.underlying").passed
    d = _decision(_state(_pos("TLT", 15_001)), "portfolio.underlying")
    assert (d.passed, d.reason) == (False, "exposure to TLT 15.00 % exceeds the limit 15 %")
    assert d.figure == pytest.approx(15.001)


def test_near_limit_is_a_passing_warning() -> None:
    d = _decision(_state(_pos("TLT", 12_000)), "portfolio.underlying")  # 0.8 × 15 %
    assert (d.passed, d.code) == (True, "NEAR_LIMIT")


def test_asset_class_limit() -> None:
    fx = [PositionRisk(f"PAIR{i}", AssetClass.FX, "L2_credit_spreads", 7_600.0, 0.0) for i in range(4)]
    policy = RiskPolicy.model_validate({"portfolio": {"max_heat_pct": 100, "max_single_underlying_pct": 100,
                                                      "max_correlated_cluster_pct": 100}})
    d = _decision(_state(*fx), "portfolio.asset_class", policy)
    assert (d.passed, d.reason) == (False, "fx exposure 30.40 % exceeds the limit 30 %")


def test_correlated_cluster_sums_correlated_underlyings() -> None:
    ok = _state(_pos("SPY", 9_000), _pos("QQQ", 9_000), _pos("TLT", 9_000))
    assert _decision(ok, "portfolio.cluster").figure == pytest.approx(18.0)
    d = _decision(_state(_pos("SPY", 9_000), _pos("QQQ", 11_001 + 0.0)), "portfolio.cluster")
    assert (d.passed, d.code) == (False, "CLUSTER_CONCENTRATION")
    assert d.reason == "correlated cluster SPY/QQQ 20.00 % exceeds the limit 20 %"


def test_layers_are_isolated_each_against_its_own_budget() -> None:
    # L2 heat 8 % = its limit (4 % in each name, its per-name limit); capital 4 % of its 8 %
    full_l2 = _state(_pos("SPY", 4_000, capital=2_000), _pos("TLT", 4_000, capital=2_000))
    assert _decision(full_l2, "portfolio.layer.L2_credit_spreads").passed
    more_l2 = full_l2.simulate_add(put_spread("GLD", short=190, long=185))  # + 380
    d = _decision(more_l2, "portfolio.layer.L2_credit_spreads")
    assert (d.passed, d.code) == (False, "LAYER_HEAT")
    assert d.reason == "layer L2_credit_spreads heat 8.38 % exceeds the limit 8 %"
    more_l1 = full_l2.simulate_add(replace(put_spread("GLD", short=190, long=185), strategy_layer="L1_wheel"))
    assert _decision(more_l1, "portfolio.layer.L1_wheel").passed
    assert _decision(more_l1, "portfolio.layer.L2_credit_spreads").passed


def test_layer_capital_budget_and_position_count() -> None:
    zero = [_pos("SPY", 100, "ZERO_DTE", capital=400) for _ in range(5)]
    assert _decision(_state(*zero), "portfolio.layer.ZERO_DTE").passed  # 2 % budget, 5 positions
    d = _decision(_state(*zero, _pos("SPY", 100, "ZERO_DTE", capital=1)), "portfolio.layer.ZERO_DTE")
    assert (d.code, d.reason) == ("LAYER_BUDGET", "layer ZERO_DTE capital 2.00 % exceeds the limit 2 %")
    six = [_pos("SPY", 100, "ZERO_DTE", capital=100) for _ in range(6)]
    d = _decision(_state(*six), "portfolio.layer.ZERO_DTE")
    assert (d.code, d.reason) == ("LAYER_MAX_POSITIONS", "layer ZERO_DTE holds 6 positions (max 5)")


def test_greeks_bounds_in_percent_of_nav() -> None:
    # 111.11 SPY shares × 450 = 50,000 = 50 % of NAV: at the bound
    at = _state(_pos("SPY", 100, delta=50_000 / 450))
    assert _decision(at, "portfolio.greeks.delta").passed
    past = _state(_pos("SPY", 100, delta=50_100 / 450))
    d = _decision(past, "portfolio.greeks.delta")
    assert (d.passed, d.reason) == (False, "dollar delta 50.10 % is outside [-50, 50] %")
    gamma = _state(_pos("SPY", 100, gamma=-(5_010 * 100) / 450**2))  # dollar gamma −5.01 % of NAV
    assert _decision(gamma, "portfolio.greeks.gamma").reason == \
        "dollar gamma (1 % move) -5.01 % is outside [-5, 5] %"


def test_net_short_vega_beta_delta_and_carry() -> None:
    d = _decision(_state(_pos("SPY", 100, vega=-1_501)), "portfolio.net_short_vega")
    assert (d.passed, d.reason) == (False, "net short vega 1.50 % exceeds the limit 1.5 %")
    assert _decision(_state(_pos("SPY", 100, vega=1_501)), "portfolio.net_short_vega").figure == 0.0
    # QQQ beta 1.2: 35,000 dollar delta → 42,000 beta-weighted
    d = _decision(_state(_pos("QQQ", 100, delta=35_000 / 380)), "portfolio.beta_delta")
    assert (d.passed, d.figure) == (False, pytest.approx(42.0))
    d = _decision(_state(_pos("GLD", 100, carry=-51.0)), "portfolio.carry")
    assert (d.passed, d.reason) == (False, "daily carry cost 0.05 % exceeds the limit 0.05 %")


def test_min_cash_boundary_and_cash_drag_alert() -> None:
    policy = _policy(max_single_underlying_pct=100, max_heat_pct=100)
    ok = _state(_pos("SPY", 10, "L1_wheel", capital=50_000), _pos("TLT", 10, "L2_credit_spreads", capital=30_000))
    assert _decision(ok, "portfolio.min_cash", policy).passed
    short = _state(_pos("SPY", 10, "L1_wheel", capital=50_000), _pos("TLT", 10, capital=30_001))
    d = _decision(short, "portfolio.min_cash", policy)
    assert (d.passed, d.reason) == (False, "free cash 20.00 % is below the minimum 20 %")
    drag = _decision(_state(_pos("SPY", 10, capital=9_000)), "portfolio.cash_drag")
    assert (drag.passed, drag.code, drag.reason) == (True, "CASH_DRAG",
                                                     "only 9.00 % of NAV deployed (alert below 10 %)")


def test_var99_of_a_delta_position_matches_the_textbook_formula() -> None:
    state = _state(_pos("SPY", 50_000, delta=100))  # 45,000 dollar delta, heat large enough
    expected = 2.3263478740408408 * 45_000 * 0.18 / math.sqrt(252)
    assert measure(state, POLICY).var99_pct == pytest.approx(expected / NAV * 100, rel=1e-12)


def test_delta_gamma_var_moments_match_monte_carlo() -> None:
    state = _state(_pos("SPY", 1e9, delta=300, gamma=-40), _pos("QQQ", 1e9, delta=-150, gamma=-25))
    x = measure(state, POLICY)
    rng = np.random.default_rng(7)
    sig = np.array([0.18, 0.24]) / math.sqrt(252)
    cov = np.outer(sig, sig) * np.array([[1, 0.9], [0.9, 1]])
    r = rng.multivariate_normal([0, 0], cov, size=400_000)
    s = np.array([450.0, 380.0])
    pnl = (r * np.array([300, -150]) * s).sum(1) + 0.5 * (r**2 * np.array([-40, -25]) * s**2).sum(1)
    mc_var = 2.3263478740408408 * pnl.std() - pnl.mean()
    assert x.var99_pct == pytest.approx(mc_var / NAV * 100, rel=0.01)


def test_var_is_capped_by_defined_risk_and_unmeasurable_without_vol() -> None:
    capped = measure(_state(_pos("SPY", 300, delta=100)), POLICY)
    assert capped.var99_pct == pytest.approx(0.3)
    no_vol = replace(MARKET, annual_vols={"QQQ": 0.2})
    d = _decision(_state(_pos("SPY", 300, delta=100), market=no_vol), "portfolio.var99")
    assert (d.passed, d.reason) == (False, "1-day VaR 99 % cannot be measured (missing price, vol or NAV)")


def test_stress_grid_caps_each_underlying_at_its_heat() -> None:
    # 45,000 dollar delta: −20 % → −9,000, but a defined max loss of 5,000 caps it
    x = measure(_state(_pos("SPY", 5_000, delta=100)), POLICY)
    assert x.stress_worst_pct == pytest.approx(5.0)
    x = measure(_state(_pos("SPY", 50_000, delta=100, vega=-100)), POLICY)
    assert x.stress_worst_pct == pytest.approx((9_000 + 2_000) / NAV * 100)  # −20 % spot, +20 vol
    assert x.stress_grid_pct.shape == (8, 5)


def test_nav_must_be_positive() -> None:
    verdict = check_portfolio(_state(nav=0.0), POLICY)
    assert (verdict.passed, verdict.reason) == (False, "NAV 0 is not positive: nothing can be checked")


names = st.sampled_from(["SPY", "QQQ", "TLT", "GLD"])
layers = st.sampled_from(["L1_wheel", "L2_credit_spreads", "ZERO_DTE"])
candidates = st.lists(st.tuples(names, layers, st.floats(50, 8_000), st.integers(1, 5),
                                st.floats(-60, 60), st.floats(-3, 1), st.floats(-40, 40)),
                      min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(specs=candidates)
def test_property_selection_by_simulate_add_never_breaches_a_limit(specs: list[tuple]) -> None:
    ranked = [replace(put_spread(u), id=f"c{n}", strategy_layer=layer, max_loss=loss, quantity=qty,
                      delta=delta, gamma=gamma, vega=vega)
              for n, (u, layer, loss, qty, delta, gamma, vega) in enumerate(specs)]
    result = select_candidates(ranked, _state(_pos("SPY", 3_000, delta=20, capital=3_000)), POLICY)
    state, selected = result.state, list(result.selected)
    assert len(selected) + len(result.rejected) == len(ranked)
    assert all(not verdict.passed for _, verdict in result.rejected)
    # independent re-count in plain Python
    heat = {u: 0.0 for u in MARKET.spots}
    heat["SPY"] += 3_000
    layer_heat: dict[str, float] = {}
    delta_dollars = 20 * 450.0
    for c in selected:
        heat[c.underlying] += c.max_loss * c.quantity
        layer_heat[c.strategy_layer] = layer_heat.get(c.strategy_layer, 0.0) + c.max_loss * c.quantity
        delta_dollars += c.delta * c.quantity * MARKET.spots[c.underlying]
    p = POLICY.portfolio
    assert sum(heat.values()) <= p.max_heat_pct / 100 * NAV + 1e-6
    assert max(heat.values()) <= p.max_single_underlying_pct / 100 * NAV + 1e-6
    assert heat["SPY"] + heat["QQQ"] <= p.max_correlated_cluster_pct / 100 * NAV + 1e-6
    for layer, used in layer_heat.items():
        assert used <= POLICY.layers[layer].max_heat_pct / 100 * NAV + 1e-6
    assert abs(delta_dollars) <= 50 / 100 * NAV + 1e-6
    assert check_portfolio(state, POLICY).passed
