"""Portfolio-aware selection (PRD §3.2): add candidates in rank order while every limit holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.decisions import Verdict
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.portfolio import PortfolioState
from dorado_tui.risk.portfolio_checks import check_portfolio


@dataclass(frozen=True, slots=True)
class Selection:
    """Selected candidates, the rest with the verdict that kept each out, and the final state."""

    selected: tuple[Candidate, ...]
    rejected: tuple[tuple[Candidate, Verdict], ...]
    state: PortfolioState


def select_candidates(ranked: Iterable[Candidate], state: PortfolioState, policy: RiskPolicy) -> Selection:
    """Walk `ranked` (best first): a candidate is selected when the portfolio with it added passes
    every portfolio check, and the next one is then checked against that portfolio. Order
    matters: higher-ranked candidates get the capital first."""
    selected: list[Candidate] = []
    rejected: list[tuple[Candidate, Verdict]] = []
    for candidate in ranked:
        trial = state.simulate_add(candidate)
        verdict = check_portfolio(trial, policy)
        if verdict.passed:
            selected.append(candidate)
            state = trial
        else:
            rejected.append((candidate, verdict))
    return Selection(tuple(selected), tuple(rejected), state)
