"""Management rules as decisions over hand-built positions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.engine.lifecycle.ledger import LegBook
from dorado_tui.engine.lifecycle.rules import (
    Facts,
    View,
    as_wheel_action,
    breached_sides,
    evaluate,
    wheel_view,
)
from dorado_tui.engine.lifecycle.settings import CHECK_DTE, CHECK_PNL, CHECK_VOL
from dorado_tui.settings.template_parts import Management

EXP = date(2025, 4, 17)
TODAY = date(2025, 3, 20)


def opt(right: Right, strike: float) -> Instrument:
    return option_instrument("SPY", EXP, right, strike, ExerciseStyle.AMERICAN)


def condor() -> tuple[LegBook, ...]:
    return (LegBook(opt(Right.PUT, 540), 1, 1.0), LegBook(opt(Right.PUT, 545), -1, 2.0),
            LegBook(opt(Right.CALL, 600), -1, 2.0), LegBook(opt(Right.CALL, 605), 1, 1.0))


def view(pnl: float, spot: float = 570.0, legs: tuple[LegBook, ...] | None = None, premium: float = 200.0,
         today: date = TODAY, at: time = time(11, 0), marks: dict[str, float] | None = None) -> View:
    legs = condor() if legs is None else legs
    return View("p1", datetime(2025, 3, 10, 15, tzinfo=UTC), today, at, legs, marks or {}, spot, pnl, premium)


M = Management.model_validate({"profit_target_pct": 50, "stop_loss_pct": 200, "dte_exit": 14,
                               "breach_action": {"trigger": "short_strike_tested", "action": "close_tested_side"},
                               "vol_exit": {"trigger": "iv_rank_spike", "threshold": 70, "action": "close_full"}})


def test_quiet_position_gets_a_decision_per_rule_and_no_action() -> None:
    ev = evaluate(view(pnl=40.0), M, Facts(iv_rank=40.0))
    assert {d.check for d in ev.decisions} == {"manage.profit_target", "manage.stop_loss", "manage.dte_exit",
                                               "manage.breach", "manage.vol_exit"}
    assert all(d.passed for d in ev.decisions) and ev.action is None


def test_profit_target_at_half_the_credit() -> None:
    assert evaluate(view(pnl=99.99), M, Facts()).action is None
    ev = evaluate(view(pnl=100.0), M, Facts())
    assert (ev.action.kind, ev.action.rule) == ("close", "profit_target")
    fired = ev.triggered[0]
    assert (fired.code, fired.figure, fired.limit) == ("PROFIT_TARGET", 100.0, 100.0)


def test_stop_loss_at_twice_the_credit_wins_over_the_breach() -> None:
    ev = evaluate(view(pnl=-400.0, spot=544.0), M, Facts())
    assert {d.code for d in ev.triggered} == {"STOP_LOSS", "STRIKE_TESTED"}
    assert (ev.action.kind, ev.action.rule) == ("close", "stop_loss")


def test_a_tested_short_put_closes_only_the_put_side() -> None:
    ev = evaluate(view(pnl=-50.0, spot=545.0), M, Facts())
    assert (ev.action.kind, ev.action.side) == ("close_side", "put")
    assert breached_sides(view(0.0, spot=600.0)) == [("call", 600.0)]


def test_a_breach_on_a_one_sided_position_closes_it_all() -> None:
    legs = condor()[:2]
    ev = evaluate(view(pnl=-50.0, spot=545.0, legs=legs), M, Facts())
    assert ev.action.kind == "close"


def test_dte_exit_and_roll_instead_when_enabled() -> None:
    late = date(2025, 4, 3)  # 14 days to expiry
    assert evaluate(view(10.0, today=late), M, Facts(), frozenset({CHECK_DTE})).action.rule == "dte_exit"
    rolling = M.model_copy(update={"roll": M.roll.model_copy(update={"enabled": True, "dte_trigger": 16})})
    ev = evaluate(view(10.0, today=date(2025, 4, 1)), rolling, Facts(), frozenset({CHECK_DTE}))
    assert (ev.action.kind, [d.code for d in ev.triggered]) == ("roll", ["ROLL"])


def test_iv_rank_spike_exits_and_missing_history_is_said_not_guessed() -> None:
    assert evaluate(view(10.0), M, Facts(iv_rank=71.0), frozenset({CHECK_VOL})).action.rule == "vol_exit"
    [d] = evaluate(view(10.0), M, Facts(), frozenset({CHECK_VOL})).decisions
    assert (d.passed, d.code, d.reason) == (True, "NO_DATA", "not evaluated: no IV rank")


def test_check_groups_select_the_rules() -> None:
    ev = evaluate(view(1000.0), M, Facts(iv_rank=99.0), frozenset({CHECK_PNL}))
    assert {d.check for d in ev.decisions} == {"manage.profit_target", "manage.stop_loss"}


def test_time_exits_after_n_days_and_at_the_expiry_day_time() -> None:
    m = Management.model_validate({"time_exit_days": 10, "time_exit": "15:30"})
    assert evaluate(view(0.0, today=date(2025, 3, 19)), m, Facts()).action is None
    assert evaluate(view(0.0, today=date(2025, 3, 20)), m, Facts()).action.rule == "time_exit"
    zero = Management.model_validate({"time_exit": "15:30"})
    assert evaluate(view(0.0, today=EXP, at=time(15, 29)), zero, Facts()).action is None
    assert evaluate(view(0.0, today=EXP, at=time(15, 30)), zero, Facts()).action.rule == "time_exit"


def test_directional_stops_targets_and_the_trailing_stop_in_atr() -> None:
    long = (LegBook(Instrument("BTC", SecType.CRYPTO, "BTC"), 0.5, 100.0),)
    m = Management.model_validate({"stop_loss": {"method": "atr_multiple", "multiplier": 2},
                                   "profit_target": {"method": "pct", "pct": 10},
                                   "trailing_stop": {"enabled": True, "activation_atr": 1.5,
                                                     "trail_distance_atr": 1.0}})
    f = Facts(atr=2.0, best_price=104.0)
    assert evaluate(view(0.0, spot=103.0, legs=long, premium=0.0), m, f).action is None
    assert evaluate(view(0.0, spot=96.0, legs=long, premium=0.0), m, f).action.rule == "stop_loss"
    assert evaluate(view(0.0, spot=110.0, legs=long, premium=0.0), m, f).action.rule == "profit_target"
    # best 104 = entry + 2 ATR ≥ 1.5 ATR: trailing at 104 − 2 = 102
    assert evaluate(view(0.0, spot=101.9, legs=long, premium=0.0), m, f).action.rule == "trailing_stop"


def test_hurst_exit_fires_below_its_threshold() -> None:
    m = Management.model_validate({"hurst_exit": {"trigger": "hurst_below", "threshold": 0.5, "action": "alert"}})
    assert evaluate(view(0.0), m, Facts(hurst=0.55)).action is None
    assert evaluate(view(0.0), m, Facts(hurst=0.45)).action.kind == "alert"


def test_a_wheel_with_shares_is_managed_through_its_call_only() -> None:
    call = opt(Right.CALL, 580)
    legs = (LegBook(Instrument("SPY", SecType.STOCK, "SPY"), 100, 560.0), LegBook(call, -1, 3.0))
    v = view(-2000.0, legs=legs, marks={call.symbol: 1.4, "SPY": 540.0})
    called = wheel_view(v)
    assert called.entry_premium == pytest.approx(300.0) and called.pnl == pytest.approx(160.0)
    ev = evaluate(called, M, Facts())
    assert as_wheel_action(ev.action).kind == "close_side" and as_wheel_action(ev.action).side == "call"
    assert wheel_view(view(0.0, legs=legs[:1])) is None


def test_management_follows_the_entry_regimes_override() -> None:
    from types import SimpleNamespace

    from dorado_tui.domain.candidates import Candidate
    from dorado_tui.domain.decisions import Decision
    from dorado_tui.domain.instruments import AssetClass
    from dorado_tui.engine.lifecycle.marking import entry_regime, management_of
    from dorado_tui.settings.templates import StrategyTemplate

    ic = StrategyTemplate.model_validate({
        "name": "IC", "type": "options_income", "underlying_class": "equity_options",
        "management": {"profit_target_pct": 50},
        "regime_overrides": {"risk_on": {"management": {"profit_target_pct": 65}}}})
    lc = SimpleNamespace(config=SimpleNamespace(templates={"iron_condor": ic}))
    c = Candidate(id="c", scan_id="s", bot_id="b", underlying="SPY", asset_class=AssetClass.EQUITY_OPTIONS,
                  template="iron_condor", strategy_layer="L2", legs=(), expiry=None, dte=None, credit=1.0,
                  max_loss=1.0, max_profit=1.0, width=None, breakevens=(), pop=None,
                  gates=(Decision.ok("gate.regime", "macro regime risk_on allowed", regime="risk_on"),))
    assert entry_regime(c) == "risk_on"
    assert management_of(lc, "iron_condor", entry_regime(c)).profit_target_pct == 65
    assert management_of(lc, "iron_condor", None).profit_target_pct == 50
