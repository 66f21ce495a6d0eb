"""The bot state machine as a service: legal, persisted, audited steps in the caller's transaction.

Every step goes through `bots.record_transition` (legality from the PRD table, a StaleState when
another process moved the bot first, the audit entry), inside the transaction that does the work
the step stands for — an approval's order intent, a fill's position, a close's trade outcome — so
the store never shows a state without its work or work without its state. An illegal step raises
IllegalTransition; nothing is ever skipped silently.

What the states mean here: MONITORING iff the bot holds a position. A failed entry that filled
nothing is EXECUTING → FAILED → IDLE; an adjustment (roll, covered call, closing a tested side)
always returns EXECUTING → MONITORING, because the position it adjusts is still held (the
transition's reason says whether the order filled). CLOSING → IDLE only once the position is flat.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle.ids import is_twin_bot
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.config import Config
from dorado_tui.store.repos import bots as bot_repo

S = BotState
#: The entry path of a selected candidate up to the approval gate.
TO_APPROVAL = (S.SIGNAL_RECEIVED, S.RISK_CHECK, S.AWAITING_APPROVAL)
TWIN_MODE = "twin"


async def move(tx: AsyncSession, bot_id: str, *steps: BotState, at: datetime, reason: str, actor: str,
               candidate_id: str | None = None, expected_from: BotState | None = None,
               ) -> list[bot_repo.Transition]:
    """Walk `steps` in order (each one legal from the previous); `expected_from` guards the first."""
    done = []
    for i, state in enumerate(steps):
        done.append(await bot_repo.record_transition(
            tx, bot_id, state, at=at, reason=reason, actor=actor, candidate_id=candidate_id,
            expected_from=expected_from if i == 0 else None))
    return done


async def state_of(tx: AsyncSession, bot_id: str) -> BotState | None:
    record = await bot_repo.get_bot(tx, bot_id)
    return None if record is None else record.state


def bot_payload(bot: Bot) -> dict[str, Any]:
    return bot.model_dump(mode="json")


async def sync_config_bot(tx: AsyncSession, config: Config, bot: Bot, at: datetime) -> bot_repo.BotRecord:
    """Register (or refresh) a configured bot; a new bot starts IDLE, an existing one keeps its state."""
    return await bot_repo.sync_bot(
        tx, bot.id, bot_payload(bot), at=at, universe=bot.universe, underlying=bot.underlying,
        template=bot.strategy_template, strategy_layer=bot.strategy_layer or "",
        mode=config.venue_mode_for(bot), enabled=bot.enabled, source=f"config/bots/{bot.id}.yaml")


async def sync_twin_bot(tx: AsyncSession, twin_id: str, parent: Bot | None, payload: Mapping[str, Any],
                        *, underlying: str, template: str, layer: str, at: datetime) -> bot_repo.BotRecord:
    """The bot row a paper twin runs its own state machine on (mode `twin`)."""
    if not is_twin_bot(twin_id):
        raise ValueError(f"{twin_id} is not a twin bot id")
    return await bot_repo.sync_bot(
        tx, twin_id, {**payload, "parent": parent.id if parent else None}, at=at,
        universe=parent.universe if parent else "", underlying=underlying, template=template,
        strategy_layer=layer, mode=TWIN_MODE, enabled=True, source="paper twin")


async def retire_twin(tx: AsyncSession, twin_id: str, at: datetime) -> None:
    """A twin whose position closed keeps its history but no longer counts as a running bot."""
    record = await bot_repo.get_bot(tx, twin_id)
    if record is None or not record.enabled:
        return
    cfg = await bot_repo.bot_config(tx, twin_id)
    await bot_repo.sync_bot(tx, twin_id, cfg, at=at, universe=record.universe, underlying=record.underlying,
                            template=record.template, strategy_layer=record.strategy_layer,
                            mode=TWIN_MODE, enabled=False, source="paper twin")
