"""Naming hidden HMM states: documented rules on each state's mean vol, trend and credit.

A hidden state's index means nothing (EM may order states differently on every fit), so each
state is named from its *profile*: the posterior-weighted mean, over the training window, of
interpretable features, expressed as z-scores against the training window's own distribution:

- ``vol``    — mean of the z-scores of VIX and realised equity vol (whichever exist)
- ``trend``  — z-score of the SPY 50/200-day moving-average ratio
- ``credit`` — z-score of the credit spread (0 when the series is absent)
- ``vol_change`` — z-score of VIX's (else realised vol's) 21-day log change (falling < 0)
- ``stress`` = (vol + credit) / 2 − trend / 2

Rules, applied to every state in this order (several states may share a name; their
probabilities are then summed):

1. **crisis**     not improving, and either vol ≥ ``crisis_vol`` (1.5 σ above the window's
                  mean) or the state is the most stressed one with vol ≥ ``crisis_vol_top`` (1.0):
                  a training window whose worst days were a crisis must name them so, even when
                  they are too few to pull the state's mean past 1.5 σ.
2. **recovery**   stress ≥ ``elevated`` (0.6) or vol ≥ crisis_vol_top, and improving:
                  vol_change < 0 while trend or credit improves (trend_change > 0 or
                  credit_change < 0).
3. **risk_off**   stress ≥ ``elevated`` otherwise.
4. **risk_on**    vol ≤ ``calm_vol`` (−0.5) and trend > ``calm_trend`` (−0.5): quiet markets
                  with a flat-to-rising trend.
5. **transition** vol rising (vol_change > ``rising`` 0.25) or trend < 0.
6. **goldilocks** everything else (moderate vol, non-negative trend, steady).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PROFILE_KEYS = ("vol", "trend", "credit", "vol_change", "trend_change", "credit_change", "stress")


@dataclass(frozen=True)
class LabelRules:
    """Thresholds of the naming rules, in training-window standard deviations."""

    crisis_vol: float = 1.5
    crisis_vol_top: float = 1.0
    elevated: float = 0.6
    calm_vol: float = -0.5
    calm_trend: float = -0.5
    rising: float = 0.25


def _z(column: pd.Series) -> pd.Series:
    std = float(column.std(ddof=0))
    return (column - column.mean()) / std if std > 0 else column * 0.0


def interpretive_frame(features: pd.DataFrame) -> pd.DataFrame:
    """Per-day z-scored vol, trend, credit and their changes over the given (training) rows."""
    out = pd.DataFrame(index=features.index)
    vols = [c for c in ("vix", "spy_rv") if c in features]
    if not vols:
        raise ValueError("state naming needs a volatility feature (vix or spy_rv)")
    out["vol"] = pd.concat([_z(np.log(features[c])) for c in vols], axis=1).mean(axis=1)
    out["trend"] = _z(features["spy_trend"]) if "spy_trend" in features else 0.0
    out["credit"] = _z(features["credit_spread"]) if "credit_spread" in features else 0.0
    change = next((c for c in ("vix_roc21", "spy_rv_roc21") if c in features), None)
    out["vol_change"] = _z(features[change]) if change else 0.0
    out["trend_change"] = _z(features["spy_trend_roc21"]) if "spy_trend_roc21" in features else 0.0
    out["credit_change"] = (_z(features["credit_spread_roc21"])
                            if "credit_spread_roc21" in features else 0.0)
    out["stress"] = (out["vol"] + out["credit"]) / 2 - out["trend"] / 2
    return out


def state_profiles(features: pd.DataFrame, posteriors: np.ndarray) -> list[dict[str, float]]:
    """Posterior-weighted mean of the interpretive frame for each hidden state."""
    frame = interpretive_frame(features).fillna(0.0).to_numpy()
    weights = posteriors / np.maximum(posteriors.sum(axis=0, keepdims=True), 1e-12)
    means = weights.T @ frame
    return [dict(zip(PROFILE_KEYS, map(float, row), strict=True)) for row in means]


def _improving(profile: dict[str, float]) -> bool:
    return profile["vol_change"] < 0 and (profile["trend_change"] > 0 or profile["credit_change"] < 0)


def name_state(profile: dict[str, float], rules: LabelRules = LabelRules(), most_stressed: bool = False) -> str:
    """The regime name for one state profile (rules in the module docstring)."""
    improving = _improving(profile)
    extreme = profile["vol"] >= rules.crisis_vol or (most_stressed and profile["vol"] >= rules.crisis_vol_top)
    if extreme and not improving:
        return "crisis"
    if profile["stress"] >= rules.elevated or profile["vol"] >= rules.crisis_vol_top:
        return "recovery" if improving else "risk_off"
    if profile["vol"] <= rules.calm_vol and profile["trend"] > rules.calm_trend:
        return "risk_on"
    if profile["vol_change"] > rules.rising or profile["trend"] < 0:
        return "transition"
    return "goldilocks"


def name_states(profiles: list[dict[str, float]], rules: LabelRules = LabelRules()) -> list[str]:
    top = max(range(len(profiles)), key=lambda k: profiles[k]["stress"])
    return [name_state(p, rules, most_stressed=(k == top)) for k, p in enumerate(profiles)]
