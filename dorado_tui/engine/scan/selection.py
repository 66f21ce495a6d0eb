"""Merge, rank and portfolio-aware selection (PRD §3.2 "Portfolio-Aware Selection Loop").

Candidates of every underlying are merged and ranked by score. In rank order each one is checked
with the radar's trade-level strategy and capital checks, then added to a simulated portfolio
(`PortfolioState.simulate_add`) and held against every portfolio limit (`check_portfolio`). A
pass is SELECTED and becomes part of the running state, so the ranking decides the allocation; a
failure runs as a paper twin (PAPER) with the first failing verdict as its reason. One position
per bot: a bot's lower-ranked alternatives to its selected candidate are paper twins. Paper
twins are capped (PRD §3.3: 30 concurrent); beyond the cap the lowest scores are DROPPED.

Order-time checks (quote age, duplicates, price collar, contracts per day, session open, venue
connection) are not run here: the lifecycle runs the full trade check with fresh quotes when the
operator approves. Every verdict is the risk radar's as it gave it: the scan never turns a denial
into a pass (a bot without a strategy layer is refused by the radar when the policy defines
layers, and `dorado config check` reports it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.risk import checks_market as m
from dorado_tui.risk import checks_strategy as s
from dorado_tui.risk.context import TradeContext
from dorado_tui.risk.layers import committed_capital
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.portfolio import PortfolioState
from dorado_tui.risk.portfolio_checks import check_portfolio

#: The trade-level checks that judge the trade itself (the rest run at approval).
SCAN_TRADE_CHECKS = (
    m.check_trading_state, m.check_restricted_symbols, s.check_layer, m.check_regime,
    m.check_data_quality, m.check_spread_quality, s.check_dte, s.check_delta, s.check_width,
    s.check_stop_distance, s.check_max_loss, s.check_naked_shorts, s.check_buying_power,
    s.check_sizing, m.check_size_per_order,
)


@dataclass
class Running:
    """What selection has committed so far (fed back into the next candidate's context)."""

    state: PortfolioState
    buying_power_used: float = 0.0
    selected_bots: dict[str, int] = field(default_factory=dict)


ContextFor = Callable[[Candidate, Running], TradeContext]


def rank(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Ranked by score (then data quality, then id for a stable order); dropped ones last, unranked."""
    live = sorted((c for c in candidates if c.status is not CandidateStatus.DROPPED),
                  key=lambda c: (-round(c.score, 9), -round(c.data_quality, 9), c.id))
    dropped = [c for c in candidates if c.status is CandidateStatus.DROPPED]
    return [replace(c, rank=i + 1) for i, c in enumerate(live)] + dropped


def trade_verdict(c: Candidate, ctx: TradeContext, policy: RiskPolicy) -> tuple[Decision, ...]:
    return tuple(check(c, ctx, policy) for check in SCAN_TRADE_CHECKS)


def portfolio_verdict(c: Candidate, state: PortfolioState, policy: RiskPolicy) -> tuple[PortfolioState, tuple[Decision, ...]]:
    """The portfolio with `c` added (committing the capital its layer measures) and every limit."""
    simulated = state.simulate_add(c, capital=committed_capital(c, policy))
    return simulated, check_portfolio(simulated, policy).decisions


def _decide(c: Candidate, run: Running, ctx_for: ContextFor, policy: RiskPolicy, trade_policy: RiskPolicy) -> Candidate:
    if c.bot_id in run.selected_bots:
        why = f"alternative to #{run.selected_bots[c.bot_id]}, selected for the same bot (one position per bot)"
        return _paper(c, why, ())
    trade = trade_verdict(c, ctx_for(c, run), trade_policy)
    failed = [d for d in trade if not d.passed]
    if failed:
        return _paper(c, failed[0].reason, tuple(failed))
    simulated, checks = portfolio_verdict(c, run.state, policy)
    failed = [d for d in checks if not d.passed]
    if failed:
        return _paper(c, failed[0].reason, tuple(failed))
    run.state = simulated
    run.buying_power_used += committed_capital(c, policy)
    run.selected_bots[c.bot_id] = c.rank
    summary = Decision("selection", True, "SELECTED",
                       f"passed {len(trade)} trade and {len(checks)} portfolio checks at rank {c.rank}")
    notes = tuple(d for d in (*trade, *checks) if d.code not in ("OK",) and d.passed)
    return replace(c, status=CandidateStatus.SELECTED, status_reason="awaiting approval",
                   gates=(*c.gates, *notes, summary))


def _paper(c: Candidate, reason: str, failed: tuple[Decision, ...]) -> Candidate:
    summary = Decision("selection", False, "PAPER", f"paper twin: {reason}")
    return replace(c, status=CandidateStatus.PAPER, status_reason=reason, gates=(*c.gates, *failed, summary))


def select(ranked: Sequence[Candidate], run: Running, ctx_for: ContextFor, policy: RiskPolicy,
           paper_slots: int, auto_execute: Callable[[Candidate], bool] = lambda c: False,
           policy_for: Callable[[Candidate], RiskPolicy] | None = None) -> list[Candidate]:
    """Statuses for every ranked candidate (see the module docstring); `run` ends as the new state.
    `policy_for` gives the policy a candidate's trade checks see (its bot's sizing)."""
    out = []
    for c in ranked:
        if c.status is CandidateStatus.DROPPED:
            out.append(c)
            continue
        trade_policy = policy_for(c) if policy_for is not None else policy
        decided = _decide(c, run, ctx_for, policy, trade_policy)
        if decided.status is CandidateStatus.SELECTED and auto_execute(decided):
            decided = replace(decided, status_reason="auto-execute")
        out.append(decided)
    return cap_paper(out, paper_slots)


def cap_paper(candidates: list[Candidate], slots: int) -> list[Candidate]:
    """Keep the best-scored paper twins within `slots`; drop the rest, lowest score first."""
    paper = sorted((c for c in candidates if c.status is CandidateStatus.PAPER), key=lambda c: (-c.score, c.id))
    keep = {c.id for c in paper[:max(slots, 0)]}
    out = []
    for c in candidates:
        if c.status is CandidateStatus.PAPER and c.id not in keep:
            why = f"paper cap reached ({max(slots, 0)} free paper slots): lowest-scored twins are dropped"
            c = replace(c, status=CandidateStatus.DROPPED, status_reason=f"{why}; was: {c.status_reason}",
                        gates=(*c.gates, Decision("selection.paper_cap", False, "PAPER_CAP", why, c.score, None)))
        out.append(c)
    return out
