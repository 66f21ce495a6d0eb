"""A venue execution on a netted account split among the positions it settles: paper twins of the
same contract share one expiry or assignment, each gets what it held, the shares follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dorado_tui.domain.account import Position
from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.domain.orders import Action, Fill
from dorado_tui.engine.lifecycle.venue_events import _split
from dorado_tui.store.repos.positions import ManagedPosition

T0 = datetime(2023, 7, 21, 20, 0, tzinfo=UTC)
PUT = option_instrument("GLD", date(2023, 7, 21), Right.PUT, 286.0, ExerciseStyle.AMERICAN)
OTHER = option_instrument("GLD", date(2023, 7, 21), Right.PUT, 287.0, ExerciseStyle.AMERICAN)
GLD = Instrument("GLD", SecType.STOCK, "GLD", multiplier=1)
REF = "expire:GLD230721P00286000:2023-07-21"


def _position(pid: str, *legs: tuple[Instrument, float]) -> ManagedPosition:
    return ManagedPosition(pid, "twin-" + pid, "GLD", 1.0, -2.0, T0,
                           tuple(Position(inst, q, 2.0) for inst, q in legs), paper=True)


def _fill(exec_id: str, inst: Instrument, action: Action, qty: float, price: float = 0.0, leg: int = 0) -> Fill:
    return Fill(exec_id, REF, "SIM-LIFECYCLE", inst.symbol, action, qty, price, inst.multiplier, T0, 0.0, leg)


def _held(*positions: ManagedPosition) -> dict[tuple[str, str], float]:
    return {(p.position_id, leg.symbol): leg.quantity for p in positions for leg in p.legs}


def test_an_expiry_netted_across_two_short_twins_gives_each_its_own_contract() -> None:
    a, b = _position("ta", (PUT, -1.0)), _position("tb", (PUT, -1.0))
    held = _held(a, b)
    shares, notes = _split([_fill("x1", PUT, Action.BUY, 2.0)], [a, b], held)
    assert shares == {"ta": {"x1": 1.0}, "tb": {"x1": 1.0}}  # was: all 2 to ta (left +1), tb -1
    assert notes == []
    assert held == {("ta", PUT.symbol): 0.0, ("tb", PUT.symbol): 0.0}


def test_an_assignment_splits_by_contracts_held_and_the_shares_follow_in_proportion() -> None:
    a, b = _position("ta", (PUT, -2.0)), _position("tb", (OTHER, -1.0), (PUT, -1.0))
    group = [_fill("x1", PUT, Action.BUY, 3.0), _fill("x2", GLD, Action.BUY, 300.0, 286.0, leg=1)]
    shares, notes = _split(group, [a, b], _held(a, b))
    assert shares == {"ta": {"x1": 2.0, "x2": 200.0}, "tb": {"x1": 1.0, "x2": 100.0}}
    assert notes == []


def test_a_long_holder_does_not_take_a_buy_and_an_unexplained_rest_is_reported() -> None:
    long, short = _position("tl", (PUT, 1.0)), _position("ts", (PUT, -1.0))
    held = _held(long, short)
    shares, notes = _split([_fill("x1", PUT, Action.BUY, 2.0)], [long, short], held)
    assert shares == {"ts": {"x1": 1.0}}
    assert notes == [f"{PUT.symbol}: 1 of 2 held by no open position"]
    assert held[("tl", PUT.symbol)] == 1.0


def test_later_groups_of_the_same_pass_see_what_earlier_ones_settled() -> None:
    a, b = _position("ta", (PUT, -1.0)), _position("tb", (PUT, -1.0))
    held = _held(a, b)
    early = Fill("x1", "early_assignment:GLD230721P00286000:2023-07-18", "SIM-LIFECYCLE", PUT.symbol, Action.BUY,
                 1.0, 0.0, 100, T0, 0.0, 0)
    first, _ = _split([early, _fill("x2", GLD, Action.BUY, 100.0, 286.0, leg=1)], [a, b], held)
    second, notes = _split([_fill("x3", PUT, Action.BUY, 1.0)], [a, b], held)
    assert first == {"ta": {"x1": 1.0, "x2": 100.0}}
    assert second == {"tb": {"x3": 1.0}} and notes == []


def test_nothing_held_against_the_group_gives_no_owner() -> None:
    long = _position("tl", (PUT, 1.0))
    shares, notes = _split([_fill("x1", PUT, Action.BUY, 1.0)], [long], _held(long))
    assert shares == {} and notes == []  # the caller reports the whole group as unattributed
