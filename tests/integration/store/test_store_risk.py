"""Risk events as persisted Decisions; trading states per scope, audited, worst-of."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import TradingState
from dorado_tui.store.database import Database
from dorado_tui.store.repos import audit, risk


async def test_risk_events_round_trip_their_decisions_and_scope(db: Database, clock: FixedClock) -> None:
    heat = Decision.deny("portfolio.heat", "HEAT_LIMIT", "heat 6.2% above 6.0%", 0.062, 0.06, positions=7)
    cash = Decision.ok("portfolio.min_cash", "cash 31% above 20%", 0.31, 0.2)
    async with db.transaction() as tx:
        await risk.record_risk_events(tx, [heat, cash], at=clock.now(), scope="layer:L2", candidate_id="cand-1")
        await risk.record_risk_events(tx, [Decision.deny("breaker.daily_loss", "DAILY_LOSS", "down 2.1%")],
                                      at=clock.advance(timedelta(minutes=1)), kind="breaker")

    async with db.read() as session:
        layer = await risk.risk_events(session, scope="layer:L2")
        failed = await risk.risk_events(session, failed_only=True)
        breakers = await risk.risk_events(session, kind="breaker")

    assert sorted((e.decision for e in layer), key=lambda d: d.check) == [heat, cash]
    assert all(e.scope == "layer:L2" and e.candidate_id == "cand-1" for e in layer)
    assert [e.decision.code for e in failed] == ["DAILY_LOSS", "HEAT_LIMIT"]
    assert [e.scope for e in breakers] == ["global"]


async def test_unset_scope_reads_active_and_unlatched(db: Database) -> None:
    async with db.read() as session:
        state = await risk.get_trading_state(session)

    assert (state.scope, state.state, state.latched, state.at) == ("global", TradingState.ACTIVE, False, None)


async def test_set_state_is_stored_latched_and_audited_with_the_previous_state(
        db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await risk.set_trading_state(tx, TradingState.HALTED, reason="kill switch", set_by="operator",
                                     at=clock.now(), latched=True, details={"trips": [{"code": "KILL"}]})
    async with db.read() as session:
        state = await risk.get_trading_state(session)
        entry = (await audit.tail(session, 1))[0]

    assert (state.state, state.reason, state.latched, state.set_by, state.at) == (
        TradingState.HALTED, "kill switch", True, "operator", clock.now())
    assert state.details == {"trips": [{"code": "KILL"}]}
    assert entry.action == "trading_state.set" and entry.subject == "global"
    assert entry.payload == {"from": "ACTIVE", "to": "HALTED", "reason": "kill switch", "latched": True,
                             "was_latched": False}


async def test_effective_state_is_the_worst_of_global_layer_and_bot(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await risk.set_trading_state(tx, TradingState.REDUCING, scope="layer:L2", reason="drawdown 8%",
                                     set_by="risk", at=clock.now(), latched=True)
        await risk.set_trading_state(tx, TradingState.HALTED, scope="bot:btc_trend", reason="stop guard",
                                     set_by="risk", at=clock.now())

    async with db.read() as session:
        l2_bot = await risk.effective_trading_state(session, ["layer:L2", "bot:spy_ic"], lock=True)
        btc = await risk.effective_trading_state(session, ["layer:L3", "bot:btc_trend"])
        other = await risk.effective_trading_state(session, ["layer:L1"])
        everything = await risk.trading_states(session)

    assert (l2_bot, btc, other) == (TradingState.REDUCING, TradingState.HALTED, TradingState.ACTIVE)
    assert sorted(everything) == ["bot:btc_trend", "layer:L2"]


async def test_resume_overwrites_the_scope_and_the_audit_shows_both_steps(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as tx:
        await risk.set_trading_state(tx, TradingState.HALTED, reason="kill", set_by="operator", at=clock.now(),
                                     latched=True)
    async with db.transaction() as tx:
        await risk.set_trading_state(tx, TradingState.ACTIVE, reason="resume: fills reconciled",
                                     set_by="operator", at=clock.advance(timedelta(hours=1)))

    async with db.read() as session:
        state = await risk.get_trading_state(session)
        steps = [(e.payload["from"], e.payload["to"], e.payload["was_latched"]) for e in await audit.tail(session)]

    assert state.state is TradingState.ACTIVE and not state.latched
    assert steps == [("ACTIVE", "HALTED", False), ("HALTED", "ACTIVE", True)]


async def test_concurrent_setters_leave_an_audit_trail_where_each_from_is_the_previous_to(
        db: Database, clock: FixedClock) -> None:
    import asyncio

    states = [TradingState.HALTED, TradingState.REDUCING, TradingState.ACTIVE] * 4

    async def one(i: int, state: TradingState) -> None:
        async with db.transaction() as tx:
            await risk.set_trading_state(tx, state, reason=f"setter {i}", set_by=f"p{i}", at=clock.now())

    await asyncio.gather(*(one(i, s) for i, s in enumerate(states)))
    async with db.read() as session:
        steps = [(e.payload["from"], e.payload["to"]) for e in await audit.tail(session, 50)]
        final = await risk.get_trading_state(session)

    assert len(steps) == len(states)
    assert steps[0][0] == "ACTIVE"
    assert all(prev[1] == nxt[0] for prev, nxt in pairwise(steps))
    assert final.state.value == steps[-1][1]
