"""Rules across files: bots point at a real universe, underlying, template and schedule; asset
classes agree; ids are unique; live trading is asked for twice; layers exist in the risk policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dorado_tui.settings.problems import Problem, closest, one_of

if TYPE_CHECKING:
    from dorado_tui.settings.bots import Bot
    from dorado_tui.settings.dorado import DoradoSettings
    from dorado_tui.settings.loader import LoadedFile, Report
    from dorado_tui.settings.universe import Universe


def cross_checks(report: Report) -> list[Problem]:
    """Every cross-file problem of the report's files (only validated files take part)."""
    out: list[Problem] = []
    out.extend(_unique_bot_ids(report))
    universe = _single(report, "universe")
    settings = _single(report, "dorado")
    templates = {f.path.stem: f for f in report.of("strategy")}
    policy = _single(report, "risk_policy")
    webhook_secrets = set(report.secrets.secrets.webhook_secrets) if report.secrets else set()
    for loaded in report.valid("bot"):
        out.extend(_bot_refs(loaded, universe, settings, templates, policy))
        out.extend(_webhook_secret(loaded, webhook_secrets))
    for loaded in report.valid("strategy"):
        out.extend(_lifecycle_refs(loaded, templates))
    return out


def _single(report: Report, kind: str) -> Any:
    valid = report.valid(kind)
    return valid[0].model if valid else None


def _unique_bot_ids(report: Report) -> Iterator[Problem]:
    first: dict[str, LoadedFile] = {}
    for loaded in report.valid("bot"):
        bot_id = loaded.model.id  # type: ignore[union-attr]
        if bot_id in first:
            yield loaded.doc.problem((*loaded.prefix, "id"),
                                     f"duplicate bot id, also in {first[bot_id].display}", got=repr(bot_id))
        else:
            first[bot_id] = loaded


def _bot_refs(loaded: LoadedFile, universe: Universe | None, settings: DoradoSettings | None,
              templates: dict[str, LoadedFile], policy: Any) -> Iterator[Problem]:
    bot: Bot = loaded.model  # type: ignore[assignment]
    doc, at = loaded.doc, loaded.prefix
    underlying = None
    if universe is not None:
        if bot.universe != universe.id:
            yield doc.problem((*at, "universe"), "unknown universe", got=repr(bot.universe),
                              allowed=universe.id)
        underlying = universe.get(bot.underlying)
        if underlying is None:
            hint = closest(bot.underlying, universe.symbols)
            yield doc.problem((*at, "underlying"), "not in the universe" + (f", did you mean {hint!r}?" if hint else ""),
                              got=repr(bot.underlying), allowed=one_of(universe.symbols))
        elif bot.venue is not None and bot.venue != underlying.venue:
            yield doc.problem((*at, "venue"), f"{bot.underlying} trades on {underlying.venue}",
                              got=repr(bot.venue), allowed=underlying.venue)
    yield from _template_ref(loaded, bot, underlying, templates)
    if settings is not None:
        yield from _settings_refs(loaded, bot, settings)
    yield from _policy_refs(loaded, bot, policy, templates.get(bot.strategy_template))


def _template_ref(loaded: LoadedFile, bot: Bot, underlying: Any, templates: dict[str, LoadedFile]) -> Iterator[Problem]:
    doc, at = loaded.doc, loaded.prefix
    found = templates.get(bot.strategy_template)
    if found is None:
        hint = closest(bot.strategy_template, templates)
        yield doc.problem((*at, "strategy_template"),
                          f"no template strategies/{bot.strategy_template}.yaml"
                          + (f", did you mean {hint!r}?" if hint else ""),
                          got=repr(bot.strategy_template), allowed=one_of(sorted(templates)) or "no templates")
        return
    tpl = found.model
    if tpl is None or underlying is None:
        return  # its own problems are reported against its own file
    if tpl.underlying_class != underlying.asset_class:  # type: ignore[attr-defined]
        yield doc.problem((*at, "strategy_template"),
                          f"template {bot.strategy_template!r} trades {tpl.underlying_class} but "  # type: ignore[attr-defined]
                          f"{bot.underlying} is {underlying.asset_class}",
                          got=repr(bot.strategy_template), allowed=f"a {underlying.asset_class} template")
    allowed = tpl.allowed_underlyings  # type: ignore[attr-defined]
    if allowed is not None and bot.underlying not in allowed:
        yield doc.problem((*at, "underlying"), f"template {bot.strategy_template!r} is limited to other underlyings",
                          got=repr(bot.underlying), allowed=one_of(allowed))


def _settings_refs(loaded: LoadedFile, bot: Bot, settings: DoradoSettings) -> Iterator[Problem]:
    doc, at = loaded.doc, loaded.prefix
    if bot.venue_mode == "live" and settings.venue.mode != "live":
        yield doc.problem((*at, "venue_mode"),
                          "a live bot needs venue.mode: live in config/dorado.yaml too (live is asked for twice)",
                          got="'live'", allowed=f"simulation, paper while venue.mode is {settings.venue.mode}")
    source = bot.signal_source
    if source.type == "scheduled" and source.schedule is not None and source.schedule not in settings.schedules.scans:
        names = sorted(settings.schedules.scans)
        yield doc.problem((*at, "signal_source", "schedule"), "unknown scan schedule (see schedules.scans in dorado.yaml)",
                          got=repr(source.schedule), allowed=one_of(names) or "none defined")


