"""What the console shows of an open position and of the trading states: legs marked from quotes,
per-side P&L, units (entry credit and cost to close per unit, × multiplier), DTE in exchange
time, the management rules' verdict line, the newer of the live and stored marks, the moment a
view depends on; the trading-states and status-bar mapping. Pure functions, hand-computed values.

The iron condor: 2 units of SPY 555/560P – 600/605C expiring 2025-04-17, opened for a 1.50
credit (entry_price −1.50 per unit, 300.00 in total). Marks 2.40/1.90 on the puts and 1.20/0.90
on the calls: put side −2×(2.40−3.00)×100 + 2×(1.90−2.20)×100 = 120 − 60 = 60, call side
−2×(1.20−2.50)×100 + 2×(0.90−1.80)×100 = 260 − 180 = 80, 140 in all; the unit mark is
(−2×2.40 + 2×1.90 − 2×1.20 + 2×0.90)/2 = −0.80, a cost to close of 80.00 per unit.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from dorado_tui.domain.account import Position
from dorado_tui.domain.instruments import ExerciseStyle, OptionContract, Right, option_instrument
from dorado_tui.domain.states import BotState, TradingState
from dorado_tui.engine.console_backend.positions import (
    LiveMark,
    PositionFacts,
    current_mark,
    expiry_of,
    management_line,
    mark_position,
    position_view,
    stored_mark,
    view_moment,
)
from dorado_tui.engine.console_backend.status import status_view, trading_view, venue_label
from dorado_tui.engine.console_views import JobView, SchedulerRole
from dorado_tui.engine.lifecycle.pricing import LegQuote
from dorado_tui.engine.lifecycle.quotes import QuoteSet
from dorado_tui.risk.trading_state import ScopeState, TradingStateBook, Trip
from dorado_tui.settings.template_parts import ExitRule, Management
from dorado_tui.store.repos.positions import ManagedPosition
from dorado_tui.venues.base import VenueStatus

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 EDT
NY = ZoneInfo("America/New_York")
EXPIRY = date(2025, 4, 17)  # 38 days after 2025-03-10
OPENED = NOW - timedelta(days=3)
SP, LP, SC, LC = (option_instrument("SPY", EXPIRY, r, k, ExerciseStyle.AMERICAN)
                  for r, k in ((Right.PUT, 560), (Right.PUT, 555), (Right.CALL, 600), (Right.CALL, 605)))
MARKS = {SP.symbol: 2.40, LP.symbol: 1.90, SC.symbol: 1.20, LC.symbol: 0.90}
DELTAS = {SP.symbol: -0.30, LP.symbol: -0.25, SC.symbol: 0.20, LC.symbol: 0.10}
RULES = Management(profit_target_pct=50, stop_loss_pct=200, dte_exit=21)


def condor(**changes: object) -> ManagedPosition:
    legs = (Position(SP, -2, 3.00), Position(LP, 2, 2.20), Position(SC, -2, 2.50), Position(LC, 2, 1.80))
    p = ManagedPosition("p-ic", "spy-ic-01", "SPY", 2.0, -1.50, OPENED, legs, template="iron_condor",
                        strategy_layer="L2_credit_spreads", max_loss=700.0)
    return replace(p, **changes)  # type: ignore[arg-type]


def quotes(marks: dict[str, float], spot: float = 580.0) -> QuoteSet:
    contracts = {s: OptionContract(i, marks[s] - 0.05, marks[s] + 0.05, DELTAS[s], 0.01, -0.02, 0.1, 0.2, 10, 10, NOW)
                 for s, i in ((x.symbol, x) for x in (SP, LP, SC, LC))}
    return QuoteSet({s: LegQuote(m - 0.05, m + 0.05) for s, m in marks.items()}, contracts, NOW, {"SPY": spot})


def live(marks: dict[str, float] = MARKS, spot: float = 580.0, at: datetime = NOW) -> LiveMark:
    q = quotes(marks, spot)
    mark = mark_position(condor(), q, q.marks(), at)
    assert mark is not None
    return mark


def facts(state: BotState = BotState.MONITORING, m: Management = RULES) -> PositionFacts:
    return PositionFacts(state=state, venue_mode="paper", management=m)


# ------------------------------------------------------------------ marks


def test_a_condor_is_marked_per_side_with_its_unit_mark_and_position_greeks() -> None:
    mark = live()
    assert mark.unit_mark == pytest.approx(-0.80)
    assert mark.unrealized == pytest.approx(140.0)
    assert mark.side_pnl == pytest.approx({"put": 60.0, "call": 80.0})
    # delta: −200×(−0.30) + 200×(−0.25) − 200×0.20 + 200×0.10 = 60 − 50 − 40 + 20
    assert mark.greeks["delta"] == pytest.approx(-10.0)
    assert mark.spot == 580.0 and mark.marks == pytest.approx(MARKS)


def test_a_leg_without_a_usable_quote_leaves_the_position_unmarked() -> None:
    q = quotes(MARKS)
    q.quotes[LC.symbol] = LegQuote(0.0, 0.0)  # no ask: not usable
    assert mark_position(condor(), q, q.marks(), NOW) is None


def test_the_stored_mark_needs_every_open_legs_mark_and_the_newer_mark_wins() -> None:
    legs = tuple(replace(leg, mark=MARKS[leg.symbol]) for leg in condor().legs)
    stored = condor(legs=legs, mark=-0.80, unrealized_pnl=140.0, marked_at=NOW, greeks={"delta": -10.0})
    from_store = stored_mark(stored)
    assert from_store is not None and from_store.side_pnl == pytest.approx({"put": 60.0, "call": 80.0})
    assert stored_mark(replace(stored, legs=(*legs[:3], replace(legs[3], mark=None)))) is None
    assert stored_mark(condor()) is None  # never marked

    older, newer = live(at=NOW - timedelta(minutes=1)), live(at=NOW + timedelta(minutes=1))
    assert current_mark(stored, older) == from_store
    assert current_mark(stored, newer) is newer
    assert current_mark(condor(), older) is older


# ------------------------------------------------------------------ the view


def test_the_view_in_units_an_options_trader_reads() -> None:
    v = position_view(condor(), facts(), live(), NOW)
    assert v.entry_credit == pytest.approx(150.0)  # 1.50 credit × 100
    assert v.mark == pytest.approx(80.0)  # cost to close one condor
    assert (v.entry_credit - v.mark) * v.quantity == pytest.approx(v.unrealized_pnl)  # type: ignore[operator]
    assert v.unrealized_pnl == pytest.approx(140.0)
    assert v.pnl_by_side == pytest.approx({"put": 60.0, "call": 80.0})
    g = v.greeks  # the legs' gammas, vegas and thetas are equal and net to nothing
    assert (g.delta, g.gamma, g.vega, g.theta) == pytest.approx((-10.0, 0.0, 0.0, 0.0))
    assert (v.expiry, v.dte) == (EXPIRY, 38)
    assert [leg.mark for leg in v.legs] == [2.40, 1.90, 1.20, 0.90]
    assert (v.state, v.venue_mode, v.max_loss, v.layer) == (BotState.MONITORING, "paper", 700.0, "L2_credit_spreads")


def test_a_debit_position_shows_a_negative_entry_credit_and_its_value_as_a_negative_cost() -> None:
    long_put = condor(legs=(Position(LP, 1, 2.20),), quantity=1.0, entry_price=2.20)
    q = quotes(MARKS)
    mark = mark_position(long_put, q, q.marks(), NOW)
    v = position_view(long_put, facts(m=Management()), mark, NOW)
    assert v.entry_credit == pytest.approx(-220.0)
    assert v.mark == pytest.approx(-190.0)  # closing sells it for 1.90
    assert v.unrealized_pnl == pytest.approx(-30.0) and v.pnl_by_side == pytest.approx({"put": -30.0})


def test_dte_counts_exchange_days_and_ignores_closed_legs() -> None:
    late = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)  # 23:30 on the 10th in New York
    assert position_view(condor(), facts(), None, late).dte == 38
    assert position_view(condor(), facts(), None, late + timedelta(hours=1)).dte == 37
    near = option_instrument("SPY", date(2025, 3, 21), Right.PUT, 550, ExerciseStyle.AMERICAN)
    p = condor(legs=(*condor().legs, Position(near, 0, 1.0)))
    assert expiry_of(p) == EXPIRY  # the closed weekly leg does not set the expiry
    assert expiry_of(condor(legs=(Position(near, -1, 1.0), *condor().legs))) == date(2025, 3, 21)


def test_an_unmarked_position_shows_its_stored_figures_and_says_why_there_is_no_verdict() -> None:
    v = position_view(condor(unrealized_pnl=12.0, greeks={"delta": 3.0}), facts(), None, NOW)
    assert v.mark is None and v.unrealized_pnl == 12.0 and v.pnl_by_side == {}
    assert v.greeks.delta == 3.0
    assert v.management == "unmarked: no usable quote yet"


# ------------------------------------------------------------------ management


def test_holding_shows_the_distance_to_the_profit_target_and_the_dte_exit() -> None:
    # 140 of the 150 target (50 % of 300), DTE 38 − 21 = 17 days to the exit
    assert management_line(condor(), RULES, live(), NOW, None, BotState.MONITORING) == \
        "hold · 93% of target · DTE exit in 17d"


def test_a_loss_shows_the_share_of_the_stop_used() -> None:
    losing = live({**MARKS, SP.symbol: 5.00, LP.symbol: 3.50})  # puts −400 + 260, calls +80: −60
    assert losing.unrealized == pytest.approx(-60.0)
    assert management_line(condor(), RULES, losing, NOW, None, BotState.MONITORING) == \
        "hold · 0% of target · 10% of stop · DTE exit in 17d"  # 60 of the 600 stop (200 % of 300)


def test_a_due_action_names_itself_and_its_reason() -> None:
    # realized 20 + unrealized 140 = 160 ≥ 150
    assert management_line(condor(realized_pnl=20.0), RULES, live(), NOW, None, BotState.MONITORING) == \
        "close due · profit target 50 %"
    tested = Management(breach_action=ExitRule(trigger="short_strike_tested", action="close_tested_side"))
    assert management_line(condor(), tested, live(spot=558.0), NOW, None, BotState.MONITORING) == \
        "close side due · short put 560 tested: underlying 558"
    assert management_line(condor(), tested, live(spot=580.0), NOW, None, BotState.MONITORING) == "hold"


def test_a_closing_bot_says_so_whatever_the_rules() -> None:
    v = position_view(condor(realized_pnl=20.0), facts(state=BotState.CLOSING), live(), NOW)
    assert v.management == "closing · exit order working" and v.state is BotState.CLOSING


def test_the_expiry_day_exit_time_fires_at_its_minute_in_exchange_time() -> None:
    expiry_day = datetime(2025, 4, 17, 19, 44, tzinfo=UTC)  # 15:44 EDT
    m = Management(time_exit=time(15, 45))
    mark = live(at=expiry_day)
    assert management_line(condor(), m, mark, expiry_day, None, BotState.MONITORING) == "hold"
    assert management_line(condor(), m, mark, expiry_day + timedelta(minutes=1), None, BotState.MONITORING) == \
        "close due · expiry-day exit time"


def test_a_view_depends_on_the_minute_unless_the_exit_time_is_set_to_the_second() -> None:
    at = datetime(2025, 4, 17, 19, 44, 31, 250, tzinfo=UTC)
    assert view_moment(at, RULES) == datetime(2025, 4, 17, 19, 44, tzinfo=UTC)
    assert view_moment(at, Management(time_exit=time(15, 45))) == datetime(2025, 4, 17, 19, 44, tzinfo=UTC)
    assert view_moment(at, Management(time_exit=time(15, 44, 30))) == at


# ------------------------------------------------------------------ trading states and status bar


def _book(scopes: dict[str, ScopeState]) -> TradingStateBook:
    return TradingStateBook(MappingProxyType(scopes))


def test_trading_states_split_into_global_layers_and_bots_with_the_global_reasons() -> None:
    trips = (Trip("global", TradingState.REDUCING, "DAILY_LOSS", "daily loss 2.3 %", NOW),
             Trip("global", TradingState.REDUCING, "VAR", "VaR 3.1 % over 3 %", NOW))
    book = _book({"global": ScopeState(TradingState.REDUCING, trips=trips, since=NOW),
                  "layer:ZERO_DTE": ScopeState(TradingState.HALTED, since=NOW),
                  "bot:spy-ic-01": ScopeState(TradingState.REDUCING, since=NOW)})

    v = trading_view(book, None, NY)

    assert v.global_state is TradingState.REDUCING and v.since == NOW
    assert v.layers == {"ZERO_DTE": TradingState.HALTED} and v.bots == {"spy-ic-01": TradingState.REDUCING}
    assert v.reason == "daily loss 2.3 %; VaR 3.1 % over 3 %"
    assert v.kill_banner is None
    assert v.effective("ZERO_DTE", "other") is TradingState.HALTED
    assert v.effective("L1_wheel", "spy-ic-01") is TradingState.REDUCING


def test_an_active_global_state_has_no_since() -> None:
    v = trading_view(_book({"global": ScopeState(since=NOW)}), None, NY)
    assert (v.global_state, v.since, v.reason, v.layers, v.bots) == (TradingState.ACTIVE, None, "", {}, {})


def test_the_status_bar_masks_the_store_password_and_labels_the_venue() -> None:
    trading = trading_view(_book({"global": ScopeState()}), None, NY)
    jobs = (JobView("scan", "scan the universe", NOW + timedelta(minutes=5)),)
    st = status_view(VenueStatus("simulation", "simulation", True, "simulated market"),
                     "postgresql+asyncpg://dorado:s3cret@127.0.0.1:5432/test", SchedulerRole.OWNER, jobs,
                     "America/New_York", trading, NOW, "ignored while connected")
    assert st.store_url == "postgresql+asyncpg://dorado:***@127.0.0.1:5432/test"
    assert (st.venue, st.venue_mode, st.connected, st.venue_detail) == ("SIM", "simulation", True, "simulated market")
    assert (st.scheduler_role, st.next_jobs, st.exchange_tz) == (SchedulerRole.OWNER, jobs, "America/New_York")
    assert venue_label(VenueStatus("ibkr", "paper", False)) == "IBKR"
    assert venue_label(VenueStatus("oanda", "paper", False)) == "OANDA"
