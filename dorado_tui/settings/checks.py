"""Rules inside one file that a schema cannot say: consistent fields, unique names, leg rules.

`precheck` runs on the raw mapping before validation (it removes what it has already reported,
so one typo yields one message); `file_checks` runs on a validated model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from dorado_tui.settings.problems import Path_, Problem, closest, one_of
from dorado_tui.settings.yamldoc import Document

if TYPE_CHECKING:
    from dorado_tui.settings.bots import Bot
    from dorado_tui.settings.loader import LoadedFile
    from dorado_tui.settings.templates import StrategyTemplate
    from dorado_tui.settings.universe import Universe


def precheck(kind: str, doc: Document, prefix: Path_, data: dict[str, Any],
             problems: list[Problem]) -> dict[str, Any]:
    """Kind-specific checks of the raw mapping; returns the mapping to validate."""
    if kind == "strategy":
        return _entry_keys(doc, (*prefix, "entry"), data, problems)
    return data


def _entry_keys(doc: Document, at: Path_, data: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """Entry holds its own fields plus one rule per structure role; anything else is a typo."""
    from dorado_tui.settings.template_parts import Entry

    entry = data.get("entry")
    if not isinstance(entry, dict):
        return data
    roles = [leg.get("role") for leg in data.get("structure") or [] if isinstance(leg, dict)]
    fields = sorted(Entry.model_fields)
    allowed = [*fields, *(r for r in roles if isinstance(r, str))]
    kept = {}
    for key, value in entry.items():
        if key in allowed:
            kept[key] = value
            continue
        hint = closest(key, allowed)
        message = "unknown key (neither an entry field nor a structure role)"
        if hint:
            message += f", did you mean {hint!r}?"
        problems.append(doc.problem((*at, key), message, got=repr(key), allowed=one_of(allowed), at_key=True))
    return {**data, "entry": kept}


def file_checks(loaded: LoadedFile) -> list[Problem]:
    """Rules of one validated file."""
    doc, prefix, model = loaded.doc, loaded.prefix, loaded.model
    if loaded.kind.name == "strategy":
        return list(_template_rules(doc, prefix, model, loaded.raw or {}))  # type: ignore[arg-type]
    if loaded.kind.name == "bot":
        return list(_bot_rules(doc, prefix, model))  # type: ignore[arg-type]
    if loaded.kind.name == "universe":
        return list(_universe_rules(doc, prefix, model))  # type: ignore[arg-type]
    return []


def _universe_rules(doc: Document, prefix: Path_, universe: Universe) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for index, underlying in enumerate(universe.underlyings):
        if underlying.symbol in seen:
            first = doc.where((*prefix, "underlyings", seen[underlying.symbol], "symbol"))[0]
            yield doc.problem((*prefix, "underlyings", index, "symbol"),
                              f"duplicate symbol, first at line {first.line}", got=repr(underlying.symbol))
        else:
            seen[underlying.symbol] = index


def _bot_rules(doc: Document, prefix: Path_, bot: Bot) -> Iterator[Problem]:
    src = (*prefix, "signal_source")
    kind = bot.signal_source.type
    if bot.signal_mode == "webhook" and kind != "webhook":
        yield doc.problem((*src, "type"), "signal_mode webhook needs a webhook signal source",
                          got=repr(kind), allowed="webhook")
    if bot.signal_mode in ("scan", "both") and kind == "webhook":
        yield doc.problem((*src, "type"), f"signal_mode {bot.signal_mode} scans on a schedule",
                          got=repr(kind), allowed="scheduled, manual")
    if bot.signal_mode in ("webhook", "both") and bot.signal_source.webhook_secret is None:
        yield doc.problem((*src, "webhook_secret"),
                          f"signal_mode {bot.signal_mode} needs the name of the webhook secret")
    if kind == "scheduled" and bot.signal_source.schedule is None:
        yield doc.problem((*src, "schedule"), "a scheduled signal source needs a schedule name")


def _template_rules(doc: Document, prefix: Path_, tpl: StrategyTemplate, raw: dict[str, Any]) -> Iterator[Problem]:
    from dorado_tui.settings.templates import TYPE_CLASS

    expected = TYPE_CLASS[tpl.type]
    if tpl.underlying_class != expected:
        yield doc.problem((*prefix, "underlying_class"), f"a {tpl.type} template trades {expected}",
                          got=repr(tpl.underlying_class), allowed=expected)
    if tpl.legs is not None and tpl.structure and tpl.legs != len(tpl.structure):
        yield doc.problem((*prefix, "legs"), "legs does not match the structure",
                          got=str(tpl.legs), allowed=f"{len(tpl.structure)} (the structure's legs)")
    yield from _structure_rules(doc, prefix, tpl)
    yield from _leg_entry_rules(doc, prefix, tpl)
    yield from _override_rules(doc, prefix, tpl, raw)


def _structure_rules(doc: Document, prefix: Path_, tpl: StrategyTemplate) -> Iterator[Problem]:
    options = tpl.underlying_class == "equity_options"
    if options and not tpl.structure:
        yield doc.problem((*prefix, "structure"), "an options template needs a structure (its legs)")
    if options and tpl.entry.dte_range is None:
        yield doc.problem((*prefix, "entry", "dte_range"), "an options template needs a DTE range")
    seen: set[str] = set()
    for index, leg in enumerate(tpl.structure):
        if leg.role in seen:
            yield doc.problem((*prefix, "structure", index, "role"), "duplicate role", got=repr(leg.role))
        seen.add(leg.role)
        if leg.instrument == "option" and not options:
            yield doc.problem((*prefix, "structure", index, "instrument"),
                              f"{tpl.underlying_class} templates have no option legs",
                              got="'option'", allowed="spot")


def _leg_entry_rules(doc: Document, prefix: Path_, tpl: StrategyTemplate) -> Iterator[Problem]:
    rules = tpl.entry.legs
    by_role = {leg.role: leg for leg in tpl.structure}
    for leg in tpl.structure:
        if leg.instrument == "option" and leg.role not in rules:
            yield doc.problem((*prefix, "entry"), f"no entry rule for option leg {leg.role!r}",
                              allowed=f"a key {leg.role!r} under entry")
    for role, rule in rules.items():
        at = (*prefix, "entry", role)
        leg = by_role[role]
        if rule.delta_target is not None and leg.right is not None:
            yield from _delta_sign(doc, (*at, "delta_target"), leg.right, rule.delta_target)
        if rule.from_role is not None and rule.from_role not in by_role:
            yield doc.problem((*at, "from_role"), "unknown leg role", got=repr(rule.from_role),
                              allowed=one_of(by_role))


_DELTA_SIGN: dict[str, tuple[Callable[[float], bool], str, str]] = {
    "put": (lambda d: d <= 0, "put deltas are negative", "-1 ≤ delta ≤ 0"),
    "call": (lambda d: d >= 0, "call deltas are positive", "0 ≤ delta ≤ 1"),
    "from_direction": (lambda d: d >= 0, "a from_direction leg gives |delta|", "0 ≤ delta ≤ 1"),
}


def _delta_sign(doc: Document, at: Path_, right: str, target: tuple[float, float]) -> Iterator[Problem]:
    ok, message, allowed = _DELTA_SIGN[right]
    if not all(ok(d) for d in target):
        yield doc.problem(at, message, got=str(list(target)), allowed=allowed)


def _override_rules(doc: Document, prefix: Path_, tpl: StrategyTemplate, raw: dict[str, Any]) -> Iterator[Problem]:
    """Each regime override, merged into the template, must still be a valid template."""
    from dorado_tui.settings.templates import StrategyTemplate, merge_override
    from dorado_tui.settings.translate import translate

    base = {k: v for k, v in raw.items() if k != "regime_overrides"}
    for regime, override in (raw.get("regime_overrides") or {}).items():
        at = (*prefix, "regime_overrides", regime)
        merged = merge_override(base, override or {})
        problems: list[Problem] = []
        merged = _entry_keys(doc, (*at, "entry"), merged, problems)
        yield from problems
        try:
            StrategyTemplate.model_validate_json(json.dumps(merged), strict=True)
        except ValidationError as exc:
            yield from translate(exc, StrategyTemplate, doc, at)
