"""The re-check counts a stored order's contracts as the daily cap counts the candidate's."""

from __future__ import annotations

from datetime import date

import pytest

from dorado_tui.domain.candidates import Candidate, CandidateLeg
from dorado_tui.domain.instruments import AssetClass, ExerciseStyle, Right, option_instrument
from dorado_tui.domain.orders import Action, Order, OrderType
from dorado_tui.engine.lifecycle.approval import order_legs
from dorado_tui.engine.lifecycle.recheck import option_contracts
from dorado_tui.market.universe import instrument_for
from dorado_tui.risk.checks_market import contracts

EXPIRY = date(2025, 4, 11)


def _option(strike: float, right: Right, action: Action, ratio: int = 1) -> CandidateLeg:
    inst = option_instrument("QQQ", EXPIRY, right, strike, ExerciseStyle.AMERICAN)
    return CandidateLeg(f"{action.value}_{right.value}", inst, action, ratio, 1.0, 1.1)


def _linear(symbol: str, ratio: int = 1) -> CandidateLeg:
    return CandidateLeg("spot", instrument_for(symbol), Action.BUY, ratio, 1.0, 1.1)


def _candidate(legs: tuple[CandidateLeg, ...], quantity: float) -> Candidate:
    return Candidate(id="c", scan_id="s", bot_id="b", underlying="QQQ", asset_class=AssetClass.EQUITY_OPTIONS,
                     template="t", strategy_layer="L2_credit_spreads", legs=legs, expiry=EXPIRY, dte=30,
                     credit=0.0, max_loss=100.0, max_profit=0.0, width=None, breakevens=(), pop=None,
                     quantity=quantity)


@pytest.mark.parametrize(("legs", "quantity", "expected"), [
    ((_option(440, Right.PUT, Action.SELL), _option(435, Right.PUT, Action.BUY)), 3, 3.0),
    ((_option(440, Right.PUT, Action.BUY), _option(435, Right.PUT, Action.SELL, 2)), 2, 4.0),  # ratio spread
    ((_linear("QQQ", 100), _option(450, Right.CALL, Action.SELL)), 1, 1.0),  # covered call: shares are no contracts
    ((_linear("AUDUSD"),), 20_000, 0.0),
    ((_linear("BTC"),), 0.05, 0.0),
], ids=["spread", "ratio", "covered-call", "fx", "crypto"])
def test_a_stored_order_counts_option_contracts_as_the_daily_cap_counts_its_candidate(
        legs: tuple[CandidateLeg, ...], quantity: float, expected: float) -> None:
    c = _candidate(legs, quantity)
    order = Order("p0123456789ab.o1-1", order_legs(c), quantity, OrderType.LIMIT, 1.0)

    assert option_contracts(order) == contracts(c) == pytest.approx(expected)
