"""Scoring by the configured weights and exclusions; ranking; portfolio-aware selection that never
accepts a breaching candidate and papers the rest with the reason; the paper cap."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorado_tui.domain.candidates import Candidate, CandidateLeg, CandidateStatus
from dorado_tui.domain.instruments import AssetClass, ExerciseStyle, Right, option_instrument
from dorado_tui.domain.orders import Action
from dorado_tui.engine.scan.scoring import score
from dorado_tui.engine.scan.selection import Running, cap_paper, portfolio_verdict, rank, select
from dorado_tui.risk.clusters import Correlations
from dorado_tui.risk.context import TradeContext
from dorado_tui.risk.policy import UNASSIGNED_LAYER, RiskPolicy
from dorado_tui.risk.portfolio import MarketFacts, PortfolioState
from dorado_tui.risk.sizing import SizingFacts
from dorado_tui.settings.scoring import Scoring
from dorado_tui.settings.templates import StrategyTemplate

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
EXP = date(2026, 4, 17)
SPOTS = {"SPY": 600.0, "QQQ": 500.0, "IWM": 220.0, "TLT": 90.0, "GLD": 300.0}
TPL = StrategyTemplate.model_validate({
    "name": "PCS", "type": "options_income", "underlying_class": "equity_options",
    "structure": [{"role": "short_put", "position": "sell"}, {"role": "long_put", "position": "buy"}],
    "entry": {"short_put": {"method": "delta", "delta_target": [-0.3, -0.2]},
              "long_put": {"method": "fixed_width", "width": 5}, "dte_range": [30, 50]}})


def leg(role: str, underlying: str, strike: float, action: Action, bid: float, ask: float, delta: float | None = -0.2,
        iv: float | None = 0.2) -> CandidateLeg:
    inst = option_instrument(underlying, EXP, Right.PUT, strike, ExerciseStyle.AMERICAN)
    return CandidateLeg(role, inst, action, 1, bid, ask, delta, iv)


def vertical(cid: str, underlying: str = "SPY", width: float = 5.0, credit: float = 1.0, qty: float = 1.0,
             bot: str | None = None, dte: int = 40, dq: float = 1.0, spread: float = 0.05,
             layer: str = "L2_credit_spreads") -> Candidate:
    k = SPOTS[underlying] * 0.95
    legs = (leg("short_put", underlying, k, Action.SELL, credit + 0.5 - 0.02, credit + 0.5 + 0.02),
            leg("long_put", underlying, k - width, Action.BUY, 0.48, 0.52, -0.1))
    return Candidate(id=cid, scan_id="s", bot_id=bot or f"bot-{cid}", underlying=underlying,
                     asset_class=AssetClass.EQUITY_OPTIONS, template="put_credit_spread", strategy_layer=layer,
                     legs=legs, expiry=EXP, dte=dte, credit=credit * 100, max_loss=(width - credit) * 100,
                     max_profit=credit * 100, width=width, breakevens=(k - credit,), pop=0.7, quantity=qty,
                     data_quality=dq, spread_quality=spread, delta=10.0, gamma=-0.5, vega=-5.0, theta=2.0)


SR_TPL = StrategyTemplate.model_validate({**TPL.model_dump(exclude_none=True), "entry": {
    "short_put": {"method": "delta_and_support", "delta_target": [-0.3, -0.2], "support_buffer": "at_or_below"},
    "long_put": {"method": "fixed_width", "width": 5}, "dte_range": [30, 50]}})


def test_score_weighs_each_part_by_the_configured_weights() -> None:
    c = vertical("a", width=5, credit=1.0, dte=35, dq=0.9, spread=0.05)

    s = score(c, SR_TPL, Scoring())

    parts = {"data_quality": 0.9, "credit_to_width": 3 * 0.2, "sr_alignment": 0.0,
             "dte_preference": 1 - abs(35 - 40) / 10, "spread_tightness": 1 - 0.05 / 0.2}
    assert s.score_parts == pytest.approx(parts)
    assert s.score == pytest.approx(0.30 * 0.9 + 0.25 * 0.6 + 0.2 * 0.0 + 0.15 * 0.5 + 0.10 * 0.75)
    assert s.confidence == "MED"
    assert s.status is CandidateStatus.PROPOSED


def test_sr_alignment_scores_short_legs_at_a_level_and_is_neutral_without_an_sr_rule() -> None:
    c = vertical("a")
    at_support = replace(c, flags=(f"sr_aligned: short_put@{c.legs[0].instrument.strike:g}",))

    assert score(at_support, SR_TPL, Scoring()).score_parts["sr_alignment"] == 1.0
    assert score(c, TPL, Scoring()).score_parts["sr_alignment"] == 0.5  # delta-only template
    assert score(replace(c, flags=("no_levels",)), SR_TPL, Scoring()).score_parts["sr_alignment"] == 0.5


def test_a_leg_wider_than_the_exclusion_threshold_drops_the_candidate() -> None:
    c = vertical("a")
    wide = replace(c, legs=(c.legs[0], replace(c.legs[1], bid=0.30, ask=0.70)))

    s = score(wide, TPL, Scoring())

    assert s.status is CandidateStatus.DROPPED
    assert s.status_reason == "excluded by scoring: long_put spread 80% of mid (limit 20%)"


def test_a_leg_missing_greeks_drops_the_candidate_when_configured() -> None:
    c = vertical("a")
    bare = replace(c, legs=(replace(c.legs[0], delta=None), c.legs[1]))

    assert score(bare, TPL, Scoring()).status_reason == "excluded by scoring: missing Greeks on short_put"


def test_rank_orders_by_score_and_leaves_dropped_unranked() -> None:
    cands = [replace(vertical(i), score=s) for i, s in (("a", 0.5), ("b", 0.9), ("c", 0.7))]
    cands.append(replace(vertical("d"), score=0.99, status=CandidateStatus.DROPPED))

    ranked = rank(cands)

    assert [(c.id, c.rank) for c in ranked] == [("b", 1), ("c", 2), ("a", 3), ("d", 0)]


def state(nav: float = 100_000.0) -> PortfolioState:
    names = tuple(SPOTS)
    corr = np.full((5, 5), 0.3)
    np.fill_diagonal(corr, 1.0)
    market = MarketFacts(SPOTS, dict.fromkeys(names, 0.2), dict.fromkeys(names, 1.0), Correlations(names, corr))
    return PortfolioState.build(nav, nav, [], market, layers=RiskPolicy().layers)


def ctx_for(policy: RiskPolicy):  # type: ignore[no-untyped-def]
    def make(c: Candidate, run: Running) -> TradeContext:
        return TradeContext(now=NOW, nav=run.state.nav, buying_power=run.state.nav - run.buying_power_used,
                            market_open=True, venue_connected=True, quote_time=NOW,
                            underlying_price=SPOTS[c.underlying], sizing=SizingFacts(nav=run.state.nav))
    return make


def test_candidate_breaching_the_heat_limit_runs_as_a_paper_twin_with_the_reason() -> None:
    policy = RiskPolicy.model_validate({"portfolio": {"max_heat_pct": 0.7}})
    cands = rank([replace(vertical("a", "SPY"), score=0.9), replace(vertical("b", "QQQ"), score=0.8)])

    out = select(cands, Running(state()), ctx_for(policy), policy, paper_slots=30)

    assert [c.status for c in out] == [CandidateStatus.SELECTED, CandidateStatus.PAPER]
    assert out[1].status_reason == "portfolio heat 0.80 % exceeds the limit 0.7 %"
    assert out[1].gates[-1].code == "PAPER"
    assert any(d.code == "HEAT_LIMIT" and not d.passed for d in out[1].gates)


def test_one_position_per_bot_papers_its_alternatives() -> None:
    policy = RiskPolicy()
    cands = rank([replace(vertical("a", bot="spy-1"), score=0.9), replace(vertical("b", bot="spy-1"), score=0.8)])

    out = select(cands, Running(state()), ctx_for(policy), policy, paper_slots=30)

    assert out[0].status is CandidateStatus.SELECTED
    assert (out[1].status, out[1].status_reason) == (
        CandidateStatus.PAPER, "alternative to #1, selected for the same bot (one position per bot)")


def test_the_radars_denial_of_an_unlayered_bot_stands_and_it_runs_as_a_paper_twin() -> None:
    policy = RiskPolicy()
    c = rank([replace(vertical("fx", layer=UNASSIGNED_LAYER, bot="fx-1"), score=0.9)])

    (out,) = select(c, Running(state()), ctx_for(policy), policy, paper_slots=30)

    assert out.status is CandidateStatus.PAPER
    assert out.status_reason == ("bot fx-1 names no strategy layer; the risk policy defines L1_wheel, "
                                 "L2_credit_spreads, ZERO_DTE, L3_fx, L4_crypto and every trade must belong to one")
    layer = next(d for d in out.gates if d.check == "trade.layer")
    assert (layer.passed, layer.code) == (False, "LAYER_MISSING")


def cash_secured_put(cid: str, underlying: str, strike: float, credit: float) -> Candidate:
    """A 40-DTE short put in the wheel layer: max loss strike × 100 − credit."""
    short = leg("short_put", underlying, strike, Action.SELL, credit / 100 - 0.02, credit / 100 + 0.02, delta=-0.25)
    return Candidate(id=cid, scan_id="s", bot_id=f"{underlying.lower()}-wheel", underlying=underlying,
                     asset_class=AssetClass.EQUITY_OPTIONS, template="short_put", strategy_layer="L1_wheel",
                     legs=(short,), expiry=EXP, dte=40, credit=credit, max_loss=strike * 100 - credit,
                     max_profit=credit, width=None, breakevens=(strike - credit / 100,), pop=0.75, quantity=1.0,
                     data_quality=1.0, spread_quality=0.05, delta=25.0, gamma=-1.0, vega=-10.0, theta=3.0)


def test_a_cash_secured_put_is_selected_in_the_wheel_layer_and_the_next_one_papered_by_its_budget() -> None:
    policy = RiskPolicy()
    tlt = replace(cash_secured_put("tlt", "TLT", 86.0, 74.0), score=0.9)  # commits 8,526 of the 15 % budget
    gld = replace(cash_secured_put("gld", "GLD", 285.0, 95.0), score=0.8)  # 28,405: more than 12 % per trade
    spy = replace(cash_secured_put("spy", "SPY", 70.0, 60.0), score=0.7)   # 6,940: 8,526 + 6,940 > 15 %

    out = select(rank([tlt, gld, spy]), Running(state()), ctx_for(policy), policy, paper_slots=30)

    assert [c.status for c in out] == [CandidateStatus.SELECTED, CandidateStatus.PAPER, CandidateStatus.PAPER]
    assert out[1].status_reason == ("max loss 28,405.00 exceeds the per-trade cap 12,000.00 "
                                    "(layer L1_wheel max_loss_per_trade_pct 12 % of NAV)")
    assert out[2].status_reason == "layer L1_wheel capital 15.47 % exceeds the limit 15 %"


def test_paper_cap_keeps_the_best_scored_twins_and_drops_the_rest() -> None:
    cands = [replace(vertical(str(i)), score=s, status=CandidateStatus.PAPER, status_reason="heat")
             for i, s in enumerate((0.2, 0.9, 0.5))]

    out = cap_paper(cands, slots=2)

    assert [c.status for c in out] == [CandidateStatus.DROPPED, CandidateStatus.PAPER, CandidateStatus.PAPER]
    assert out[0].status_reason.startswith("paper cap reached (2 free paper slots)")


@settings(max_examples=30, deadline=None)
@given(specs=st.lists(st.tuples(st.sampled_from(list(SPOTS)), st.sampled_from([1.0, 2.5, 5.0, 10.0]),
                                st.floats(0.2, 0.6), st.integers(1, 6), st.floats(0, 1)), min_size=1, max_size=14),
       max_heat=st.floats(1.0, 8.0), max_underlying=st.floats(0.5, 4.0))
def test_selection_never_accepts_a_candidate_that_breaches_a_limit(specs: list[tuple[str, float, float, int, float]],
                                                                  max_heat: float, max_underlying: float) -> None:
    policy = RiskPolicy.model_validate({"portfolio": {"max_heat_pct": max_heat,
                                                      "max_single_underlying_pct": max_underlying}})
    cands = rank([replace(vertical(f"c{i}", u, width=w, credit=w * f, qty=q), score=s)
                  for i, (u, w, f, q, s) in enumerate(specs)])

    out = select(cands, Running(state()), ctx_for(policy), policy, paper_slots=30)

    running = state()
    for c in out:
        if c.status is CandidateStatus.SELECTED:
            running, decisions = portfolio_verdict(c, running, policy)
            assert all(d.passed for d in decisions), [d.reason for d in decisions if not d.passed]
        else:
            assert c.status is CandidateStatus.PAPER and c.status_reason
            assert c.gates[-1].check == "selection" and not c.gates[-1].passed
