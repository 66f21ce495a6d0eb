"""Bot state machine (PRD §3.1, exactly) and the trading states held by the risk radar."""

from __future__ import annotations

from enum import StrEnum

from dorado_tui.domain.errors import IllegalTransition


class BotState(StrEnum):
    IDLE = "IDLE"
    SIGNAL_RECEIVED = "SIGNAL_RECEIVED"
    RISK_CHECK = "RISK_CHECK"
    REJECTED = "REJECTED"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    CANCELLED = "CANCELLED"
    EXECUTING = "EXECUTING"
    FAILED = "FAILED"
    MONITORING = "MONITORING"
    CLOSING = "CLOSING"


#: Every legal transition and the event that causes it (the PRD state diagram).
TRANSITIONS: dict[tuple[BotState, BotState], str] = {
    (BotState.IDLE, BotState.SIGNAL_RECEIVED): "signal ingested",
    (BotState.SIGNAL_RECEIVED, BotState.RISK_CHECK): "validate signal",
    (BotState.RISK_CHECK, BotState.REJECTED): "risk check fails",
    (BotState.RISK_CHECK, BotState.AWAITING_APPROVAL): "risk check passes",
    (BotState.REJECTED, BotState.IDLE): "log & notify",
    (BotState.AWAITING_APPROVAL, BotState.EXECUTING): "human approves",
    (BotState.AWAITING_APPROVAL, BotState.CANCELLED): "human rejects / timeout",
    (BotState.CANCELLED, BotState.IDLE): "log & notify",
    (BotState.EXECUTING, BotState.MONITORING): "order filled",
    (BotState.EXECUTING, BotState.FAILED): "order rejected / partial fill",
    (BotState.FAILED, BotState.IDLE): "log, alert, cleanup",
    (BotState.MONITORING, BotState.SIGNAL_RECEIVED): "adjustment signal",
    (BotState.MONITORING, BotState.CLOSING): "exit signal / expiration / management trigger",
    (BotState.CLOSING, BotState.IDLE): "position closed",
}


def allowed_targets(state: BotState) -> tuple[BotState, ...]:
    """States reachable in one step from `state`."""
    return tuple(dst for (src, dst) in TRANSITIONS if src is state)


def check_transition(src: BotState, dst: BotState) -> str:
    """Return the event name of a legal transition; raise IllegalTransition otherwise."""
    event = TRANSITIONS.get((src, dst))
    if event is None:
        allowed = ", ".join(s.value for s in allowed_targets(src)) or "none"
        raise IllegalTransition(f"illegal transition {src.value} -> {dst.value} (allowed from {src.value}: {allowed})")
    return event


class TradingState(StrEnum):
    """ACTIVE: all orders; REDUCING: only orders that reduce |position|; HALTED: cancels only."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"

    @property
    def severity(self) -> int:
        return {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}[self]

    @staticmethod
    def worst(*states: TradingState) -> TradingState:
        """The most restrictive of several states (global, layer and bot combine this way)."""
        return max(states, key=lambda s: s.severity, default=TradingState.ACTIVE)
