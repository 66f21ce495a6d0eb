"""The console backend over the real engine and the simulation venue, without the UI: what the
snapshot says, what the live stream carries (also what another process wrote), and what each
operator action leaves in the store and at the venue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from console_world import at_venue, read_store, rest_an_order
from console_world import backend as engine_backend

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.errors import StoreError
from dorado_tui.domain.states import BotState, TradingState
from dorado_tui.engine.console_backend import (
    ConsoleCore,
    EngineConsoleBackend,
    build_console_scheduler,
)
from dorado_tui.engine.console_views import (
    ConsoleEvent,
    EventKind,
    EventView,
    PositionMark,
    SchedulerRole,
    Severity,
    SnapshotInvalidated,
)
from dorado_tui.engine.lifecycle.ids import position_id
from dorado_tui.engine.risk_service import RiskService
from dorado_tui.home import Home
from dorado_tui.jobs import make_scheduler
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.quant.stress import CRASH_2008, SCENARIOS
from dorado_tui.risk.trading_state import Trip
from dorado_tui.settings import load_config
from dorado_tui.store.database import Database
from dorado_tui.store.leases import SqlLeases
from dorado_tui.store.repos import audit
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos import risk as risk_repo
from dorado_tui.venues.simulation.venue import SimulationVenue


@pytest.fixture
async def backend(home: Home, market: SimulatedMarket, clock: FixedClock) -> AsyncIterator[EngineConsoleBackend]:
    b = engine_backend(home, market, clock)
    await b.open()
    try:
        yield b
    finally:
        await b.close()


async def _next(stream: AsyncIterator[ConsoleEvent], want: Callable[[ConsoleEvent], bool],
                within: float = 20.0) -> ConsoleEvent:
    """The first item of the live stream that `want`s (the stream is event-driven: no sleeping)."""
    async def find() -> ConsoleEvent:
        async for item in stream:
            if want(item):
                return item
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(find(), within)


async def _selected(backend: EngineConsoleBackend) -> str:
    """Scan and return the best-ranked selected candidate."""
    result = await backend.scan_now()
    assert result.ok, result.message
    snap = await backend.snapshot()
    assert snap.scan is not None
    return next(c.id for c in snap.scan.candidates if c.status is CandidateStatus.SELECTED)


async def test_snapshot_versions_grow_and_read_the_clock_and_the_venue(
        backend: EngineConsoleBackend, clock: FixedClock) -> None:
    first = await backend.snapshot()
    clock.advance(timedelta(seconds=5))
    second = await backend.snapshot()

    assert second.version > first.version
    assert (first.asof, second.asof) == (clock.now() - timedelta(seconds=5), clock.now())
    st = second.status
    assert (st.venue, st.venue_mode, st.connected) == ("SIM", "simulation", True)
    assert "account SIM-1" in st.venue_detail and st.store_url.startswith("sqlite+aiosqlite:///")
    assert st.trading.global_state is TradingState.ACTIVE and st.trading.kill_banner is None
    assert {b.id for b in second.bots} == set(load_config(backend.core.home).bots)
    assert [e.seq for e in second.events] == sorted({e.seq for e in second.events})


async def test_a_burst_of_snapshot_reads_shares_at_most_two_reads(backend: EngineConsoleBackend) -> None:
    before = await backend.snapshot()

    burst = await asyncio.gather(*(backend.snapshot() for _ in range(12)))

    versions = sorted({s.version for s in burst})
    assert 1 <= len(versions) <= 2 and versions[0] > before.version


async def test_another_process_halting_a_layer_reaches_the_stream_and_the_snapshot(
        backend: EngineConsoleBackend, home: Home, clock: FixedClock) -> None:
    stream = backend.events()
    before = await backend.snapshot()
    other = Database(load_config(home).store_url())  # its own connection and no shared bus: a second process
    try:
        risk = RiskService(other, load_config(home).risk_policy, clock)
        await risk.trip([Trip("layer:L2_credit_spreads", TradingState.REDUCING, "LAYER_DAILY_LOSS",
                              "layer L2 lost 1.3 % today", clock.now())])
    finally:
        await other.dispose()

    event = await _next(stream, lambda e: isinstance(e, EventView) and e.kind is EventKind.BREAKER)
    assert isinstance(event, EventView)
    assert event.text == "layer:L2_credit_spreads ACTIVE → REDUCING: layer L2 lost 1.3 % today"
    assert event.severity is Severity.ERROR and event.seq > max((e.seq for e in before.events), default=0)
    await _next(stream, lambda e: isinstance(e, SnapshotInvalidated))
    after = await backend.snapshot()
    assert after.trading.layers["L2_credit_spreads"] is TradingState.REDUCING
    assert {b.id: b.trading_state for b in after.bots}["qqq-pcs-01"] is TradingState.REDUCING
    assert after.events[-1] == event


async def test_an_open_position_is_marked_from_the_venues_quotes(backend: EngineConsoleBackend) -> None:
    stream = backend.events()
    chosen = await _selected(backend)
    assert (await backend.approve(chosen, None)).ok
    pid = position_id(chosen)

    # a pass now rather than the pump's next tick (the stream, attached at `events()`, gets it)
    await backend.call(lambda core: core.marks.mark_once())
    mark = await _next(stream, lambda e: isinstance(e, PositionMark) and e.position_id == pid, within=60.0)
    assert isinstance(mark, PositionMark)
    held = await read_store(backend, lambda s: position_repo.get_position(s, pid))
    assert held is not None
    quotes = await at_venue(backend, lambda v: v.get_option_quotes([leg.instrument for leg in held.legs]))  # type: ignore[attr-defined]
    mids = {q.symbol: q.mid for q in quotes}
    expected = sum(leg.quantity * (mids[leg.symbol] - leg.avg_cost) * leg.instrument.multiplier for leg in held.legs)
    assert mark.unrealized_pnl == pytest.approx(expected, abs=1e-6)
    snap = await backend.snapshot()
    view = next(p for p in snap.positions if p.id == pid)
    assert view.state is BotState.MONITORING and view.dte is not None and view.dte > 0
    assert view.entry_credit == pytest.approx(-held.entry_price * 100)
    assert view.entry_credit - view.mark == pytest.approx(expected / held.quantity, abs=1e-6)  # type: ignore[operator]
    assert view.pnl_by_side == pytest.approx({"put": expected}, abs=1e-6)
    assert view.management.startswith("hold")


async def test_the_risk_view_holds_heat_as_a_fraction_of_nav(backend: EngineConsoleBackend) -> None:
    chosen = await _selected(backend)
    assert (await backend.approve(chosen, None)).ok

    risk = await backend.call(lambda core: core.risk.build())
    held = await read_store(backend, lambda s: position_repo.positions(s, paper=False))
    nav = (await at_venue(backend, lambda v: v.get_account_state())).net_liquidation
    assert risk.heat == pytest.approx(sum(p.max_loss for p in held) / nav, rel=1e-9)
    heat = next(d for d in risk.limits if d.check == "portfolio.heat")
    assert heat.details["unit"] == "pct" and heat.figure == pytest.approx(risk.heat) and heat.limit == 0.30
    assert risk.stress is not None
    zero_vol = risk.stress.vol_shocks.index(0.0)
    row = dict(zip(risk.stress.spot_shocks, risk.stress.pnl[zero_vol], strict=True))
    assert row[0.0] == pytest.approx(0.0, abs=1e-6)
    assert row[-0.2] < row[-0.05] < 0.0  # a short put loses as the underlying falls
    assert all(b.unit == "pct" for b in risk.breakers)
    named = dict(risk.scenarios)
    assert list(named) == [s.name for s in SCENARIOS]
    assert named[CRASH_2008.name] < 0.0  # a market crash costs a short put


async def test_kill_reports_the_cancelled_orders_and_the_banner_names_them(
        backend: EngineConsoleBackend) -> None:
    await at_venue(backend, rest_an_order)

    report = await backend.kill()

    assert (report.state, report.cancelled_orders, report.working_orders) == (TradingState.HALTED, 1, 0)
    assert await backend.orders_in_flight() == 0
    snap = await backend.snapshot()
    assert snap.trading.global_state is TradingState.HALTED
    assert snap.trading.kill_banner == "HALTED by kill switch at 11:00:00 EDT — 1 orders cancelled"


async def test_resume_without_a_reason_is_refused_and_keeps_the_halt(backend: EngineConsoleBackend) -> None:
    await backend.kill()

    refused = await backend.resume("   ")

    assert not refused.ok and refused.message == "a resume needs a reason (what was checked)"
    state = await read_store(backend, risk_repo.get_trading_state)
    assert state.state is TradingState.HALTED


async def test_close_leaves_working_orders_working(home: Home, market: SimulatedMarket, clock: FixedClock) -> None:
    b = engine_backend(home, market, clock)
    await b.open()
    coid = await at_venue(b, rest_an_order)
    await b.close()

    venue = SimulationVenue(market, clock, home.state_dir / "sim_venue.sqlite")
    await venue.connect()
    try:
        assert [o.client_order_id for o in await venue.get_open_orders()] == [coid]
    finally:
        await venue.disconnect()


async def test_rejecting_a_candidate_stores_the_reason_and_frees_the_bot(backend: EngineConsoleBackend) -> None:
    chosen = await _selected(backend)

    result = await backend.reject(chosen, "earnings next week")

    assert result.ok
    stored = await read_store(backend, lambda s: candidate_repo.get_candidate(s, chosen))
    assert stored is not None and stored.status is CandidateStatus.REJECTED
    assert stored.status_reason == "rejected by tester: earnings next week"
    bot = await read_store(backend, lambda s: bot_repo.get_bot(s, stored.bot_id))
    assert bot is not None and bot.state is BotState.IDLE


async def test_approving_a_candidate_that_no_longer_waits_is_a_refusal(backend: EngineConsoleBackend) -> None:
    chosen = await _selected(backend)
    assert (await backend.reject(chosen, "not today")).ok

    again = await backend.approve(chosen, None)

    assert not again.ok and "is rejected, not pending: nothing to approve" in again.message


async def test_a_scan_while_another_process_scans_is_a_refusal(
        backend: EngineConsoleBackend, home: Home, clock: FixedClock) -> None:
    other = Database(load_config(home).store_url())
    try:
        assert await SqlLeases(other, clock).acquire("scan", "cron-scan", 600)
        result = await backend.scan_now()
    finally:
        await other.dispose()

    assert not result.ok and "another scan is running" in result.message and "cron-scan" in result.message


async def test_disabling_a_bot_writes_its_file_registers_a_version_and_stops_its_scans(
        backend: EngineConsoleBackend, home: Home) -> None:
    path = home.config_dir / "bots" / "gld-wheel-01.yaml"
    before = await read_store(backend, lambda s: bot_repo.get_bot(s, "gld-wheel-01"))

    result = await backend.set_bot_enabled("gld-wheel-01", False)

    assert result.ok and result.message == "gld-wheel-01 disabled; saved in config/bots/gld-wheel-01.yaml"
    text = path.read_text()
    assert "  enabled: false\n" in text and text.startswith("# GLD wheel: puts, assignment, covered calls.")
    assert load_config(home).bots["gld-wheel-01"].enabled is False  # what every process loads next
    after = await read_store(backend, lambda s: bot_repo.get_bot(s, "gld-wheel-01"))
    assert before is not None and after is not None
    assert not after.enabled and after.config_version == before.config_version + 1
    entries = await read_store(backend, lambda s: audit.tail(s, 5))
    assert (entries[-1].action, entries[-1].actor, entries[-1].payload["enabled"]) == ("bot.enabled", "tester", False)
    scanning = await backend.call(_scan_bots)
    assert "gld-wheel-01" not in scanning and "tlt-sp-01" in scanning
    snap = await backend.snapshot()
    assert {b.id: b.enabled for b in snap.bots}["gld-wheel-01"] is False


async def _scan_bots(core: ConsoleCore) -> list[str]:
    return [b.id for b in core.engine.scanner.scan_bots()]


async def test_the_built_in_scheduler_takes_the_lease_and_a_second_console_attaches(
        backend: EngineConsoleBackend, home: Home, market: SimulatedMarket, clock: FixedClock) -> None:
    first = build_console_scheduler(home, backend, make_scheduler)
    assert first is not None
    second_backend = engine_backend(home, market, clock)
    await second_backend.open()
    second = build_console_scheduler(home, second_backend, make_scheduler)
    assert second is not None
    try:
        assert await first.start() is SchedulerRole.OWNER
        assert await second.start() is SchedulerRole.ATTACHED
        jobs = first.next_jobs(3)
        assert len(jobs) == 3 and [j.next_run for j in jobs] == sorted(j.next_run for j in jobs)  # type: ignore[type-var]
        snap = await backend.snapshot()
        assert (snap.status.scheduler_role, snap.status.next_jobs) == (SchedulerRole.OWNER, jobs)
        assert (await second_backend.snapshot()).status.scheduler_role is SchedulerRole.ATTACHED
    finally:
        await second.shutdown()
        await first.shutdown()
        await second_backend.close()
    holder = await backend.call(lambda core: SqlLeases(core.engine.rt.db, clock).holder("scheduler"))
    assert first.role is SchedulerRole.OFF and holder is None


async def test_opening_on_a_store_never_initialised_says_so_and_stops_the_engine_loop(
        home: Home, market: SimulatedMarket, clock: FixedClock) -> None:
    for name in ("dorado.db", "dorado.db-wal", "dorado.db-shm"):
        (home.state_dir / name).unlink(missing_ok=True)
    b = engine_backend(home, market, clock)

    with pytest.raises(StoreError, match="is not initialised: run `dorado init`"):
        await b.open()

    assert not b.thread.running


async def test_resume_clears_the_halt_and_every_latched_breaker_with_the_reason(
        backend: EngineConsoleBackend, clock: FixedClock) -> None:
    trip = Trip("layer:ZERO_DTE", TradingState.REDUCING, "LAYER_DAILY_LOSS", "layer ZERO_DTE lost 1.1 %", clock.now())
    await backend.call(lambda core: core.engine.risk.trip([trip]))
    await backend.kill()

    result = await backend.resume("losses reviewed")

    assert result.ok and result.message == "trading resumed (global and 1 latched scope(s))"
    assert [d.reason for d in result.decisions] == [
        "global HALTED → ACTIVE by tester: losses reviewed (cleared: KILL_SWITCH)",
        "layer:ZERO_DTE REDUCING → ACTIVE by tester: losses reviewed (cleared: LAYER_DAILY_LOSS)"]
    states = await read_store(backend, risk_repo.trading_states)
    assert {s: r.state for s, r in states.items()} == {"global": TradingState.ACTIVE,
                                                       "layer:ZERO_DTE": TradingState.ACTIVE}
    snap = await backend.snapshot()
    assert snap.trading.global_state is TradingState.ACTIVE and snap.trading.kill_banner is None
