"""Shipped risk profiles: partial policies deep-merged over the operator's policy (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dorado_tui.risk.policy import RiskPolicy


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """`overlay` over `base`: mappings merge key by key, anything else replaces."""
    merged: dict[str, Any] = dict(base)
    for key, value in overlay.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def apply_profile(policy: RiskPolicy, profile_name: str, overlay: Mapping[str, Any]) -> RiskPolicy:
    """The policy with a profile layered over it, validated as a whole (raises ValidationError)."""
    data = deep_merge(policy.model_dump(mode="python"), overlay)
    data["profile"] = profile_name
    return RiskPolicy.model_validate(data)
