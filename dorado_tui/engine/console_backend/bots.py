"""Bots as the console shows them, and the operator's enable/disable switch.

Whether a bot may scan and trade is its `enabled` field in `config/bots/<id>.yaml`: the scanner
and the lifecycle read it from the loaded configuration, and every process loads it at start.
So the switch writes it there (a round-trip edit that keeps the operator's comments and layout,
replaced atomically), updates this process's loaded configuration so its scanner and lifecycle
obey at once, and registers the change in the store in one transaction: a new bot-config
version (the store's `bot.config` audit entry) and the operator's own `bot.enabled` entry.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Any

from dorado_tui.domain.errors import BadInput, ConfigError, DoradoError
from dorado_tui.domain.states import BotState
from dorado_tui.engine.console_views import ActionResult, BotView
from dorado_tui.engine.lifecycle import machine
from dorado_tui.risk.trading_state import TradingStateBook, order_scopes
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.config import Config
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit
from dorado_tui.store.repos.bots import BotRecord


def bot_views(config: Config, records: Mapping[str, BotRecord], book: TradingStateBook,
              open_positions: Mapping[str, int]) -> tuple[BotView, ...]:
    """Every configured bot with its stored state and the trading state that governs it."""
    out = []
    for bot in sorted(config.bots.values(), key=lambda b: b.id):
        record = records.get(bot.id)
        layer = bot.strategy_layer or ""
        out.append(BotView(
            id=bot.id, underlying=bot.underlying, template=bot.strategy_template, layer=layer,
            venue_mode=config.venue_mode_for(bot), signal_mode=bot.signal_mode, approval_mode=bot.approval_mode,
            enabled=bot.enabled, state=record.state if record else BotState.IDLE,
            trading_state=book.effective(order_scopes(layer or None, bot.id, (bot.underlying,))),
            open_positions=open_positions.get(bot.id, 0)))
    return tuple(out)


def bot_file(config: Config, bot_id: str) -> Path:
    """The YAML file a configured bot was loaded from (BadInput for an unknown bot)."""
    for loaded in config.report.valid("bot"):
        if isinstance(loaded.model, Bot) and loaded.model.id == bot_id:
            return loaded.path
    known = ", ".join(sorted(config.bots)) or "none"
    raise BadInput(f"unknown bot {bot_id!r} (configured: {known})")


def write_enabled(path: Path, enabled: bool) -> None:
    """Set `enabled` in a bot file, keeping comments and layout; the file is replaced atomically."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    target: Any = doc.get("bot") if isinstance(doc, MutableMapping) and isinstance(doc.get("bot"), MutableMapping) \
        else doc
    if not isinstance(target, MutableMapping):
        raise ConfigError(f"{path} does not hold a bot mapping")
    target["enabled"] = enabled
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yaml.dump(doc, out)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


async def set_enabled(config: Config, db: Database, bot_id: str, enabled: bool, *, operator: str,
                      at: datetime) -> ActionResult:
    """Enable or disable one bot (see the module docstring); a bot already so is left alone."""
    bot = config.bots.get(bot_id)
    path = bot_file(config, bot_id)
    if bot is None:
        raise BadInput(f"unknown bot {bot_id!r}")
    word = "enabled" if enabled else "disabled"
    if bot.enabled is enabled:
        return ActionResult(True, f"{bot_id} is already {word}")
    write_enabled(path, enabled)
    changed = bot.model_copy(update={"enabled": enabled})
    bots = config.bots
    if not isinstance(bots, MutableMapping):
        raise DoradoError(f"{bot_id} {word} in {path.name}, but this process's configuration is read-only: "
                          "restart the console to apply it")
    bots[bot_id] = changed  # the scanner and the lifecycle hold this same Config: they obey at once
    async with db.transaction() as tx:
        record = await machine.sync_config_bot(tx, config, changed, at)
        await audit.append(tx, actor=operator, action="bot.enabled", subject=bot_id, at=at,
                           payload={"enabled": enabled, "file": config.home.relative(path),
                                    "config_version": record.config_version})
    note = "" if record.state is BotState.IDLE else f" (it is {record.state.value}: what it holds is still managed)"
    return ActionResult(True, f"{bot_id} {word}{note}; saved in {config.home.relative(path)}")
