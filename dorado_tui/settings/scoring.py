"""`config/scoring.yaml` (PRD §3.2): Phase 1 candidate scoring weights and exclusions."""

from __future__ import annotations

from pydantic import Field, model_validator

from dorado_tui.settings.base import Fraction, Section, bad_value


class ScoringWeights(Section):
    """Weights of the candidate score; they sum to 1."""

    data_quality: Fraction = 0.30
    """Penalise stale or missing Greeks."""
    credit_to_width: Fraction = 0.25
    """Higher credit relative to spread width."""
    sr_alignment: Fraction = 0.20
    """Short strikes at support/resistance levels."""
    dte_preference: Fraction = 0.15
    """Prefer the middle of the template's DTE range."""
    spread_tightness: Fraction = 0.10
    """Tighter bid/ask, better fill quality."""

    @model_validator(mode="after")
    def _sum_to_one(self) -> ScoringWeights:
        total = sum(self.model_dump().values())
        if abs(total - 1.0) > 1e-6:
            raise bad_value("weights must sum to 1", round(total, 6), "a total of 1.0")
        return self


class ScoringExclusions(Section):
    """Candidates excluded before ranking."""

    spread_quality_above: float = Field(0.20, gt=0, le=1)
    """Exclude when (ask − bid) / mid of any leg exceeds this (0.20 = 20 %)."""
    missing_greeks: bool = True
    """Exclude candidates with a leg missing Greeks."""


class Scoring(Section):
    """Scoring configuration; reviewed quarterly against paper outcomes."""

    weights: ScoringWeights = ScoringWeights()
    """Score weights."""
    exclude: ScoringExclusions = ScoringExclusions()
    """Hard exclusions."""
