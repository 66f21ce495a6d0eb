"""The pure comparison: venue snapshot + store snapshot → findings, verdict, what to ingest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dorado_tui.domain.account import Position
from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Action, Fill, OrderResult, OrderStatus
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.reconcile.compare import VENUE_EVENT_ORDER_IDS, reconcile
from dorado_tui.engine.reconcile.model import IntentFacts, Kind, StoreView, VenueView

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
SPY = Instrument("SPY", SecType.STOCK, "SPY")


def _fill(exec_id: str, cid: str, qty: float, action: Action = Action.BUY, symbol: str = "SPY",
          venue_order_id: str = "V1", leg: int = 0) -> Fill:
    return Fill(exec_id, cid, venue_order_id, symbol, action, qty, 500.0, 1, NOW - timedelta(minutes=5), 0.0, leg)


def _result(cid: str, status: OrderStatus, filled: float, fills: tuple[Fill, ...] = ()) -> OrderResult:
    return OrderResult(cid, "V-" + cid, status, filled, 500.0 if filled else None, fills)


def _intent(cid: str, status: str = "resolved", qty: float = 10.0, ratio: int = 1) -> IntentFacts:
    return IntentFacts(cid, status, "spy-bot", qty, ratio, ("SPY",))


def _venue(orders: dict[str, OrderResult] | None = None, executions: tuple[Fill, ...] = (),
           positions: dict[str, float] | None = None) -> VenueView:
    pos = {s: Position(SPY if s == "SPY" else Instrument(s, SecType.STOCK, s), q, 500.0)
           for s, q in (positions or {}).items()}
    return VenueView("simulation", "SIM", "schedule", NOW, orders or {}, executions, pos)


def _store(intents: dict[str, IntentFacts] | None = None, orders: dict[str, OrderResult] | None = None,
           fill_ids: set[str] | None = None, units: dict[str, float] | None = None,
           positions: dict[str, float] | None = None) -> StoreView:
    return StoreView(intents or {}, orders or {}, frozenset(fill_ids or ()), units or {}, positions or {},
                     {s: ("pos-1",) for s in (positions or {})})


def test_agreeing_sides_give_an_active_verdict_and_nothing_to_ingest() -> None:
    fill = _fill("E1", "dor-1", 10)
    venue = _venue({"dor-1": _result("dor-1", OrderStatus.FILLED, 10, (fill,))}, (fill,), {"SPY": 10})
    store = _store({"dor-1": _intent("dor-1")}, {"dor-1": _result("dor-1", OrderStatus.FILLED, 10)},
                   {"E1"}, {"dor-1": 10.0}, {"SPY": 10})

    result = reconcile(venue, store)

    assert result.verdict is TradingState.ACTIVE
    assert result.findings == ()
    assert result.fills_to_ingest == () and result.orders_to_record == ()
    assert "venue and store agree" in result.headline()


def test_working_order_dorado_never_intended_halts_with_its_id_in_the_diff() -> None:
    venue = _venue({"MANUAL-7": _result("MANUAL-7", OrderStatus.SUBMITTED, 0)})

    result = reconcile(venue, _store())

    assert result.verdict is TradingState.HALTED
    [finding] = result.findings
    assert finding.kind is Kind.UNKNOWN_ORDER
    assert finding.text == ("order MANUAL-7 (venue id V-MANUAL-7) at the venue was not placed by Dorado: "
                            "submitted, filled 0")
    assert result.orders_to_record[0].client_order_id == "MANUAL-7"


def test_inactive_unknown_order_without_fills_is_only_a_note() -> None:
    venue = _venue({"OLD-1": _result("OLD-1", OrderStatus.CANCELLED, 0)})

    result = reconcile(venue, _store())

    assert result.verdict is TradingState.ACTIVE
    assert result.findings[0].text.endswith("inactive, nothing to do")
    assert result.orders_to_record == ()


def test_missing_fill_of_a_dorado_order_is_ingested_without_changing_the_state() -> None:
    f1, f2 = _fill("E1", "dor-1", 6), _fill("E2", "dor-1", 4)
    venue = _venue({"dor-1": _result("dor-1", OrderStatus.FILLED, 10, (f1, f2))}, (f1, f2), {"SPY": 10})
    store = _store({"dor-1": _intent("dor-1")}, {"dor-1": _result("dor-1", OrderStatus.PARTIALLY_FILLED, 6)},
                   {"E1"}, {"dor-1": 6.0}, {"SPY": 10})

    result = reconcile(venue, store)

    assert result.verdict is TradingState.ACTIVE
    assert [f.exec_id for f in result.fills_to_ingest] == ["E2"]
    assert [o.status for o in result.orders_to_record] == [OrderStatus.FILLED]
    kinds = {f.kind for f in result.findings}
    assert kinds == {Kind.MISSING_FILL, Kind.ORDER_UPDATE}
    assert all(f.ingested for f in result.findings)


def test_execution_of_an_order_dorado_did_not_place_halts() -> None:
    stray = _fill("X9", "TWS-MANUAL", 100)
    venue = _venue({}, (stray,), {"SPY": 100})

    result = reconcile(venue, _store())

    assert result.verdict is TradingState.HALTED
    kinds = [f.kind for f in result.blocking]
    assert Kind.UNKNOWN_EXECUTION in kinds and Kind.POSITION_MISMATCH in kinds
    assert result.fills_to_ingest == ()  # never ingest what no intent explains


def test_venue_bookings_are_left_to_the_lifecycle_and_explain_the_position_difference() -> None:
    marker = next(iter(VENUE_EVENT_ORDER_IDS))
    expiry = _fill("E5", "expire:SPY250117P00450000:2025-01-17", 1, Action.BUY, "SPY 250117P00450000", marker)
    venue = _venue({}, (expiry,), {})
    store = _store(positions={"SPY 250117P00450000": -1})

    result = reconcile(venue, store)

    assert result.fills_to_ingest == ()
    mismatch = next(f for f in result.findings if f.kind is Kind.POSITION_MISMATCH)
    assert mismatch.effect is TradingState.REDUCING
    assert mismatch.text.endswith("explained by the venue's bookings the lifecycle has not processed yet: E5")


def test_position_difference_explained_by_unknown_executions_says_so() -> None:
    stray = _fill("X1", "TWS-1", 100)

    result = reconcile(_venue({}, (stray,), {"SPY": 100}), _store())

    mismatch = next(f for f in result.findings if f.kind is Kind.POSITION_MISMATCH)
    assert mismatch.text == ("position SPY: venue +100, store 0 (no managed position) — explained by "
                             "executions of orders Dorado did not place: X1")


def test_position_mismatch_reduces_and_names_the_managed_positions() -> None:
    result = reconcile(_venue(positions={"SPY": 200}), _store(positions={"SPY": 100}))

    assert result.verdict is TradingState.REDUCING
    assert result.diff_lines() == ["✗ REDUCING position SPY: venue +200, store +100 (pos-1)"]


def test_stored_working_order_the_venue_never_saw_reduces() -> None:
    store = _store({"dor-2": _intent("dor-2", "submitted")}, {"dor-2": _result("dor-2", OrderStatus.SUBMITTED, 0)})

    result = reconcile(_venue(), store)

    assert result.verdict is TradingState.REDUCING
    assert [f.kind for f in result.findings] == [Kind.ORDER_NOT_AT_VENUE]  # not flagged twice


def test_submitted_intent_unknown_to_the_venue_reduces_but_a_recorded_one_is_a_note() -> None:
    store = _store({"dor-3": _intent("dor-3", "submitted"), "dor-4": _intent("dor-4", "recorded")})

    result = reconcile(_venue(), store)

    by_id = {f.subject: f for f in result.findings}
    assert by_id["dor-3"].kind is Kind.UNRESOLVED_INTENT and by_id["dor-3"].effect is TradingState.REDUCING
    assert by_id["dor-4"].kind is Kind.UNSENT_INTENT and by_id["dor-4"].effect is TradingState.ACTIVE


def test_filled_quantity_the_stored_fills_cannot_explain_reduces() -> None:
    # the venue says 2 combo units filled but lists no execution the store lacks
    venue = _venue({"dor-5": _result("dor-5", OrderStatus.FILLED, 2)})
    store = _store({"dor-5": _intent("dor-5", qty=2, ratio=1)}, {"dor-5": _result("dor-5", OrderStatus.FILLED, 2)},
                   {"E1"}, {"dor-5": 1.0})

    result = reconcile(venue, store)

    [finding] = result.findings
    assert finding.kind is Kind.FILLED_QUANTITY
    assert "venue reports 2 filled but the store's fills add up to 1" in finding.text


def test_combo_units_count_the_first_leg_over_its_ratio() -> None:
    legs = (_fill("C1", "dor-6", 4, Action.SELL, "A", leg=0), _fill("C2", "dor-6", 2, Action.BUY, "B", leg=1))
    venue = _venue({"dor-6": _result("dor-6", OrderStatus.FILLED, 2, legs)}, legs)
    store = _store({"dor-6": _intent("dor-6", qty=2, ratio=2)}, {"dor-6": _result("dor-6", OrderStatus.SUBMITTED, 0)})

    result = reconcile(venue, store)

    assert Kind.FILLED_QUANTITY not in {f.kind for f in result.findings}


def test_digest_ignores_order_and_notes_but_follows_the_blocking_findings() -> None:
    a = reconcile(_venue(positions={"SPY": 1, "QQQ": 2}), _store())
    b = reconcile(_venue(positions={"QQQ": 2, "SPY": 1}), _store(intents={"dor-9": _intent("dor-9", "recorded")}))
    c = reconcile(_venue(positions={"SPY": 1}), _store())

    assert a.digest == b.digest
    assert a.digest != c.digest


@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=8),
       st.lists(st.booleans(), min_size=8, max_size=8))
def test_ingesting_what_a_comparison_proposes_leaves_nothing_to_ingest(sizes: list[int], known: list[bool]) -> None:
    fills = tuple(_fill(f"E{i}", "dor-1", q) for i, q in enumerate(sizes))
    total = float(sum(sizes))
    venue = _venue({"dor-1": _result("dor-1", OrderStatus.FILLED, total, fills)}, fills, {"SPY": total})
    have = {f.exec_id for f, k in zip(fills, known, strict=False) if k}
    units = float(sum(f.quantity for f in fills if f.exec_id in have))
    store = _store({"dor-1": _intent("dor-1", qty=total)}, {"dor-1": _result("dor-1", OrderStatus.FILLED, units)},
                   have, {"dor-1": units}, {"SPY": total})

    first = reconcile(venue, store)
    ingested = store.fill_ids | {f.exec_id for f in first.fills_to_ingest}
    after = replace(store, fill_ids=frozenset(ingested),
                    filled_units={"dor-1": units + sum(f.quantity for f in first.fills_to_ingest)},
                    orders={"dor-1": _result("dor-1", OrderStatus.FILLED, total)})
    second = reconcile(venue, after)

    assert first.verdict is TradingState.ACTIVE
    assert second.findings == ()


def test_expiry_marker_matches_the_simulation_venue() -> None:
    from dorado_tui.venues.simulation.lifecycle import LIFECYCLE_ORDER_ID

    assert LIFECYCLE_ORDER_ID in VENUE_EVENT_ORDER_IDS
    assert date(2026, 3, 10) == NOW.date()
