"""What the console says about stored facts: the feed's lines for audit entries, fills, denials,
regime changes and alerts; the kill banner; the unit conversion of portfolio figures; the chain
excerpt around a candidate's legs; breakers armed or tripped. Pure functions, hand-built inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from dorado_tui.domain.candidates import CandidateLeg, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import (
    AssetClass,
    ExerciseStyle,
    OptionContract,
    Right,
    option_instrument,
)
from dorado_tui.domain.orders import Action, Fill
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_backend import events
from dorado_tui.engine.console_backend.candidates import (
    as_console_units,
    excerpt_of,
    split_verdicts,
)
from dorado_tui.engine.console_backend.risk_view import breaker_views
from dorado_tui.engine.console_backend.status import kill_banner, venue_detail
from dorado_tui.engine.console_views import BreakerState, CandidateView, EventKind, Severity
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.trading_state import ScopeState, TradingStateBook, Trip
from dorado_tui.store.repos.audit import AuditEntry
from dorado_tui.store.repos.risk import RiskEvent
from dorado_tui.venues.base import VenueStatus

AT = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
NY = ZoneInfo("America/New_York")
EXPIRY = date(2025, 4, 17)


def entry(action: str, subject: str, payload: dict[str, object], actor: str = "risk") -> AuditEntry:
    return AuditEntry(7, AT, actor, action, subject, payload, "0" * 64, "1" * 64)


# ------------------------------------------------------------------ audit entries


def test_a_breaker_halting_a_layer_is_a_critical_breaker_line() -> None:
    d = events.from_audit(entry("trading_state.set", "layer:ZERO_DTE",
                                {"from": "ACTIVE", "to": "HALTED", "reason": "layer ZERO_DTE lost 1.2 %"}))
    assert d == events.Draft(AT, Severity.CRITICAL, EventKind.BREAKER,
                             "layer:ZERO_DTE ACTIVE → HALTED: layer ZERO_DTE lost 1.2 %", "layer:ZERO_DTE")


def test_the_kill_switch_halt_is_a_kill_line_and_a_resume_a_resume_line() -> None:
    kill = events.from_audit(entry("trading_state.set", "global", {"from": "ACTIVE", "to": "HALTED",
                                                                   "reason": "kill switch (console) (by ana)"}, "ana"))
    resume = events.from_audit(entry("trading_state.set", "global", {"from": "HALTED", "to": "ACTIVE",
                                                                     "reason": "resumed by ana: venue checked"}))
    assert kill is not None and (kill.kind, kill.severity, kill.text) == (
        EventKind.KILL, Severity.CRITICAL, "global HALTED by kill switch (ana)")
    assert resume is not None and (resume.kind, resume.text) == (
        EventKind.RESUME, "global HALTED → ACTIVE: resumed by ana: venue checked")


def test_a_state_written_again_unchanged_is_not_news() -> None:
    assert events.from_audit(entry("trading_state.set", "global", {"from": "ACTIVE", "to": "ACTIVE",
                                                                   "reason": "initialized"})) is None


@pytest.mark.parametrize(("old", "new", "kind", "severity", "text"), [
    ("RISK_CHECK", "AWAITING_APPROVAL", EventKind.APPROVAL, Severity.INFO, "spy-ic-01 {h} awaits approval: why"),
    ("EXECUTING", "MONITORING", EventKind.FILL, Severity.INFO, "spy-ic-01 {h}: position open — why"),
    ("EXECUTING", "FAILED", EventKind.ORDER, Severity.ERROR, "spy-ic-01 {h} entry failed: why"),
    ("RISK_CHECK", "REJECTED", EventKind.REJECTION, Severity.WARNING, "spy-ic-01 {h} rejected: why"),
    ("CLOSING", "IDLE", EventKind.FILL, Severity.INFO, "spy-ic-01: position closed — why"),
])
def test_bot_steps_that_carry_news_are_lines(old: str, new: str, kind: EventKind, severity: Severity,
                                             text: str) -> None:
    from dorado_tui.engine.lifecycle.ids import handle

    d = events.from_audit(entry("bot.transition", "spy-ic-01", {"from": old, "to": new, "reason": "why",
                                                                "candidate": "scan-1/spy"}))
    assert d is not None and (d.kind, d.severity, d.text, d.ref) == (
        kind, severity, text.format(h=handle("scan-1/spy")), "scan-1/spy")


@pytest.mark.parametrize(("subject", "payload"), [
    ("spy-ic-01", {"from": "IDLE", "to": "SIGNAL_RECEIVED", "reason": "scan"}),  # intermediate step
    ("spy-ic-01", {"from": "REJECTED", "to": "IDLE", "reason": "log"}),  # the follow-up of a rejection
    ("twin-0123456789ab", {"from": "EXECUTING", "to": "MONITORING", "reason": "filled"}),  # a paper twin
])
def test_intermediate_steps_and_paper_twins_stay_out_of_the_feed(subject: str, payload: dict[str, object]) -> None:
    assert events.from_audit(entry("bot.transition", subject, payload)) is None


def test_an_order_intent_names_side_size_legs_and_limit_and_twin_intents_are_left_out() -> None:
    payload: dict[str, object] = {"type": "limit", "quantity": 2.0, "limit": -1.205, "opening": True,
                                  "legs": [{}, {}]}
    d = events.from_audit(entry("order.intent", "p0123456789ab.o1-1", payload, "engine"))
    assert d is not None and d.text == "order p0123456789ab.o1-1: opening limit 2 × 2 leg(s) @ -1.21"
    assert d.ref == "p0123456789ab"
    assert events.from_audit(entry("order.intent", "t0123456789ab.o1-1", payload)) is None


def test_a_scan_line_counts_candidates_by_status_and_skipped_bots() -> None:
    d = events.from_audit(entry("scan.completed", "scan-7", {"counts": {"paper": 2, "selected": 1}, "skipped": 3},
                                "scanner"))
    assert d is not None and (d.kind, d.text) == (EventKind.SCAN, "scan-7: 2 paper, 1 selected; 3 bot(s) skipped")


def test_a_reconciliation_asking_for_a_halt_is_critical() -> None:
    clean = events.from_audit(entry("reconcile.run", "simulation:trading",
                                    {"verdict": "ACTIVE", "findings": 0, "blocking": 0}))
    halt = events.from_audit(entry("reconcile.run", "simulation:trading",
                                   {"verdict": "HALTED", "findings": 2, "blocking": 1}))
    assert clean is not None and clean.severity is Severity.INFO
    assert halt is not None and halt.severity is Severity.CRITICAL
    assert halt.text == "reconcile simulation:trading: HALTED (2 finding(s), 1 blocking)"


# ------------------------------------------------------------------ fills, denials, regimes, alerts


def _fill(exec_id: str, coid: str, symbol: str, action: Action, price: float, leg: int) -> Fill:
    return Fill(exec_id, coid, "v1", symbol, action, 1.0, price, 100, AT + timedelta(seconds=leg), 0.65, leg)


def test_fills_of_one_order_make_one_line_in_leg_order_and_twin_fills_none() -> None:
    fills = [_fill("e2", "p0123456789ab.o1-1", "SPY P560", Action.BUY, 0.47, 1),
             _fill("e1", "p0123456789ab.o1-1", "SPY P565", Action.SELL, 1.66, 0),
             _fill("twin:e1", "t0123456789ab.o1-1", "SPY P565", Action.SELL, 1.66, 0)]

    drafts = events.from_fills(fills)

    assert [(d.kind, d.text, d.ref, d.time) for d in drafts] == [
        (EventKind.FILL, "fill p0123456789ab.o1-1: sell 1 SPY P565 @ 1.66, buy 1 SPY P560 @ 0.47", "p0123456789ab",
         AT + timedelta(seconds=1))]


def test_a_denied_order_is_a_rejection_and_the_kills_own_halt_decision_is_not_repeated() -> None:
    gate = RiskEvent(Decision("trade.gate", False, "HALTED", "trading is HALTED"), AT, "global", "order_gate", "c-1")
    halt = RiskEvent(Decision("risk.kill_switch", False, "KILL_SWITCH", "kill switch"), AT, "global", "kill")
    stuck = RiskEvent(Decision("risk.kill_switch", False, "ORDERS_STILL_WORKING", "1 order(s) still working"),
                      AT, "global", "kill")
    assert events.from_denial(gate) == events.Draft(AT, Severity.WARNING, EventKind.REJECTION,
                                                    "trade.gate: trading is HALTED", "c-1")
    assert events.from_denial(halt) is None
    assert events.from_denial(stuck) == events.Draft(AT, Severity.ERROR, EventKind.KILL, "1 order(s) still working",
                                                     "global")


def _regime(name: str, asof: date, alert: bool = False) -> RegimeState:
    return RegimeState(RegimeModel.MACRO, asof, name, 0.64, {name: 0.64}, AT, transition_alert=alert)


def test_a_new_regime_is_a_warning_and_the_same_regime_is_not_news() -> None:
    old = _regime("goldilocks", date(2025, 3, 7))
    changed = events.from_regime(old, _regime("transition", date(2025, 3, 10)))
    assert changed is not None and (changed.severity, changed.text) == (
        Severity.WARNING, "macro regime goldilocks → transition (64%) as of 2025-03-10")
    assert events.from_regime(old, _regime("goldilocks", date(2025, 3, 10))) is None
    alert = events.from_regime(old, _regime("goldilocks", date(2025, 3, 10), alert=True))
    assert alert is not None and alert.text == "macro: transition alert, goldilocks at 64% as of 2025-03-10"


def test_only_passing_alerts_come_from_the_bus() -> None:
    near = {"severity": "WARNING", "code": "NEAR_BREAKER", "message": "daily loss 1.70 % is near 2 %",
            "time": AT.isoformat(), "scope": "global", "decision": {"passed": True}}
    tripped = {**near, "severity": "CRITICAL", "decision": {"passed": False}}
    d = events.from_alert(near)
    assert d == events.Draft(AT, Severity.WARNING, EventKind.BREAKER, "global: daily loss 1.70 % is near 2 %", "global")
    assert events.from_alert(tripped) is None


# ------------------------------------------------------------------ status


def _book(*trips: Trip, state: TradingState = TradingState.HALTED) -> TradingStateBook:
    return TradingStateBook(MappingProxyType({"global": ScopeState(state, trips=trips, since=AT)}))


def test_the_kill_banner_names_the_time_in_exchange_time_and_the_cancelled_orders() -> None:
    book = _book(Trip("global", TradingState.HALTED, "KILL_SWITCH", "kill switch (by ana)", AT))
    kill = entry("risk.kill", "global", {"cancelled": ["a", "b"], "still_working": [], "venue_error": None},
                 "ana")
    assert kill_banner(book, kill, NY) == "HALTED by kill switch at 11:00:00 EDT — 2 orders cancelled"
    earlier = AuditEntry(3, AT - timedelta(hours=1), "ana", "risk.kill", "global", {"cancelled": []}, "", "")
    assert kill_banner(book, earlier, NY) == "HALTED by kill switch at 11:00:00 EDT — cancelling working orders…"


def test_no_banner_without_a_kill_switch_trip_or_once_resumed() -> None:
    breaker = _book(Trip("global", TradingState.HALTED, "WEEKLY_LOSS", "weekly loss 5.1 %", AT))
    resumed = _book(Trip("global", TradingState.HALTED, "KILL_SWITCH", "kill", AT), state=TradingState.ACTIVE)
    assert kill_banner(breaker, None, NY) is None and kill_banner(resumed, None, NY) is None


def test_an_ibkr_venue_line_has_account_server_heartbeat_pacing_and_the_last_error() -> None:
    st = VenueStatus("ibkr", "paper", False, "reconnecting", "DU123", 176, AT - timedelta(seconds=42), 38.0)
    assert venue_detail(st, AT, "ibkr: connection refused") == (
        "reconnecting · account DU123 · server v176 · heartbeat 42s ago · pacing 38 msg/s free · "
        "last error: ibkr: connection refused")


# ------------------------------------------------------------------ candidates


def test_portfolio_figures_become_fractions_and_other_checks_keep_their_units() -> None:
    heat = Decision("portfolio.heat", True, "OK", "heat 4.90 % within 30 %", 4.9, 30.0)
    layer = Decision("portfolio.layer.ZERO_DTE", False, "LAYER_MAX_POSITIONS", "6 positions", 6, 5)
    loss = Decision("trade.max_loss", True, "OK", "max loss", 1138.5, 2000.0)
    spread = Decision("trade.spread_quality", True, "OK", "bid-ask spread is 8.7 % of mid", 8.7, 15.0)
    delta = Decision("trade.delta", True, "OK", "short legs' |delta| within [0.05, 0.5]", 0.447, 0.5)

    converted = as_console_units(heat)

    assert (converted.figure, converted.limit, converted.details) == (pytest.approx(0.049), 0.30, {"unit": "pct"})
    assert as_console_units(layer).details == {"unit": "count"} and as_console_units(layer).figure == 6
    assert (as_console_units(loss).figure, as_console_units(loss).details) == (1138.5, {"unit": "usd"})
    assert (as_console_units(spread).figure, as_console_units(spread).limit) == (pytest.approx(0.087), 0.15)
    assert as_console_units(delta) is delta  # a plain number stays a plain number
    assert as_console_units(converted) is converted  # already converted: left alone


def test_verdicts_split_into_gates_and_risk_checks_in_order() -> None:
    verdicts = (Decision.ok("gate.regime", "ok"), Decision.ok("trade.max_loss", "ok"),
                Decision.ok("gate.volatility.iv_rank", "ok"), Decision.ok("portfolio.heat", "ok", 1.0, 30.0),
                Decision.ok("selection", "selected"))
    gates, risk = split_verdicts(verdicts)
    assert [d.check for d in gates] == ["gate.regime", "gate.volatility.iv_rank"]
    assert [d.check for d in risk] == ["trade.max_loss", "portfolio.heat", "selection"]


def _contract(right: Right, strike: float) -> OptionContract:
    return OptionContract(option_instrument("SPY", EXPIRY, right, strike, ExerciseStyle.AMERICAN), 1.0, 1.1, -0.2,
                          0.01, -0.02, 0.1, 0.2, 10, 10, AT)


def test_the_chain_excerpt_keeps_two_listed_strikes_around_each_leg_of_its_right() -> None:
    chain = [_contract(r, k) for r in (Right.PUT, Right.CALL) for k in range(540, 601, 5)]
    legs = (CandidateLeg("short_put", _contract(Right.PUT, 565).instrument, Action.SELL, 1, 1.5, 1.6),
            CandidateLeg("long_put", _contract(Right.PUT, 560).instrument, Action.BUY, 1, 0.9, 1.0))
    view = CandidateView(1, "c-1", "spy", "SPY", AssetClass.EQUITY_OPTIONS, "put_credit_spread", EXPIRY, 38,
                         "565/560P", 50.0, 450.0, 0.7, 1.0, 0.05, "HIGH", 0.8, CandidateStatus.SELECTED, legs=legs)

    excerpt = excerpt_of(chain, view)

    assert [(c.right, c.strike) for c in excerpt] == [(Right.PUT, float(k)) for k in range(550, 576, 5)]


# ------------------------------------------------------------------ breakers


def test_a_breaker_is_tripped_only_while_its_trip_is_latched_and_other_trips_are_listed() -> None:
    policy = RiskPolicy()
    daily = Decision("breaker.daily_loss", False, "DAILY_LOSS", "daily loss 2.30 % reached 2 %", 2.3, 2.0,
                     {"scope": "global"})
    weekly = Decision("breaker.weekly_loss", True, "OK", "weekly loss 2.30 % below 5 %", 2.3, 5.0, {"scope": "global"})
    book = _book(Trip("global", TradingState.REDUCING, "DAILY_LOSS", "daily loss 2.30 % reached 2 %", AT),
                 Trip("global", TradingState.HALTED, "RECONCILE_UNKNOWN_ORDER", "unknown order at the venue", AT))

    views = breaker_views((daily, weekly), book, policy)

    assert [(v.name, v.state, v.figure, v.limit, v.action) for v in views[:2]] == [
        ("daily_loss", BreakerState.TRIPPED, pytest.approx(0.023), 0.02, TradingState.REDUCING),
        ("weekly_loss", BreakerState.ARMED, pytest.approx(0.023), 0.05, TradingState.HALTED)]
    assert views[0].tripped_at == AT and views[1].tripped_at is None
    extra = views[2]
    assert (extra.name, extra.state, extra.action, extra.reason) == (
        "reconcile_unknown_order", BreakerState.TRIPPED, TradingState.HALTED, "unknown order at the venue")
