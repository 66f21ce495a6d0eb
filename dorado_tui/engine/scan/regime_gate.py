"""Gate 1, regime: the latest published RegimeState of the bot's asset class, point in time.

Equity options read the macro HMM, FX the FX factor model, crypto the two-stage trend model
(PRD §3.2). The state comes from the regime cache (what the radar published last) or, for an
as-of scan or an empty cache, from the store's regime history (the newest state dated on or
before the scan date). A stale or missing state is neutral: the gate allows all and says so
(code REGIME_NEUTRAL, and the candidates carry the flag `regime_neutral`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.regime import (
    CRYPTO_REGIMES,
    FX_REGIMES,
    MACRO_REGIMES,
    RegimeModel,
    RegimeState,
)
from dorado_tui.regime.publish import CACHE_PREFIX, RegimeReading, reading, state_from_dict
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.templates import StrategyTemplate
from dorado_tui.store.cache import Cache
from dorado_tui.store.database import Database
from dorado_tui.store.repos import regime as regime_repo

CHECK = "gate.regime"
MODEL_OF_CLASS = {"equity_options": RegimeModel.MACRO, "fx": RegimeModel.FX, "crypto": RegimeModel.CRYPTO}
_LABELS = {RegimeModel.MACRO: MACRO_REGIMES, RegimeModel.FX: FX_REGIMES, RegimeModel.CRYPTO: CRYPTO_REGIMES}


def _parse(raw: Any) -> RegimeState | None:
    try:
        return state_from_dict(json.loads(raw) if isinstance(raw, str) else raw)
    except (ValueError, KeyError, TypeError):
        return None


async def load_readings(cache: Cache, db: Database, now: datetime, asof: date) -> dict[RegimeModel, RegimeReading]:
    """Each model's reading at `now`: the cached state unless it is dated after `asof`, else the
    store's newest state dated on or before `asof` (whichever is newer wins)."""
    out: dict[RegimeModel, RegimeReading] = {}
    async with db.read() as session:
        for model in RegimeModel:
            cached = _parse(await cache.get(CACHE_PREFIX + model.value))
            if cached is not None and cached.asof > asof:
                cached = None
            history = await regime_repo.regime_history(session, model, end=asof)
            stored = history[-1] if history else None
            options = [s for s in (cached, stored) if s is not None]
            best = max(options, key=lambda s: (s.asof, s.computed_at)) if options else None
            out[model] = reading(model, best, now)
    return out


def _confidence(state: RegimeState, symbol: str) -> float:
    """The model's confidence in its label; crypto uses the coin's own P(trend) when published."""
    if state.model is RegimeModel.CRYPTO:
        p = state.extra.get(f"{symbol}.p_trend")
        if p is not None and math.isfinite(p):
            return p if state.regime == CRYPTO_REGIMES[0] else 1.0 - p
    return state.confidence


def _label(state: RegimeState, symbol: str) -> str:
    if state.model is RegimeModel.CRYPTO:
        p = state.extra.get(f"{symbol}.p_trend")
        if p is not None and math.isfinite(p):
            return CRYPTO_REGIMES[0] if p >= 0.5 else CRYPTO_REGIMES[1]
    return state.regime


def _allowed(tpl: StrategyTemplate, bot: Bot, model: RegimeModel) -> tuple[set[str], set[str]]:
    """(allowed, blocked) labels of `model` from the template and the bot's filter."""
    req = tpl.regime_requirements
    labels = set(_LABELS[model])
    allowed: set[str] = set()
    if model is RegimeModel.MACRO:
        allowed |= set(req.allowed_regimes)
    if model is RegimeModel.FX:
        allowed |= set(req.fx_regime_allowed)
    if model is RegimeModel.CRYPTO and req.trend_exists:
        allowed.add(CRYPTO_REGIMES[0])
    own = {r for r in bot.regime_filter.allowed if r in labels}
    allowed = (allowed & own) if allowed and own else (allowed or own)
    blocked = set(req.blocked_regimes) if model is RegimeModel.MACRO else set()
    return allowed, blocked


def regime_gate(bot: Bot, tpl: StrategyTemplate, asset_class: str,
                readings: Mapping[RegimeModel, RegimeReading]) -> tuple[Decision, str, bool]:
    """(decision, effective regime, neutral) for one bot. Neutral passes, flagged."""
    model = MODEL_OF_CLASS[asset_class]
    found = readings.get(model)
    if found is None or found.neutral or found.state is None:
        why = found.reason if found is not None else f"{model.value} regime unavailable; gate neutral (allow-all)"
        return Decision(CHECK, True, "REGIME_NEUTRAL", why, None, None, {"model": model.value}), "neutral", True
    state = found.state
    label, conf = _label(state, bot.underlying), _confidence(state, bot.underlying)
    req = tpl.regime_requirements
    floor = max(req.min_regime_confidence or 0.0, req.min_trend_confidence or 0.0,
                bot.regime_filter.min_regime_confidence)
    allowed, blocked = _allowed(tpl, bot, model)
    facts = {"model": model.value, "regime": label, "asof": state.asof.isoformat()}
    if label in blocked:
        return Decision.deny(CHECK, "REGIME_BLOCKED", f"{model.value} regime {label} is blocked for {bot.strategy_template}",
                             conf, None, **facts), label, False
    if allowed and label not in allowed:
        return Decision.deny(CHECK, "REGIME_NOT_ALLOWED", f"{model.value} regime {label} ({conf:.0%}) not in "
                             f"allowed {', '.join(sorted(allowed))}", conf, None, **facts), label, False
    if conf < floor:
        return Decision.deny(CHECK, "REGIME_CONFIDENCE_LOW", f"{model.value} regime {label} at {conf:.0%} is below "
                             f"the minimum confidence {floor:.0%}", conf, floor, **facts), label, False
    return Decision.ok(CHECK, f"{model.value} regime {label} ({conf:.0%}) allowed", conf, floor, **facts), label, False


def correlation_line(readings: Mapping[RegimeModel, RegimeReading]) -> str:
    """PRD: "Cross-asset correlation regime: diversified (4 PCs for 80%)"."""
    found = readings.get(RegimeModel.CORRELATION)
    if found is None or found.state is None:
        return "Cross-asset correlation regime: unavailable (no published state)"
    state = found.state
    n = state.extra.get("n_components")
    detail = f" ({int(n)} PCs for 80%)" if n is not None and math.isfinite(n) else ""
    stale = " — stale" if found.stale else ""
    return f"Cross-asset correlation regime: {state.regime}{detail}{stale}"
