"""Identifiers of the order path and the limit-price walk."""

from __future__ import annotations

import math
from datetime import date

import pytest

from dorado_tui.domain.instruments import ExerciseStyle, Right, option_instrument
from dorado_tui.domain.orders import Action, OrderLeg
from dorado_tui.engine.lifecycle.ids import (
    Purpose,
    client_order_id,
    handle,
    parse_client_order_id,
    position_id,
    store_exec_id,
    twin_bot_id,
)
from dorado_tui.engine.lifecycle.pricing import (
    LegQuote,
    NetPrice,
    Unpriceable,
    collar_distance,
    net_price,
    order_limit,
    walk_net,
)
from dorado_tui.engine.lifecycle.settings import ExecutionSettings

SHORT = option_instrument("QQQ", date(2025, 4, 11), Right.PUT, 70.5, ExerciseStyle.AMERICAN)
LONG = option_instrument("QQQ", date(2025, 4, 11), Right.PUT, 68.0, ExerciseStyle.AMERICAN)
SPREAD = (OrderLeg(SHORT, Action.SELL), OrderLeg(LONG, Action.BUY))


def test_ids_are_derived_from_the_candidate_and_round_trip() -> None:
    pid = position_id("scan-1/qqq/20250411/delta")
    assert pid == position_id("scan-1/qqq/20250411/delta") and pid.startswith("p") and len(pid) == 13
    assert position_id("c", twin=True).startswith("t") and twin_bot_id("c").startswith("twin-")
    coid = client_order_id(pid, Purpose.CLOSE, 2, 3)
    key = parse_client_order_id(coid)
    assert (key.position_id, key.purpose, key.episode, key.step, key.twin) == (pid, Purpose.CLOSE, 2, 3, False)
    assert key.episode_prefix == f"{pid}.c2-"
    assert parse_client_order_id("foreign-7") is None and parse_client_order_id("expire:GLD:2025") is None
    assert len(handle("c")) == 6
    with pytest.raises(ValueError, match="count from 1"):
        client_order_id(pid, Purpose.OPEN, 0, 1)


def test_twin_exec_ids_are_namespaced_once() -> None:
    assert store_exec_id("SIMX-4", twin=True) == "twin:SIMX-4"
    assert store_exec_id("twin:SIMX-4", twin=True) == "twin:SIMX-4"
    assert store_exec_id("SIMX-4", twin=False) == "SIMX-4"


def test_net_mid_and_natural_of_a_credit_spread() -> None:
    price = net_price(SPREAD, {SHORT.symbol: LegQuote(0.50, 0.56), LONG.symbol: LegQuote(0.20, 0.24)})
    assert price.mid == pytest.approx(-0.53 + 0.22)  # −0.31: a credit
    assert price.natural == pytest.approx(-0.50 + 0.24)  # −0.26: sell at the bid, buy at the ask
    with pytest.raises(Unpriceable, match="no usable quote"):
        net_price(SPREAD, {SHORT.symbol: LegQuote(0.50, 0.56), LONG.symbol: LegQuote(math.nan, 0.24)})


def test_the_walk_goes_from_mid_to_natural_in_n_steps_on_the_tick() -> None:
    price = NetPrice(mid=-0.31, natural=-0.26)
    s = ExecutionSettings(walk_steps=3)
    assert [walk_net(price, k, s) for k in (1, 2, 3, 4)] == [-0.31, -0.29, -0.26, -0.26]


def test_the_walk_stops_at_the_slippage_cap_and_the_collar() -> None:
    price = NetPrice(mid=-1.00, natural=-0.80)
    assert walk_net(price, 2, ExecutionSettings(walk_steps=2, max_slippage_frac=0.5)) == pytest.approx(-0.90)
    collar = collar_distance(price.mid, 5.0, 0.05)  # 5 % of 1.00
    assert walk_net(price, 2, ExecutionSettings(walk_steps=2), collar=collar) == pytest.approx(-0.95)
    assert walk_net(price, 1, ExecutionSettings(walk_steps=1, start_at_natural=True)) == pytest.approx(-0.80)


def test_single_leg_orders_quote_the_instrument_price() -> None:
    legs = (OrderLeg(SHORT, Action.SELL),)
    assert order_limit(legs, -0.53) == 0.53
    assert order_limit(SPREAD, -0.31) == -0.31
