"""Layers in the portfolio: FX and crypto measured in dollars against their layers, the crypto
per-token cap, positions without a layer, layers switched off, and the shipped policy's layers
fitting together on a $100k account."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from dorado_tui.domain.account import Position
from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.instruments import AssetClass, Instrument, Right, SecType
from dorado_tui.domain.orders import Action
from dorado_tui.risk import checks_market as m
from dorado_tui.risk.clusters import Correlations
from dorado_tui.risk.context import TradeContext
from dorado_tui.risk.layers import held_capital
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.portfolio import MarketFacts, PortfolioState, PositionRisk
from dorado_tui.risk.portfolio_checks import check_portfolio
from dorado_tui.risk.trade import check_trade

from ._builders import NOW, cash_secured_put, context, leg, linear

POLICY = RiskPolicy()
NAV = 100_000.0
NAMES = ("SPY", "TLT", "GLD", "KO", "USDJPY", "AUDUSD", "BTC")
MARKET = MarketFacts(
    spots={"SPY": 600.0, "TLT": 100.0, "GLD": 90.0, "KO": 60.0, "USDJPY": 150.0, "AUDUSD": 0.65, "BTC": 60_000.0},
    annual_vols={"SPY": 0.18, "TLT": 0.15, "GLD": 0.14, "KO": 0.2, "USDJPY": 0.09, "AUDUSD": 0.1, "BTC": 0.6},
    betas={"USDJPY": 0.2, "AUDUSD": 0.3, "BTC": 1.5},
    correlations=Correlations(NAMES, np.eye(len(NAMES))),
)


def _state(*positions: PositionRisk, policy: RiskPolicy = POLICY) -> PortfolioState:
    return PortfolioState.build(NAV, NAV, positions, MARKET, layers=policy.layers)


def _decision(state: PortfolioState, check: str, policy: RiskPolicy = POLICY):  # type: ignore[no-untyped-def]
    return next(d for d in check_portfolio(state, policy).decisions if d.check == check)


def test_fx_adds_its_layers_margin_and_its_delta_in_dollars() -> None:
    usdjpy = linear("USDJPY", 150.0, 148.0, 100_000, layer="L3_fx", currency="JPY", loss=2.0 / 148.0)

    added = _state().simulate_add(usdjpy)

    i = added.index["USDJPY"]
    assert added.capital[i] == pytest.approx(5_000.0)  # 5 % of 100k dollars, not of 15M yen
    assert added.delta[i] * added.spot[i] == pytest.approx(100_000.0)  # long 100k dollars
    assert _decision(added, "portfolio.beta_delta").figure == pytest.approx(20.0)  # β 0.2 × 100 %


def test_portfolio_greeks_bounds_are_the_options_books_fx_direction_is_bounded_elsewhere() -> None:
    audusd = linear("AUDUSD", 0.65, 0.64, 150_000, layer="L3_fx")  # 97.5k dollars: 97.5 % of NAV

    added = _state().simulate_add(audusd)

    delta = _decision(added, "portfolio.greeks.delta")
    assert (delta.passed, delta.figure) == (True, 0.0)
    assert _decision(added, "portfolio.beta_delta").figure == pytest.approx(29.25)
    assert _decision(added, "portfolio.layer.L3_fx").reason == "layer L3_fx heat 1.50 % within 4 %"


def test_fx_order_value_is_in_dollars_and_fx_units_are_no_contracts() -> None:
    usdjpy = linear("USDJPY", 150.0, 148.0, 100_000, layer="L3_fx", currency="JPY", loss=2.0 / 148.0)
    assert m.order_notional(usdjpy) == pytest.approx(100_000.0)
    d = m.check_size_per_order(usdjpy, context(), POLICY)
    assert (d.passed, d.reason) == (True, "0 contracts, value 100,000 within caps")
    d = m.check_size_per_order(replace(usdjpy, quantity=250_001), context(), POLICY)
    assert (d.code, d.reason) == ("ORDER_NOTIONAL_CAP", "order value 250,001 exceeds the per-order cap 250,000")


@pytest.mark.parametrize(("notional", "passed"), [(3_000.0, True), (3_001.0, False)])
def test_crypto_layer_holds_each_token_to_three_percent_of_nav(notional: float, passed: bool) -> None:
    btc = linear("BTC", 60_000.0, 54_000.0, notional / 60_000.0, layer="L4_crypto", sec=SecType.CRYPTO)
    btc = replace(btc, asset_class=AssetClass.CRYPTO)

    d = _decision(_state().simulate_add(btc), "portfolio.layer.L4_crypto")

    assert d.passed is passed
    if not passed:
        assert (d.code, d.reason) == ("LAYER_UNDERLYING_CAPITAL",
                                      "layer L4_crypto capital in BTC 3.00 % exceeds the limit 3 %")


def test_positions_without_a_layer_are_a_standing_breach_while_layers_are_defined() -> None:
    legacy = PositionRisk("AUDUSD", AssetClass.FX, "unassigned", 1_500.0, 5_000.0)

    d = _decision(_state(legacy), "portfolio.layer.unassigned")

    assert (d.passed, d.code) == (False, "LAYER_MISSING")
    assert d.reason == ("1 position(s) belong to no strategy layer while the policy defines layers: "
                        "assign their bots a layer or close them")


def test_layers_off_means_no_layer_limits_at_all() -> None:
    off = RiskPolicy.model_validate({"layers": {}})
    state = _state(PositionRisk("SPY", AssetClass.EQUITY_OPTIONS, "L2_credit_spreads", 900.0, 900.0), policy=off)

    verdict = check_portfolio(state, off)

    assert not [d for d in verdict.decisions if d.check.startswith("portfolio.layer.")]
    assert verdict.passed


# --- the shipped layers fit together on the default $100k account --------------------------------------

def test_shipped_layers_share_the_portfolio_heat_and_leave_the_minimum_cash() -> None:
    enabled = [lp for lp in POLICY.layers.values() if lp.enabled]
    assert sum(lp.max_heat_pct for lp in enabled) == POLICY.portfolio.max_heat_pct
    assert sum(lp.capital_budget_pct for lp in enabled) <= 100 - POLICY.portfolio.min_cash_pct
    assert POLICY.layers["L4_crypto"].max_underlying_capital_pct == 3.0  # PRD: 3 % per token


def _wheel_put(underlying: str, strike: float, credit: float) -> Candidate:
    """One cash-secured put of the wheel layer: max loss strike × 100 − credit."""
    short = leg(underlying, Right.PUT, strike, Action.SELL, credit / 100 - 0.02, credit / 100 + 0.02, delta=-0.25)
    return replace(cash_secured_put(), id=underlying.lower(), underlying=underlying, legs=(short,), credit=credit,
                   max_loss=strike * 100 - credit, delta=25.0, vega=-12.0, theta=3.0, gamma=-1.0)


def _tlt_context() -> TradeContext:
    return replace(context(), nav=NAV, buying_power=2 * NAV, underlying_price=106.0, quote_time=NOW)


def test_a_tlt_cash_secured_put_passes_every_trade_and_portfolio_check_on_100k() -> None:
    tlt = _wheel_put("TLT", 103.5, 74.0)  # the golden scan's: 10,276 committed and at risk

    trade = check_trade(tlt, _tlt_context(), POLICY)
    portfolio = check_portfolio(_state().simulate_add(tlt), POLICY)

    assert trade.passed, [d.reason for d in trade.decisions if not d.passed]
    assert portfolio.passed, [d.reason for d in portfolio.decisions if not d.passed]
    sizing = next(d for d in trade.decisions if d.check == "trade.sizing")
    assert sizing.reason == "quantity 1 ≤ sized 1 (capital_pct, 12 % of NAV)"


def test_a_second_wheel_put_beyond_the_wheel_budget_is_refused_by_that_budget() -> None:
    tlt, gld = _wheel_put("TLT", 103.5, 74.0), _wheel_put("GLD", 87.0, 94.5)  # 10,276 + 8,605.50

    d = _decision(_state().simulate_add(tlt).simulate_add(gld), "portfolio.layer.L1_wheel")

    assert (d.passed, d.code, d.reason) == (False, "LAYER_BUDGET", "layer L1_wheel capital 18.88 % exceeds the limit 15 %")


def test_held_positions_commit_their_layers_capital_from_their_legs() -> None:
    btc = Position(Instrument("BTC", SecType.CRYPTO, "BTC"), 0.05, 60_000.0, mark=62_000.0)
    usdjpy = Position(Instrument("USDJPY", SecType.FX, "USDJPY", currency="JPY"), -100_000, 150.0)
    shares = Position(Instrument("GLD", SecType.STOCK, "GLD"), 100, 87.0, mark=90.0)
    call = Position(leg("GLD", Right.CALL, 95.0, Action.SELL, 1.0, 1.1).instrument, -1, 1.05)
    put = Position(leg("TLT", Right.PUT, 103.5, Action.SELL, 0.72, 0.76).instrument, -1, 0.74)

    assert held_capital(POLICY, "L4_crypto", [btc], 300.0) == pytest.approx(3_100.0)  # at the mark, unlevered
    assert held_capital(POLICY, "L3_fx", [usdjpy], 1_350.0) == pytest.approx(5_000.0)  # 100k dollars × 5 %
    assert held_capital(POLICY, "L1_wheel", [shares, call], 8_700.0) == pytest.approx(9_000.0)  # covered call
    assert held_capital(POLICY, "L1_wheel", [put], 10_276.0) == 10_276.0  # options only: the max loss
