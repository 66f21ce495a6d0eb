"""The console boundary's pure helpers: URL masking, strikes text, view construction, validation."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from dorado_tui.domain.annotations import SUGGESTED_TAGS, AnnotationTag, tags_for
from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.instruments import AssetClass
from dorado_tui.domain.regime import RegimeModel, RegimeState
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views import (
    CandidateView,
    ConsoleBackend,
    ConsoleScheduler,
    CorrelationView,
    RegimeView,
    StressGridView,
    snapshot_as_dict,
    strikes_text,
)
from tui import seed
from tui.fakes import RecordingBackend, RecordingScheduler


def _candidate(**changes: object) -> Candidate:
    view = seed.candidates()[0]
    base = Candidate(id="c-9", scan_id="s", bot_id="spy-ic", underlying="SPY", asset_class=AssetClass.EQUITY_OPTIONS,
                     template="iron_condor", strategy_layer="L2", legs=view.legs, expiry=seed.EXPIRY, dte=38,
                     credit=201.0, max_loss=299.0, max_profit=201.0, width=5.0, breakevens=(566.99, 598.01),
                     pop=0.66, rank=1, gates=view.gates, status=CandidateStatus.SELECTED)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_strikes_text_puts_the_short_strike_first_per_side() -> None:
    legs = _candidate().legs
    shuffled = (legs[1], legs[3], legs[0], legs[2])  # longs first
    assert strikes_text(_candidate(legs=shuffled)) == "569/564P 596/601C"


def test_strikes_text_of_an_fx_trade_reads_entry_stop_target() -> None:
    fx = _candidate(legs=(), asset_class=AssetClass.FX, entry=148.5, stop=146.8, target=None, direction="long")
    assert strikes_text(fx) == "Long 148.5 / SL 146.8 / TP —"


def test_candidate_view_carries_the_scan_fields_and_risk_verdicts() -> None:
    risk = seed.candidates()[2].risk_checks
    view = CandidateView.from_candidate(_candidate(), risk_checks=risk)
    assert (view.id, view.rank, view.strikes, view.credit, view.status) == (
        "c-9", 1, "569/564P 596/601C", 201.0, CandidateStatus.SELECTED)
    assert view.gates_passed and not view.risk_passed


def test_regime_view_ages_and_flags_a_stale_state() -> None:
    computed = datetime(2026, 2, 6, 12, tzinfo=UTC)
    state = RegimeState(RegimeModel.MACRO, date(2026, 2, 6), "goldilocks", 0.7, {"goldilocks": 0.7, "risk_off": 0.3},
                        computed, horizon=timedelta(days=3))
    fresh = RegimeView.from_state(state, computed + timedelta(days=2))
    stale = RegimeView.from_state(state, computed + timedelta(days=3, seconds=1))
    assert (fresh.stale, fresh.age) == (False, timedelta(days=2))
    assert stale.stale


def test_stress_grid_and_correlation_refuse_wrong_shapes() -> None:
    with pytest.raises(ValueError, match=r"stress grid must be 2×3 \(vol × spot\)"):
        StressGridView((-0.1, 0.0, 0.1), (0.0, 0.05), ((1.0, 2.0, 3.0),))
    with pytest.raises(ValueError, match="correlation matrix must be 2×2 for 2 labels"):
        CorrelationView(("A", "B"), ((1.0, 0.5),))


def test_effective_trading_state_is_the_most_restrictive() -> None:
    tr = seed.trading()
    assert tr.effective("L3", "spy-ic") is TradingState.HALTED
    assert tr.effective("L2", "spy-ic") is TradingState.ACTIVE
    assert tr.effective("L2", "iwm-0dte") is TradingState.HALTED


def test_snapshot_as_dict_is_json_with_non_finite_numbers_as_null() -> None:
    snap = seed.snapshot()
    snap = replace(snap, risk=replace(snap.risk, heat=math.nan))  # type: ignore[arg-type]
    data = json.loads(json.dumps(snapshot_as_dict(snap), default=str, allow_nan=False))
    assert data["risk"]["heat"] is None
    assert data["status"]["trading"]["layers"]["L3"] == "HALTED"
    assert data["scan"]["candidates"][0]["gates"][0]["check"] == "gate.regime"


def test_tags_for_puts_the_asset_class_suggestions_first_and_offers_all() -> None:
    for asset, suggested in SUGGESTED_TAGS.items():
        tags = tags_for(asset)
        assert tags[:4] == suggested and set(tags) == set(AnnotationTag) and len(tags) == len(AnnotationTag)
    assert AnnotationTag.SR_ALIGNMENT.label == "S/R alignment"


def test_the_test_doubles_satisfy_the_ports() -> None:
    assert isinstance(RecordingBackend(), ConsoleBackend)
    assert isinstance(RecordingScheduler(), ConsoleScheduler)
