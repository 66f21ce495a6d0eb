"""The scan's sizing facts read the bot's layer heat from the radar's exposure."""

from __future__ import annotations

import math

import pytest

from dorado_tui.domain.instruments import AssetClass
from dorado_tui.engine.scan.portfolio import layer_heat_pct
from dorado_tui.risk.exposure import measure
from dorado_tui.risk.policy import UNASSIGNED_LAYER, RiskPolicy
from dorado_tui.risk.portfolio import MarketFacts, PortfolioState, PositionRisk

POLICY = RiskPolicy()
NAV = 100_000.0


def _exposure(nav: float = NAV):  # type: ignore[no-untyped-def]
    market = MarketFacts({"SPY": 500.0, "QQQ": 400.0, "USDJPY": 150.0},
                         {"SPY": 0.18, "QQQ": 0.22, "USDJPY": 0.09})
    positions = [
        PositionRisk("SPY", AssetClass.EQUITY_OPTIONS, "L2_credit_spreads", 1_500.0, 1_500.0),
        PositionRisk("QQQ", AssetClass.EQUITY_OPTIONS, "L2_credit_spreads", 2_500.0, 2_500.0),
        PositionRisk("USDJPY", AssetClass.FX, "L3_fx", 1_350.0, 5_000.0),
    ]
    state = PortfolioState.build(nav, nav, positions, market, layers=POLICY.layers)
    return measure(state, POLICY)


def test_layer_heat_is_the_layers_max_loss_in_percent_of_nav() -> None:
    x = _exposure()
    assert layer_heat_pct(x, "L2_credit_spreads") == pytest.approx(4.0)  # (1,500 + 2,500) / 100k
    assert layer_heat_pct(x, "L3_fx") == pytest.approx(1.35)  # the max loss, not the 5,000 committed
    assert layer_heat_pct(x, "L1_wheel") == 0.0  # a policy layer with nothing open is known and empty
    assert x.heat_pct == pytest.approx(5.35)


def test_layer_heat_is_unknown_without_a_layer_an_unknown_layer_or_a_nav() -> None:
    x = _exposure()
    assert layer_heat_pct(x, UNASSIGNED_LAYER) is None
    assert layer_heat_pct(x, "") is None
    assert layer_heat_pct(x, "L9_missing") is None
    assert math.isnan(_exposure(nav=0.0).heat_pct)
    assert layer_heat_pct(_exposure(nav=0.0), "L2_credit_spreads") is None
