"""Bots: versioned configs, audited state transitions, stale and illegal moves, signals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.errors import IllegalTransition
from dorado_tui.domain.states import BotState
from dorado_tui.store.database import Database
from dorado_tui.store.errors import DuplicateKey, NotFound, StaleState
from dorado_tui.store.repos import audit, bots

CONFIG = {"id": "spy_ic", "template": "iron_condor", "risk": {"max_loss_pct": 1.5}}


async def _register(db: Database, clock: FixedClock, payload: dict[str, object] = CONFIG) -> bots.BotRecord:
    async with db.transaction() as tx:
        return await bots.sync_bot(tx, "spy_ic", payload, at=clock.now(), universe="core", underlying="SPY",
                                   template="iron_condor", strategy_layer="L2", source="config/bots/spy_ic.yaml")


async def test_new_bot_starts_idle_with_config_version_one(db: Database, clock: FixedClock) -> None:
    record = await _register(db, clock)

    async with db.read() as session:
        stored = await bots.get_bot(session, "spy_ic")
        payload = await bots.bot_config(session, "spy_ic")

    assert record.state is BotState.IDLE and record.config_version == 1
    assert stored == record
    assert payload == CONFIG


async def test_same_payload_keeps_the_version_and_a_changed_one_adds_a_version(
        db: Database, clock: FixedClock) -> None:
    await _register(db, clock)
    again = await _register(db, clock, dict(CONFIG))
    changed = await _register(db, clock, {**CONFIG, "risk": {"max_loss_pct": 1.0}})

    async with db.read() as session:
        first = await bots.bot_config(session, "spy_ic", version=1)
        newest = await bots.bot_config(session, "spy_ic")
        entries = await audit.tail(session, 10)

    assert (again.config_version, changed.config_version) == (1, 2)
    assert first == CONFIG and newest["risk"] == {"max_loss_pct": 1.0}
    assert [(e.action, e.payload["version"]) for e in entries] == [("bot.config", 1), ("bot.config", 2)]


async def test_transition_is_stored_with_its_event_and_audited(db: Database, clock: FixedClock) -> None:
    await _register(db, clock)

    async with db.transaction() as tx:
        step = await bots.record_transition(tx, "spy_ic", BotState.SIGNAL_RECEIVED, at=clock.now(),
                                            reason="daily scan", candidate_id="c1")
    async with db.read() as session:
        record = await bots.get_bot(session, "spy_ic")
        history = await bots.transitions(session, "spy_ic")
        last = (await audit.tail(session, 1))[0]

    assert step.event == "signal ingested"
    assert record is not None and record.state is BotState.SIGNAL_RECEIVED
    assert history == [step]
    assert (last.action, last.subject, last.payload["from"], last.payload["to"]) == (
        "bot.transition", "spy_ic", "IDLE", "SIGNAL_RECEIVED")


async def test_illegal_transition_is_refused_and_nothing_is_written(db: Database, clock: FixedClock) -> None:
    await _register(db, clock)

    with pytest.raises(IllegalTransition, match="illegal transition IDLE -> EXECUTING"):
        async with db.transaction() as tx:
            await bots.record_transition(tx, "spy_ic", BotState.EXECUTING, at=clock.now())
    async with db.read() as session:
        record = await bots.get_bot(session, "spy_ic")
        history = await bots.transitions(session, "spy_ic")

    assert record is not None and record.state is BotState.IDLE
    assert history == []


async def test_a_move_from_a_state_the_bot_already_left_is_stale(db: Database, clock: FixedClock) -> None:
    """Two consoles approve the same bot: the second one's expectation no longer holds."""
    await _register(db, clock)
    async with db.transaction() as tx:
        for state in (BotState.SIGNAL_RECEIVED, BotState.RISK_CHECK, BotState.AWAITING_APPROVAL):
            await bots.record_transition(tx, "spy_ic", state, at=clock.advance(timedelta(seconds=1)))
    async with db.transaction() as tx:
        await bots.record_transition(tx, "spy_ic", BotState.EXECUTING, at=clock.now(),
                                     expected_from=BotState.AWAITING_APPROVAL)

    with pytest.raises(StaleState, match="bot spy_ic is EXECUTING, not AWAITING_APPROVAL as expected"):
        async with db.transaction() as tx:
            await bots.record_transition(tx, "spy_ic", BotState.EXECUTING, at=clock.now(),
                                         expected_from=BotState.AWAITING_APPROVAL)


async def test_transition_of_an_unknown_bot_is_not_found(db: Database, clock: FixedClock) -> None:
    with pytest.raises(NotFound, match="no bot 'ghost' in the store"):
        async with db.transaction() as tx:
            await bots.record_transition(tx, "ghost", BotState.SIGNAL_RECEIVED, at=clock.now())


async def test_signals_keep_research_context_and_the_action_taken(db: Database, clock: FixedClock) -> None:
    signal = bots.SignalRecord("sig-1", source="scheduler", kind="scan", received_at=clock.now(),
                               bot_id="spy_ic", underlying="SPY", payload={"scan_id": "s1"},
                               research_context={"iv_rank": 41.5, "regime": "goldilocks"})
    async with db.transaction() as tx:
        await bots.record_signal(tx, signal)
        await bots.set_signal_action(tx, "sig-1", "candidates", "3 candidates passed the gates")

    with pytest.raises(DuplicateKey, match="signal 'sig-1' exists already"):
        async with db.transaction() as tx:
            await bots.record_signal(tx, signal)
    async with db.read() as session:
        (stored,) = await bots.signals(session, bot_id="spy_ic")

    assert stored.research_context == {"iv_rank": 41.5, "regime": "goldilocks"}
    assert (stored.action, stored.action_reason) == ("candidates", "3 candidates passed the gates")


async def test_universe_upsert_replaces_the_payload(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await bots.upsert_universe(tx, "core", "equity_options", {"underlyings": ["SPY"]}, clock.now())
        await bots.upsert_universe(tx, "core", "equity_options", {"underlyings": ["SPY", "QQQ"]}, clock.now())

    async with db.read() as session:
        from sqlalchemy import select

        from dorado_tui.store.tables import UniverseRow

        rows = (await session.execute(select(UniverseRow))).scalars().all()

    assert [(r.name, r.payload) for r in rows] == [("core", {"underlyings": ["SPY", "QQQ"]})]
