"""Circuit breakers (PRD, seed 001, seed 004) and Freqtrade-style protections."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.domain.states import TradingState
from dorado_tui.risk.breakers import (
    BreakerInputs,
    PositionLoss,
    apply_trips,
    evaluate_breakers,
    sizing_multiplier,
)
from dorado_tui.risk.events import Severity
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.profiles import apply_profile
from dorado_tui.risk.protections import ClosedTrade, StopOut, evaluate_protections
from dorado_tui.risk.trading_state import GLOBAL, TradingStateBook, layer_scope, underlying_scope

from ._builders import NOW

POLICY = RiskPolicy()
PROFILES = Path(__file__).resolve().parents[3] / "config" / "risk_profiles"


def _profile(name: str) -> RiskPolicy:
    return apply_profile(POLICY, name, YAML(typ="safe").load((PROFILES / f"{name}.yaml").read_text()))


def _inputs(nav: float = 100_000.0, **kw: object) -> BreakerInputs:
    base = BreakerInputs(now=NOW, nav=nav, peak_nav=100_000.0, day_start_nav=100_000.0,
                         week_start_nav=100_000.0)
    return replace(base, **kw)  # type: ignore[arg-type]


def _by_check(outcome, check: str):
    return next(d for d in outcome.decisions if d.check == check)


def test_no_breaker_trips_on_a_quiet_day() -> None:
    out = evaluate_breakers(_inputs(), POLICY)
    assert out.trips == () and out.alerts == ()
    assert all(d.passed for d in out.decisions)


def test_daily_loss_trips_at_the_threshold_into_reducing() -> None:
    assert not evaluate_breakers(_inputs(98_001.0), POLICY).trips
    out = evaluate_breakers(_inputs(98_000.0), POLICY)
    d = _by_check(out, "breaker.daily_loss")
    assert (d.passed, d.code) == (False, "DAILY_LOSS")
    assert d.reason == "daily loss 2.00 % reached 2 %: global REDUCING"
    (trip,) = out.trips
    assert (trip.scope, trip.state) == (GLOBAL, TradingState.REDUCING)
    assert out.alerts[0].severity is Severity.CRITICAL


def test_weekly_loss_halts_everything_as_an_emergency() -> None:
    out = evaluate_breakers(_inputs(95_000.0, day_start_nav=95_500.0), POLICY)
    weekly = [t for t in out.trips if t.code == "WEEKLY_LOSS"]
    assert weekly and weekly[0].state is TradingState.HALTED
    assert next(a for a in out.alerts if a.code == "WEEKLY_LOSS").severity is Severity.EMERGENCY


def test_near_breaker_warns_without_tripping() -> None:
    out = evaluate_breakers(_inputs(98_300.0), POLICY)  # 1.7 % ≥ 0.8 × 2 %
    assert out.trips == ()
    assert [(a.severity, a.code) for a in out.alerts] == [(Severity.WARNING, "DAILY_LOSS")]


def test_drawdown_from_peak_halves_sizing_at_10_percent() -> None:
    out = evaluate_breakers(_inputs(108_000.0, peak_nav=120_000.0, day_start_nav=108_000.0,
                                    week_start_nav=108_000.0), POLICY)
    (trip,) = out.trips
    assert (trip.code, trip.state, trip.sizing_multiplier) == ("DRAWDOWN_REDUCE", TradingState.ACTIVE, 0.5)
    assert trip.reason == "drawdown from peak 10.00 % reached 10 %: sizing × 0.5"
    book, _ = apply_trips(TradingStateBook(), out.trips)
    assert book.state_of(GLOBAL) is TradingState.ACTIVE
    assert book.sizing_multiplier((GLOBAL,)) == 0.5


def test_seed_001_profile_reduces_at_minus_8_and_halts_at_minus_12() -> None:
    policy = _profile("seed-001")
    at8 = evaluate_breakers(_inputs(92_000.0, day_start_nav=92_000.0, week_start_nav=92_000.0), policy)
    assert [t.code for t in at8.trips] == ["DRAWDOWN_REDUCE"]
    assert at8.alerts[0].severity is Severity.CRITICAL
    at12 = evaluate_breakers(_inputs(88_000.0, day_start_nav=88_000.0, week_start_nav=88_000.0), policy)
    assert [t.code for t in at12.trips] == ["DRAWDOWN_REDUCE", "DRAWDOWN_HALT"]
    book, _ = apply_trips(TradingStateBook(), at12.trips)
    assert book.state_of(GLOBAL) is TradingState.REDUCING


def test_seed_004_three_levels() -> None:
    policy = _profile("seed-004")
    out = evaluate_breakers(_inputs(
        99_500.0, positions=(PositionLoss("p1", "SPY", -1_000.0), PositionLoss("p2", "QQQ", -999.0)),
        underlying_pnl_today={"IWM": -1_500.0, "SPY": -200.0}), policy)
    scopes = {(t.code, t.scope, t.state) for t in out.trips}
    assert scopes == {("POSITION_LOSS", underlying_scope("SPY"), TradingState.REDUCING),
                      ("UNDERLYING_DAILY_LOSS", underlying_scope("IWM"), TradingState.REDUCING)}
    level3 = evaluate_breakers(_inputs(97_000.0), policy)
    emergency = [t for t in level3.trips if t.code == "EMERGENCY_LOSS"]
    assert emergency and emergency[0].state is TradingState.HALTED
    assert next(a for a in level3.alerts if a.code == "EMERGENCY_LOSS").severity is Severity.EMERGENCY


def test_layer_daily_loss_trips_only_that_layer() -> None:
    out = evaluate_breakers(_inputs(99_000.0, layer_pnl_today={"ZERO_DTE": -1_000.0}), POLICY)
    (trip,) = out.trips
    assert (trip.scope, trip.state) == (layer_scope("ZERO_DTE"), TradingState.REDUCING)
    assert trip.reason == "layer ZERO_DTE daily loss 1.00 % reached 1 %: layer:ZERO_DTE REDUCING"


def test_crisis_regime_halts_new_trades_and_high_vol_halves_sizing() -> None:
    crisis = RegimeState(RegimeModel.MACRO, NOW.date(), "crisis", 0.83, {}, NOW)
    out = evaluate_breakers(_inputs(regime=crisis), POLICY)
    (trip,) = out.trips
    assert (trip.code, trip.state) == ("CRISIS_REGIME", TradingState.REDUCING)
    assert trip.reason == "macro regime is crisis (83%): global REDUCING"
    stale = replace(crisis, computed_at=NOW - timedelta(days=4))
    assert evaluate_breakers(_inputs(regime=stale), POLICY).trips == ()
    risk_off = replace(crisis, regime="risk_off")
    assert sizing_multiplier(TradingStateBook(), (GLOBAL,), risk_off, NOW, POLICY) == 0.5


navs = st.lists(st.floats(60_000, 140_000), min_size=1, max_size=25)


@settings(max_examples=200, deadline=None)
@given(path=navs)
def test_property_breakers_never_untrip_on_their_own(path: list[float]) -> None:
    """Whatever NAV does next, a tripped scope stays at least as restrictive until resumed."""
    book, peak = TradingStateBook(), 100_000.0
    seen_worst, seen_mult = TradingState.ACTIVE, 1.0
    for nav in path:
        peak = max(peak, nav)
        out = evaluate_breakers(BreakerInputs(NOW, nav, peak, 100_000.0, 100_000.0), POLICY)
        book, _ = apply_trips(book, out.trips)
        state = book.state_of(GLOBAL)
        assert state.severity >= seen_worst.severity
        assert book.sizing_multiplier((GLOBAL,)) <= seen_mult
        seen_worst, seen_mult = state, book.sizing_multiplier((GLOBAL,))


def test_apply_trips_reports_only_new_trips() -> None:
    out = evaluate_breakers(_inputs(98_000.0), POLICY)
    book, fresh = apply_trips(TradingStateBook(), out.trips)
    assert len(fresh) == 1
    _, again = apply_trips(book, out.trips)
    assert again == ()


# -- protections ----------------------------------------------------------------------------

def test_stop_cooldown_locks_the_underlying_then_expires() -> None:
    stop = StopOut("spy", "bot-1", NOW - timedelta(minutes=59))
    out = evaluate_protections([stop], [], NOW, 100_000.0, POLICY)
    (lock,) = out.locks
    assert (lock.scope, lock.code, lock.until) == (underlying_scope("SPY"), "STOP_COOLDOWN", stop.time + timedelta(hours=1))
    assert out.decisions[0].reason.startswith("stopped out of SPY at")
    later = evaluate_protections([stop], [], NOW + timedelta(minutes=1), 100_000.0, POLICY)
    assert later.locks == ()


def test_stoploss_guard_pauses_a_bot_after_n_stops_in_the_window() -> None:
    stops = [StopOut(u, "bot-7", NOW - timedelta(hours=h)) for u, h in (("A", 23), ("B", 10), ("C", 1))]
    out = evaluate_protections(stops, [], NOW, 100_000.0, POLICY)
    guard = [lk for lk in out.locks if lk.code == "STOPLOSS_GUARD"]
    assert guard and guard[0].scope == "bot:bot-7"
    assert guard[0].until == NOW - timedelta(hours=1) + timedelta(minutes=720)
    spread = [replace(stops[0], time=NOW - timedelta(hours=25, seconds=1)), *stops[1:]]  # 24 h 1 s apart
    assert not [lk for lk in evaluate_protections(spread, [], NOW, 1e5, POLICY).locks
                if lk.code == "STOPLOSS_GUARD"]


def test_window_drawdown_pauses_everything() -> None:
    trades = [ClosedTrade("b", "SPY", 2_000.0, NOW - timedelta(hours=30)),
              ClosedTrade("b", "QQQ", -4_000.0, NOW - timedelta(hours=20)),
              ClosedTrade("b", "IWM", -2_500.0, NOW - timedelta(hours=2))]
    # NAV 95,500 now; start equity 100,000; peak 102,000; trough 95,500 → 6.37 %
    out = evaluate_protections([], trades, NOW, 95_500.0, POLICY)
    (lock,) = out.locks
    assert (lock.scope, lock.code) == (GLOBAL, "MAX_DRAWDOWN_WINDOW")
    assert lock.reason == "realized drawdown 6.37 % within 48 h (limit 6 %)"
    mild = evaluate_protections([], trades[:2], NOW, 98_000.0, POLICY)
    assert mild.locks == ()


@pytest.mark.parametrize("minutes", [0, 30])
def test_protections_are_idempotent(minutes: int) -> None:
    stops = [StopOut("SPY", "b", NOW - timedelta(minutes=10))]
    a = evaluate_protections(stops, [], NOW + timedelta(minutes=minutes), 1e5, POLICY)
    b = evaluate_protections(stops, [], NOW + timedelta(minutes=minutes), 1e5, POLICY)
    assert a.locks == b.locks


def test_after_a_resume_the_same_loss_does_not_retrip_but_a_worse_one_does() -> None:
    out = evaluate_breakers(_inputs(97_900.0), POLICY)  # 2.1 % daily loss
    book, _ = apply_trips(TradingStateBook(), out.trips)
    book, record = book.resume(GLOBAL, "loss understood, hedged", "op", NOW)
    assert [t.code for t in record.cleared] == ["DAILY_LOSS"]
    same = evaluate_breakers(_inputs(97_900.0, now=NOW + timedelta(minutes=15)), POLICY)
    book, fresh = apply_trips(book, same.trips)
    assert fresh == () and book.state_of(GLOBAL) is TradingState.ACTIVE
    worse = evaluate_breakers(_inputs(97_500.0, now=NOW + timedelta(minutes=30)), POLICY)
    book, fresh = apply_trips(book, worse.trips)
    assert [t.code for t in fresh] == ["DAILY_LOSS"] and book.state_of(GLOBAL) is TradingState.REDUCING


def test_an_acknowledged_daily_loss_trips_again_on_a_new_day() -> None:
    out = evaluate_breakers(_inputs(97_000.0), POLICY)
    book, _ = apply_trips(TradingStateBook(), [t for t in out.trips if t.code == "DAILY_LOSS"])
    book, _ = book.resume(GLOBAL, "ok", "op", NOW)
    tomorrow = evaluate_breakers(_inputs(97_900.0, now=NOW + timedelta(days=1)), POLICY)
    book, fresh = apply_trips(book, [t for t in tomorrow.trips if t.code == "DAILY_LOSS"])
    assert [t.period for t in fresh] == ["2025-03-13"]


def test_a_kill_after_a_resumed_kill_still_halts() -> None:
    from dorado_tui.risk.trading_state import Trip
    kill = Trip(GLOBAL, TradingState.HALTED, "KILL_SWITCH", "kill switch", NOW)
    book = TradingStateBook().trip(kill)
    book, _ = book.resume(GLOBAL, "checked", "op", NOW)
    assert book.trip(replace(kill, time=NOW + timedelta(hours=1))).state_of(GLOBAL) is TradingState.HALTED
