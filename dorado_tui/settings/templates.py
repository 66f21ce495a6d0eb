"""Strategy templates (`strategies/<name>.yaml`, PRD §3.6): declarative, with regime overrides.

The file name (without .yaml) is the template's name, the one bots put in `strategy_template`.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import Field, field_validator

from dorado_tui.settings.base import RegimeName, Section, bad_value
from dorado_tui.settings.template_parts import (
    Constraints,
    Entry,
    Leg,
    Lifecycle,
    Management,
    RegimeRequirements,
    TechnicalRequirements,
    TemplateSizing,
    VolatilityRequirements,
)
from dorado_tui.settings.universe import AssetClassName

TemplateType = Literal["options_income", "options_directional", "options_volatility",
                       "options_wheel", "fx_directional", "crypto_directional"]

#: The asset class each template type trades.
TYPE_CLASS: dict[str, str] = {
    "options_income": "equity_options", "options_directional": "equity_options",
    "options_volatility": "equity_options", "options_wheel": "equity_options",
    "fx_directional": "fx", "crypto_directional": "crypto",
}
#: Sections a regime override may replace (deep-merged into the base template).
OVERRIDABLE = ("entry", "management", "regime_requirements", "volatility_requirements",
               "technical_requirements", "constraints", "sizing")

CODE_HOOK_REFUSAL = ("code_hook is reserved for a sandboxed Python escape hatch that Dorado "
                     "does not run yet; express the rule with entry/management fields")


class TemplateOverride(Section):
    """Parameters replaced while a given regime holds; validated after merging."""

    entry: dict[str, Any] | None = None
    """Entry fields to override."""
    management: dict[str, Any] | None = None
    """Management fields to override."""
    regime_requirements: dict[str, Any] | None = None
    """Regime requirement fields to override."""
    volatility_requirements: dict[str, Any] | None = None
    """Volatility requirement fields to override."""
    technical_requirements: dict[str, Any] | None = None
    """Technical requirement fields to override."""
    constraints: dict[str, Any] | None = None
    """Candidate constraint fields to override."""
    sizing: dict[str, Any] | None = None
    """Sizing fields to override."""


class StrategyTemplate(Section):
    """One strategy template (the document's `strategy:` mapping)."""

    name: str = Field(min_length=1, max_length=80)
    """Display name, e.g. "Iron Condor"."""
    type: TemplateType
    """options_income, options_directional, options_volatility, options_wheel, fx_directional
    or crypto_directional."""
    underlying_class: AssetClassName
    """Asset class it trades; a bot's underlying must be of this class."""
    description: str | None = None
    """Free text."""
    legs: int | None = Field(None, ge=1, le=8)
    """Number of legs (must match structure)."""
    structure: tuple[Leg, ...] = ()
    """The legs, each with a unique role."""
    allowed_underlyings: tuple[str, ...] | None = None
    """Only these underlyings may use it (e.g. 0DTE on SPY, QQQ, IWM, SPX); null = any."""
    regime_requirements: RegimeRequirements = RegimeRequirements()
    """Gate 1."""
    volatility_requirements: VolatilityRequirements = VolatilityRequirements()
    """Gate 2."""
    technical_requirements: TechnicalRequirements = TechnicalRequirements()
    """Gate 3."""
    entry: Entry = Entry()
    """Entry rules, per-leg strike rules keyed by role."""
    management: Management = Management()
    """Exit and adjustment rules."""
    constraints: Constraints = Constraints()
    """What a resolved candidate must satisfy (credit/width, POP, open interest, breadth)."""
    lifecycle: Lifecycle | None = None
    """Follow-on templates (wheel)."""
    regime_overrides: dict[RegimeName, TemplateOverride] = Field(default_factory=dict)
    """Per-regime parameter overrides, deep-merged into the sections above."""
    sizing: TemplateSizing = TemplateSizing()
    """Sizing."""
    code_hook: str | None = None
    """Reserved (PRD: YAML DSL with a code-hook escape hatch, not built in Phase 1). Must be unset."""

    @field_validator("code_hook")
    @classmethod
    def _refuse_code_hook(cls, value: str | None) -> str | None:
        if value is not None:
            raise bad_value(CODE_HOOK_REFUSAL, value, "null")
        return value

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(leg.role for leg in self.structure)

    def for_regime(self, regime: str) -> StrategyTemplate:
        """The template with `regime`'s overrides deep-merged in (itself when there are none)."""
        override = self.regime_overrides.get(regime)
        if override is None:
            return self
        base = self.model_dump(exclude={"regime_overrides"}, exclude_none=True)
        merged = merge_override(base, override.model_dump(exclude_none=True))
        return StrategyTemplate.model_validate(merged)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`base` with `override` merged in: mappings merge key by key, anything else replaces."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge_override(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Apply one regime override (its sections only) to a template's data."""
    return deep_merge(base, {k: v for k, v in override.items() if k in OVERRIDABLE and v is not None})
