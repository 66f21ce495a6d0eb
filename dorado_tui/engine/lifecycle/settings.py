"""Knobs of the lifecycle: how orders are walked, how long things may take, how twins trade.

Frozen values with defaults that suit an options desk; the lead can expose them in dorado.yaml
later without touching the services (they take a `LifecycleSettings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExecutionSettings:
    """The limit-order walk: start at mid, step toward the natural price, give up at the cap.

    `walk_steps` prices are used: step 1 at mid (or at natural when `start_at_natural`), the last
    at mid + `max_slippage_frac` × (natural − mid), never beyond the risk policy's price collar.
    Each step works for `step_seconds`; an order still PENDING_SUBMIT after `stuck_seconds` is
    looked up at the venue. A rejected order is replaced (fresh quotes) at most once.
    """

    walk_steps: int = 4
    step_seconds: float = 30.0
    max_slippage_frac: float = 1.0
    start_at_natural: bool = False
    stuck_seconds: float = 60.0
    cancel_confirm_seconds: float = 30.0
    poll_seconds: float = 1.0
    #: Recovery resubmits an intent the venue never received only while it is this fresh.
    resubmit_window_seconds: float = 600.0
    lease_ttl_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.walk_steps < 1:
            raise ValueError(f"walk_steps must be at least 1, got {self.walk_steps}")
        if not 0.0 <= self.max_slippage_frac <= 1.0:
            raise ValueError(f"max_slippage_frac must lie in [0, 1], got {self.max_slippage_frac}")
        if self.step_seconds <= 0 or self.poll_seconds <= 0 or self.stuck_seconds <= 0:
            raise ValueError("step, poll and stuck times must be positive")


#: Paper twins trade on a simulated account where precision matters less than speed (PRD §3.3):
#: one marketable limit at the natural price.
TWIN_EXECUTION = ExecutionSettings(walk_steps=1, start_at_natural=True, step_seconds=5.0, poll_seconds=1.0)

#: Checks the monitor can run; the scheduler picks subsets per cadence (PRD §3.1 table).
CHECK_PNL = "pnl"  # profit target, stop loss, trailing stop (live 15 min, paper 60 min)
CHECK_BREACH = "breach"  # short strike tested (15 min)
CHECK_DTE = "dte"  # DTE exit, time exit, rolls (daily)
CHECK_VOL = "vol"  # IV-rank spike, vol z-score, Hurst (2–3× a day)
CHECK_BREAKERS = "breakers"  # circuit breakers on the live account's NAV (15 min)
ALL_CHECKS: frozenset[str] = frozenset({CHECK_PNL, CHECK_BREACH, CHECK_DTE, CHECK_VOL, CHECK_BREAKERS})


@dataclass(frozen=True)
class LifecycleSettings:
    """Everything the lifecycle services are tuned by."""

    execution: ExecutionSettings = field(default_factory=ExecutionSettings)
    twin_execution: ExecutionSettings = TWIN_EXECUTION
    #: PRD §3.3: at most this many paper twins open at once; the lowest scores are dropped.
    paper_cap: int = 30
    #: Approval timeout when a bot has none (bots carry `timeout_hours`, default 4 h).
    approval_timeout_hours: float = 4.0
    #: Executions are fetched from the venue this far before the oldest open position.
    fill_lookback_days: int = 3