def _policy_refs(loaded: LoadedFile, bot: Bot, policy: Any, template: LoadedFile | None) -> Iterator[Problem]:
    """The bot against the risk policy: risk_pct within its sizing bounds; layer exists and fits."""
    if policy is None:
        return
    doc, at = loaded.doc, loaded.prefix
    max_risk = getattr(getattr(policy, "sizing", None), "max_risk_pct", None)
    if isinstance(max_risk, int | float) and bot.sizing.risk_pct > max_risk:
        yield doc.problem((*at, "sizing", "risk_pct"), "above the risk policy's sizing.max_risk_pct",
                          got=f"{bot.sizing.risk_pct:g}", allowed=f"0 < x ≤ {max_risk:g}")
    layers = getattr(policy, "layers", None)
    if not isinstance(layers, dict):
        return
    if not layers:
        if bot.strategy_layer is not None:
            yield doc.problem((*at, "strategy_layer"), "the risk policy defines no strategy layers "
                              "(layers: {}); this layer's limits are not enforced",
                              got=repr(bot.strategy_layer), severity="warning")
        return
    if bot.strategy_layer is None:
        # An unlayered bot would bypass every layer's budget and limits: the radar refuses its trades.
        yield doc.problem((*at, "strategy_layer"), "every bot needs a strategy layer while the risk "
                          "policy defines layers (its budget and limits apply to the bot's trades)",
                          got="null" if (*at, "strategy_layer") in doc.nodes else None,
                          allowed=one_of(sorted(layers)))
        return
    layer = layers.get(bot.strategy_layer)
    if layer is None:
        hint = closest(bot.strategy_layer, list(layers))
        yield doc.problem((*at, "strategy_layer"),
                          "unknown strategy layer" + (f", did you mean {hint!r}?" if hint else ""),
                          got=repr(bot.strategy_layer), allowed=one_of(sorted(layers)))
        return
    yield from _layer_fit(loaded, bot, layer, template.model if template else None)


def _layer_fit(loaded: LoadedFile, bot: Bot, layer: Any, tpl: Any) -> Iterator[Problem]:
    """Warnings where the risk engine would refuse this bot's orders; an error where it always would."""
    doc, at = loaded.doc, loaded.prefix
    name = bot.strategy_layer
    if not getattr(layer, "enabled", True):
        yield doc.problem((*at, "strategy_layer"), f"layer {name} is disabled in the risk policy; "
                          "this bot's orders will be refused", got=repr(name), severity="warning")
    allowed = tuple(getattr(layer, "templates", ()) or ())
    if allowed and bot.strategy_template not in allowed:
        yield doc.problem((*at, "strategy_template"), f"layer {name} trades only listed templates; "
                          "this bot's orders will be refused", got=repr(bot.strategy_template),
                          allowed=one_of(allowed), severity="warning")
    dte = tpl.entry.dte_range if tpl is not None else None
    low, high = getattr(layer, "min_dte", None), getattr(layer, "max_dte", None)
    if dte is None or (low is None and high is None):
        return
    lo, hi = (low if low is not None else 0), (high if high is not None else 10**6)
    if dte[1] < lo or dte[0] > hi:
        yield doc.problem((*at, "strategy_template"), f"template DTE range never fits layer {name}",
                          got=f"DTE {dte[0]}–{dte[1]}", allowed=_dte_band(low, high))
    elif dte[0] < lo or dte[1] > hi:
        yield doc.problem((*at, "strategy_template"), f"part of the template DTE range falls outside layer {name}",
                          got=f"DTE {dte[0]}–{dte[1]}", allowed=_dte_band(low, high), severity="warning")


def _dte_band(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"DTE {low}–{high}"
    return f"DTE ≥ {low}" if low is not None else f"DTE ≤ {high}"


def _webhook_secret(loaded: LoadedFile, known: set[str]) -> Iterator[Problem]:
    """A webhook bot whose secret is not set cannot authenticate anything: say so, by name only."""
    bot: Bot = loaded.model  # type: ignore[assignment]
    name = bot.signal_source.webhook_secret
    if bot.signal_mode == "scan" or name is None or name in known:
        return
    yield loaded.doc.problem((*loaded.prefix, "signal_source", "webhook_secret"),
                             f"webhook secret {name!r} is not set (DORADO_WEBHOOK_SECRET_{name.upper()} or "
                             f"secrets.yaml webhook_secrets.{name}); this bot's webhooks will be refused",
                             severity="warning")


def _lifecycle_refs(loaded: LoadedFile, templates: dict[str, LoadedFile]) -> Iterator[Problem]:
    tpl = loaded.model
    lifecycle = getattr(tpl, "lifecycle", None)
    if lifecycle is None:
        return
    for field in ("on_assignment", "on_called_away"):
        name = getattr(lifecycle, field)
        if name is not None and name not in templates:
            yield loaded.doc.problem((*loaded.prefix, "lifecycle", field), f"no template strategies/{name}.yaml",
                                     got=repr(name), allowed=one_of(sorted(templates)) or "no templates")
