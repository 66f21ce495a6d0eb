"""Webhook-style signals (PRD §3.1 signal modes): parse, validate and authenticate one JSON signal.

A signal names one bot and what it wants:

    {"bot": "spy-ic-01", "id": "tv-20260310-001", "action": "open", "direction": "long",
     "underlying": "SPY", "time": "2026-03-10T14:30:00Z", "secret": "…", "note": "breakout"}

Only `bot` is required. `id` is the idempotency key (the same id is never processed twice);
`direction` feeds templates whose direction comes from the signal (and is required for FX/crypto
and `from_direction` legs unless the template fixes it); `time` older than the bot's approval
timeout is stale. When the bot names a webhook secret and the signal carries `secret`, it must
match (constant-time compare). Every error names the field.
"""

from __future__ import annotations

import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dorado_tui.domain.errors import BadInput
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.config import Config

ACTIONS = ("open",)
DIRECTIONS = ("long", "short", "neutral")
KNOWN = ("bot", "id", "action", "direction", "underlying", "time", "secret", "note", "price")
FUTURE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Signal:
    """A validated signal for one bot."""

    signal_id: str
    bot_id: str
    action: str
    direction: str | None
    time: datetime
    note: str
    authenticated: bool
    payload: dict[str, Any]


def _bad(field: str, message: str, got: Any = None) -> BadInput:
    shown = "" if got is None else f" (got {got!r})"
    return BadInput(f"signal.{field}: {message}{shown}")


def parse_json(text: str) -> dict[str, Any]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"signal: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise BadInput(f"signal: expected a JSON object, got {type(raw).__name__}")
    return raw


def _text(raw: dict[str, Any], field: str, required: bool = False) -> str | None:
    value = raw.get(field)
    if value is None:
        if required:
            raise _bad(field, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _bad(field, "must be a non-empty string", value)
    return value.strip()


def _time(raw: dict[str, Any], now: datetime, bot: Bot) -> datetime:
    text = _text(raw, "time")
    if text is None:
        return now
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _bad("time", "must be an ISO-8601 timestamp with a zone, e.g. 2026-03-10T14:30:00Z", text) from None
    if at.tzinfo is None:
        raise _bad("time", "needs a time zone (Z or +hh:mm)", text)
    at = at.astimezone(UTC)
    if at > now + FUTURE_SLACK:
        raise _bad("time", f"is in the future (now {now:%Y-%m-%dT%H:%M:%SZ})", text)
    if now - at > timedelta(hours=bot.timeout_hours):
        raise _bad("time", f"is stale: older than the bot's {bot.timeout_hours:g} h approval timeout", text)
    return at


def _bot(raw: dict[str, Any], config: Config) -> Bot:
    bot_id = _text(raw, "bot", required=True)
    assert bot_id is not None
    bot = config.bots.get(bot_id)
    if bot is None:
        raise _bad("bot", f"unknown bot (configured: {', '.join(sorted(config.bots))})", bot_id)
    if not bot.enabled:
        raise _bad("bot", "the bot is disabled (enabled: false)", bot_id)
    if bot.signal_mode == "scan":
        raise _bad("bot", "the bot takes scan signals only (signal_mode scan; set webhook or both)", bot_id)
    return bot


def _authenticated(raw: dict[str, Any], bot: Bot, config: Config) -> bool:
    given = raw.get("secret")
    name = bot.signal_source.webhook_secret
    if given is None:
        return False
    expected = config.secrets.webhook_secrets.get(name) if name else None
    if expected is None:
        raise _bad("secret", f"bot {bot.id} has no webhook secret configured to check it against")
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise _bad("secret", "does not match the bot's webhook secret")
    return True


def validate(raw: dict[str, Any], config: Config, now: datetime) -> Signal:
    """A Signal, or BadInput naming the first wrong field."""
    unknown = sorted(set(raw) - set(KNOWN))
    if unknown:
        raise _bad(unknown[0], f"unknown field (known: {', '.join(KNOWN)})")
    bot = _bot(raw, config)
    action = _text(raw, "action") or "open"
    if action not in ACTIONS:
        raise _bad("action", f"must be one of {', '.join(ACTIONS)} (closes and adjustments belong to the "
                   "lifecycle)", action)
    direction = _text(raw, "direction")
    if direction is not None and direction not in DIRECTIONS:
        raise _bad("direction", f"must be one of {', '.join(DIRECTIONS)}", direction)
    underlying = _text(raw, "underlying")
    if underlying is not None and underlying != bot.underlying:
        raise _bad("underlying", f"bot {bot.id} trades {bot.underlying}", underlying)
    signal_id = _text(raw, "id") or f"signal-{uuid.uuid4().hex[:12]}"
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise _bad("note", "must be a string", note)
    if "price" in raw and not isinstance(raw["price"], int | float):
        raise _bad("price", "must be a number", raw["price"])
    at = _time(raw, now, bot)
    authed = _authenticated(raw, bot, config)
    payload = {k: v for k, v in raw.items() if k != "secret"}
    return Signal(signal_id, bot.id, action, direction, at, note, authed, payload)
