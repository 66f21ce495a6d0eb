"""Phase-1 candidate scoring (PRD §3.2) with the weights and exclusions of `config/scoring.yaml`.

Each part is scored 0–1 and weighted:
- data_quality: the candidate's data-quality figure (missing/stale Greeks, IV-model mismatch);
- credit_to_width: credit ÷ (width × multiplier), a third of the width scoring full; structures
  without a width use reward ÷ risk (max profit ÷ max loss, 3:1 scoring full);
- sr_alignment: short strikes placed by a support/resistance rule that sit at a level (1) or away
  from the known levels (0); 0.5 (neutral) when no level is known, the template places no short
  strike by S/R, or for FX/crypto;
- dte_preference: 1 in the middle of the template's DTE range, 0 at its edges; no DTE: 0.5;
- spread_tightness: 1 − the widest leg's (ask − bid)/mid ÷ the exclusion threshold.
Exclusions drop a candidate before ranking: any leg wider than `spread_quality_above`, any option
leg without the venue's Greeks when `missing_greeks` is set.
Confidence (the PRD's LLM tag is advisory and not built): HIGH for a score ≥ 0.70 with data
quality ≥ 0.9 and no neutral regime; LOW below 0.50, with data quality < 0.75 or a neutral regime.
"""

from __future__ import annotations

import math
from dataclasses import replace

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.orders import Action
from dorado_tui.settings.scoring import Scoring
from dorado_tui.settings.templates import StrategyTemplate

NEUTRAL = 0.5


def _clip(x: float) -> float:
    return 0.0 if not math.isfinite(x) else min(max(x, 0.0), 1.0)


def credit_part(c: Candidate) -> float:
    ratio = c.credit_to_width
    if ratio is not None:
        return _clip(3.0 * ratio)
    if c.max_loss > 0 and math.isfinite(c.max_profit):
        return _clip(c.max_profit / c.max_loss / 3.0)
    return NEUTRAL if math.isinf(c.max_profit) else 0.0


SR_METHODS = ("delta_and_support", "delta_and_resistance")


def sr_part(c: Candidate, tpl: StrategyTemplate) -> float:
    """Share of the short legs placed by a support/resistance rule that sit at a level; neutral
    when the template places no short leg by S/R or no level is known."""
    if not c.expiry:
        return NEUTRAL
    rules = tpl.entry.legs
    shorts = [leg for leg in c.legs if leg.instrument.is_option and leg.action is Action.SELL
              and leg.role in rules and rules[leg.role].method in SR_METHODS]
    if not shorts or "no_levels" in c.flags:
        return NEUTRAL
    aligned = next((f for f in c.flags if f.startswith("sr_aligned: ")), "")
    hits = sum(1 for leg in shorts if f"{leg.role}@" in aligned)
    return hits / len(shorts)


def dte_part(c: Candidate, tpl: StrategyTemplate) -> float:
    rng = tpl.entry.dte_range
    if c.dte is None or rng is None:
        return NEUTRAL
    lo, hi = rng
    if hi == lo:
        return 1.0 if c.dte == lo else 0.0
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    return _clip(1.0 - abs(c.dte - mid) / half)


def exclusion(c: Candidate, scoring: Scoring) -> str | None:
    """Why scoring drops the candidate (None: it is ranked)."""
    limit = scoring.exclude.spread_quality_above
    for leg in c.legs:
        mid = 0.5 * (leg.bid + leg.ask)
        q = (leg.ask - leg.bid) / mid if mid > 0 and leg.bid > 0 else math.inf
        if q > limit:
            shown = "no bid" if not math.isfinite(q) else f"{q:.0%}"
            return f"excluded by scoring: {leg.role} spread {shown} of mid (limit {limit:.0%})"
    if scoring.exclude.missing_greeks:
        bare = [leg.role for leg in c.legs if leg.instrument.is_option and (leg.delta is None or leg.iv is None)]
        if bare:
            return f"excluded by scoring: missing Greeks on {', '.join(bare)}"
    return None


def confidence(score: float, c: Candidate) -> str:
    neutral = "regime_neutral" in c.flags
    if score < 0.5 or c.data_quality < 0.75 or neutral:
        return "LOW"
    if score >= 0.70 and c.data_quality >= 0.9:
        return "HIGH"
    return "MED"


def score(c: Candidate, tpl: StrategyTemplate, scoring: Scoring) -> Candidate:
    """The candidate with its score, parts and confidence — or DROPPED by an exclusion."""
    w = scoring.weights
    parts = {
        "data_quality": _clip(c.data_quality),
        "credit_to_width": credit_part(c),
        "sr_alignment": sr_part(c, tpl),
        "dte_preference": dte_part(c, tpl),
        "spread_tightness": _clip(1.0 - c.spread_quality / scoring.exclude.spread_quality_above),
    }
    total = sum(getattr(w, k) * v for k, v in parts.items())
    scored = replace(c, score=total, score_parts=parts, confidence=confidence(total, c))
    why = exclusion(c, scoring)
    if why is not None:
        return replace(scored, status=CandidateStatus.DROPPED, status_reason=why)
    return scored
