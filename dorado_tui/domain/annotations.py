"""One-tap annotation tags (PRD §3.2): the operator's stated reason for approving a candidate."""

from __future__ import annotations

from enum import StrEnum

from dorado_tui.domain.instruments import AssetClass


class AnnotationTag(StrEnum):
    """Why the operator picked a candidate; stored beside the approval for calibration."""

    BEST_CREDIT = "best_credit"
    SR_ALIGNMENT = "sr_alignment"
    BANDIT_REC = "bandit_rec"
    GUT_FEEL = "gut_feel"
    CARRY_SETUP = "carry_setup"
    DIVERSIFICATION = "diversification"
    STRONG_TREND = "strong_trend"
    HURST_SIGNAL = "hurst_signal"

    @property
    def label(self) -> str:
        """The words shown on the picker (the PRD's button captions)."""
        return _LABELS[self]


_LABELS: dict[AnnotationTag, str] = {
    AnnotationTag.BEST_CREDIT: "Best credit",
    AnnotationTag.SR_ALIGNMENT: "S/R alignment",
    AnnotationTag.BANDIT_REC: "Bandit rec",
    AnnotationTag.GUT_FEEL: "Gut feel",
    AnnotationTag.CARRY_SETUP: "Carry setup",
    AnnotationTag.DIVERSIFICATION: "Diversification",
    AnnotationTag.STRONG_TREND: "Strong trend",
    AnnotationTag.HURST_SIGNAL: "Hurst signal",
}

#: The PRD's quick tags per asset class, in the order the picker offers them.
SUGGESTED_TAGS: dict[AssetClass, tuple[AnnotationTag, ...]] = {
    AssetClass.EQUITY_OPTIONS: (AnnotationTag.BEST_CREDIT, AnnotationTag.SR_ALIGNMENT,
                                AnnotationTag.BANDIT_REC, AnnotationTag.GUT_FEEL),
    AssetClass.FX: (AnnotationTag.CARRY_SETUP, AnnotationTag.DIVERSIFICATION,
                    AnnotationTag.BANDIT_REC, AnnotationTag.GUT_FEEL),
    AssetClass.CRYPTO: (AnnotationTag.STRONG_TREND, AnnotationTag.HURST_SIGNAL,
                        AnnotationTag.BANDIT_REC, AnnotationTag.GUT_FEEL),
}


def tags_for(asset_class: AssetClass) -> tuple[AnnotationTag, ...]:
    """Every tag, the asset class's suggestions first (any tag may be chosen for any trade)."""
    first = SUGGESTED_TAGS[asset_class]
    return first + tuple(t for t in AnnotationTag if t not in first)
