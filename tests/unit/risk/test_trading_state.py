"""Latched trading states and the order gate: HALTED takes no order, REDUCING only reducing ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.domain.states import TradingState
from dorado_tui.risk.gate import Lock, order_allowed
from dorado_tui.risk.trading_state import (
    GLOBAL,
    TradingStateBook,
    Trip,
    bot_scope,
    layer_scope,
    reduces_every_leg,
    underlying_scope,
)

from ._builders import NOW

SYMBOLS = ("AAA", "BBB", "CCC")


def _inst(symbol: str) -> Instrument:
    return Instrument(symbol, SecType.STOCK, symbol)


def _order(changes: dict[str, int], bot: str = "bot-1") -> Order:
    legs = tuple(OrderLeg(_inst(sym), Action.BUY if q > 0 else Action.SELL, abs(q))
                 for sym, q in changes.items())
    return Order("coid-1", legs, 1.0, OrderType.LIMIT, 1.0, bot_id=bot)


def _trip(scope: str, state: TradingState, code: str = "TEST", multiplier: float = 1.0) -> Trip:
    return Trip(scope, state, code, f"{code} tripped", NOW, multiplier)


def test_a_trip_only_ever_makes_a_scope_more_restrictive() -> None:
    book = TradingStateBook().trip(_trip(GLOBAL, TradingState.HALTED, "KILL"))
    book = book.trip(_trip(GLOBAL, TradingState.REDUCING, "DAILY_LOSS"))
    assert book.state_of(GLOBAL) is TradingState.HALTED
    assert [t.code for t in book.get(GLOBAL).trips] == ["KILL", "DAILY_LOSS"]


def test_the_same_trip_twice_is_recorded_once() -> None:
    book = TradingStateBook().trip(_trip(GLOBAL, TradingState.REDUCING))
    assert book.trip(_trip(GLOBAL, TradingState.REDUCING)) is book


def test_resume_needs_a_reason_and_clears_the_trips() -> None:
    book = TradingStateBook().trip(_trip(layer_scope("ZERO_DTE"), TradingState.REDUCING, "LAYER_LOSS", 0.5))
    with pytest.raises(ValueError, match="a resume needs a reason"):
        book.resume(layer_scope("ZERO_DTE"), "   ", "op", NOW)
    resumed, record = book.resume(layer_scope("ZERO_DTE"), " reviewed, loss was a bad print ", "op", NOW)
    assert resumed.state_of(layer_scope("ZERO_DTE")) is TradingState.ACTIVE
    assert resumed.sizing_multiplier((layer_scope("ZERO_DTE"),)) == 1.0
    assert (record.previous, record.reason, [t.code for t in record.cleared]) == (
        TradingState.REDUCING, "reviewed, loss was a bad print", ["LAYER_LOSS"])


def test_effective_state_is_the_worst_of_global_layer_bot_and_underlying() -> None:
    book = TradingStateBook().trip(_trip(bot_scope("b"), TradingState.REDUCING))
    scopes = (GLOBAL, layer_scope("L"), bot_scope("b"), underlying_scope("spy"))
    assert book.effective(scopes) is TradingState.REDUCING
    book = book.trip(_trip(underlying_scope("SPY"), TradingState.HALTED))
    assert book.effective(scopes) is TradingState.HALTED
    assert book.effective((GLOBAL,)) is TradingState.ACTIVE


def test_halted_refuses_even_a_closing_order_with_the_reason() -> None:
    book = TradingStateBook().trip(Trip(GLOBAL, TradingState.HALTED, "KILL_SWITCH", "kill switch", NOW))
    d = order_allowed(_order({"AAA": -5}), {"AAA": 10.0}, book, now=NOW)
    assert (d.passed, d.code) == (False, "TRADING_HALTED")
    assert d.reason == "global is HALTED (kill switch): no orders, only cancels"


def test_reducing_allows_a_reducing_order_and_refuses_an_opening_one() -> None:
    book = TradingStateBook().trip(_trip(layer_scope("L2"), TradingState.REDUCING, "DAILY_LOSS"))
    positions = {"AAA": 10.0, "BBB": -4.0}
    assert order_allowed(_order({"AAA": -10, "BBB": 2}), positions, book, now=NOW, layer="L2").passed
    flip = order_allowed(_order({"AAA": -11}), positions, book, now=NOW, layer="L2")
    assert (flip.passed, flip.code) == (False, "TRADING_REDUCING")
    assert flip.reason == ("layer:L2 is REDUCING (DAILY_LOSS tripped): only orders that reduce "
                           "every leg's position are allowed")
    assert not order_allowed(_order({"CCC": 1}), positions, book, now=NOW, layer="L2").passed
    # another layer is not affected
    assert order_allowed(_order({"CCC": 1}), positions, book, now=NOW, layer="L1").passed


def test_a_lock_blocks_opening_orders_but_not_reducing_ones() -> None:
    lock = Lock(bot_scope("bot-1"), NOW + timedelta(hours=1), "STOPLOSS_GUARD", "3 stops in 24 h", NOW)
    opening = order_allowed(_order({"AAA": 1}), {}, TradingStateBook(), now=NOW, locks=(lock,))
    assert (opening.passed, opening.code) == (False, "STOPLOSS_GUARD")
    closing = order_allowed(_order({"AAA": -1}), {"AAA": 1.0}, TradingStateBook(), now=NOW, locks=(lock,))
    assert closing.passed


legs_strategy = st.dictionaries(st.sampled_from(SYMBOLS), st.integers(-20, 20).filter(bool), min_size=1)
positions_strategy = st.dictionaries(st.sampled_from(SYMBOLS), st.integers(-30, 30).map(float))


@settings(max_examples=300, deadline=None)
@given(changes=legs_strategy, positions=positions_strategy)
def test_property_halted_accepts_no_order_at_all(changes: dict[str, int], positions: dict[str, float]) -> None:
    book = TradingStateBook().trip(_trip(GLOBAL, TradingState.HALTED))
    assert not order_allowed(_order(changes), positions, book, now=NOW).passed


@settings(max_examples=300, deadline=None)
@given(changes=legs_strategy, positions=positions_strategy,
       scope=st.sampled_from([GLOBAL, bot_scope("bot-1"), underlying_scope("AAA")]))
def test_property_reducing_accepts_only_orders_that_shrink_every_leg(
        changes: dict[str, int], positions: dict[str, float], scope: str) -> None:
    book = TradingStateBook().trip(_trip(scope, TradingState.REDUCING))
    order = _order(changes)
    decision = order_allowed(order, positions, book, now=NOW)
    governed = scope != underlying_scope("AAA") or "AAA" in changes
    if decision.passed and governed:
        for sym, change in order.position_change().items():
            held = positions.get(sym, 0.0)
            assert abs(held + change) < abs(held)
            assert (held + change) * held >= 0
    if governed:
        assert decision.passed == reduces_every_leg(order, positions)


@settings(max_examples=200, deadline=None)
@given(states=st.lists(st.sampled_from(list(TradingState)), min_size=1, max_size=8))
def test_property_trips_never_lower_the_state(states: list[TradingState]) -> None:
    book, worst = TradingStateBook(), TradingState.ACTIVE
    for i, state in enumerate(states):
        book = book.trip(Trip(GLOBAL, state, f"T{i}", "r", NOW))
        worst = TradingState.worst(worst, state)
        assert book.state_of(GLOBAL) is worst
