"""The bot state machine is exactly the PRD's diagram; illegal moves are errors."""

from __future__ import annotations

import pytest

from dorado_tui.domain.errors import IllegalTransition
from dorado_tui.domain.states import (
    TRANSITIONS,
    BotState,
    TradingState,
    allowed_targets,
    check_transition,
)


def test_prd_transitions_are_all_present_and_nothing_else() -> None:
    expected = {
        ("IDLE", "SIGNAL_RECEIVED"), ("SIGNAL_RECEIVED", "RISK_CHECK"), ("RISK_CHECK", "REJECTED"),
        ("RISK_CHECK", "AWAITING_APPROVAL"), ("REJECTED", "IDLE"), ("AWAITING_APPROVAL", "EXECUTING"),
        ("AWAITING_APPROVAL", "CANCELLED"), ("CANCELLED", "IDLE"), ("EXECUTING", "MONITORING"),
        ("EXECUTING", "FAILED"), ("FAILED", "IDLE"), ("MONITORING", "SIGNAL_RECEIVED"),
        ("MONITORING", "CLOSING"), ("CLOSING", "IDLE"),
    }
    assert {(a.value, b.value) for a, b in TRANSITIONS} == expected


def test_illegal_transition_names_the_allowed_targets() -> None:
    with pytest.raises(IllegalTransition, match=r"IDLE -> EXECUTING \(allowed from IDLE: SIGNAL_RECEIVED\)"):
        check_transition(BotState.IDLE, BotState.EXECUTING)


def test_legal_transition_returns_its_event() -> None:
    assert check_transition(BotState.AWAITING_APPROVAL, BotState.CANCELLED) == "human rejects / timeout"
    assert set(allowed_targets(BotState.MONITORING)) == {BotState.SIGNAL_RECEIVED, BotState.CLOSING}


def test_worst_trading_state_wins() -> None:
    assert TradingState.worst(TradingState.ACTIVE, TradingState.HALTED, TradingState.REDUCING) is TradingState.HALTED
    assert TradingState.worst() is TradingState.ACTIVE
