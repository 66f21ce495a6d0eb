"""Crash harness: the engine runs the order path in a forked child that SIGKILLs itself at a chosen
checkpoint; a second child restarts on the same store and venue, runs recovery, and reports every
broken invariant as JSON. The parent never touches the store itself.

Forking a parent that already built (and JIT-compiled) the simulated market keeps each iteration
cheap; every child leaves with os._exit so no pytest machinery runs twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.states import BotState
from dorado_tui.engine.lifecycle import approval, exits
from dorado_tui.engine.lifecycle.ids import parse_client_order_id
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.engine.lifecycle.settings import ExecutionSettings, LifecycleSettings
from dorado_tui.engine.runtime import TWIN_CAPITAL
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.settings.config import Config
from dorado_tui.store.database import Database
from dorado_tui.store.leases import SqlLeases
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos.orders import IntentStatus
from dorado_tui.store.urls import sqlite_url
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

CHECKPOINTS = ("intent_recorded", "submitted", "answer_recorded", "fills_recorded", "applied", "cancel_sent")
RESTART_DELAY = timedelta(minutes=15)


@dataclass(frozen=True)
class Scenario:
    """One crash: which bot acts, where the child dies (None: it does not), how orders fill."""

    bot: str
    kill_at: str | None
    kill_hit: int = 1
    partial: float | None = None
    walk_steps: int = 1
    start_at_natural: bool = True
    quantity: float = 1.0

    def settings(self) -> LifecycleSettings:
        return LifecycleSettings(execution=ExecutionSettings(
            walk_steps=self.walk_steps, start_at_natural=self.start_at_natural, step_seconds=20.0,
            poll_seconds=5.0, stuck_seconds=40.0, cancel_confirm_seconds=20.0, resubmit_window_seconds=3600.0))


@dataclass(frozen=True)
class Paths:
    home_state: Path
    config: Config

    @property
    def db(self) -> Path:
        return self.home_state / "dorado.db"


def fork_run(fn: Callable[[], int | None]) -> int:
    """Run `fn` in a forked child; the child's exit code, or −signal when it was killed."""
    with warnings.catch_warnings():
        # the parent's idle helper threads (thread pools, the sqlite venue's) hold no lock at a fork
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 70
        try:
            code = fn() or 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _lifecycle(paths: Paths, market: SimulatedMarket, clock: FixedClock, sc: Scenario) -> tuple[Lifecycle, list[Any]]:
    db = Database(sqlite_url(paths.db))
    venue = SimulationVenue(market, clock, paths.home_state / "sim_venue.sqlite",
                            SimVenueConfig(partial_fill_fraction=sc.partial))
    twins = SimulationVenue(market, clock, paths.home_state / "paper_twins.sqlite",
                            SimVenueConfig(account_id="TWINS", initial_cash=TWIN_CAPITAL))
    lc = Lifecycle(config=paths.config, db=db, clock=clock, venue=venue, twin_venue=twins,
                   leases=SqlLeases(db, clock), settings=sc.settings())
    return lc, [venue, twins, db]


async def _close(things: list[Any]) -> None:
    for venue in things[:2]:
        await venue.disconnect()
    await things[2].dispose()


def killer(target: str | None, hit: int) -> Callable[[str], None]:
    seen: Counter[str] = Counter()

    def checkpoint(name: str) -> None:
        seen[name] += 1
        if name == target and seen[name] == hit:
            os.kill(os.getpid(), signal.SIGKILL)
    return checkpoint


async def _current(lc: Lifecycle, template: Candidate, now: datetime) -> Candidate:
    """The template itself while its expiry is a week away or more, else the same structure on
    today's chain (long soak runs outlive any one expiry)."""
    if template.expiry is None or (template.expiry - now.date()).days >= 7:
        return template
    from lifecycle_world import iron_condor, put_spread, short_put

    expiries = await lc.venue.get_expirations(template.underlying)  # type: ignore[attr-defined]
    expiry = min(expiries, key=lambda e: abs((e - now.date()).days - 60))
    chain = await lc.venue.get_chain(template.underlying, expiry)  # type: ignore[attr-defined]
    build = {"short_put": lambda: short_put("t", template.bot_id, chain, template="short_put"),
             "put_credit_spread": lambda: put_spread("q", template.bot_id, chain),
             "iron_condor": lambda: iron_condor("s", template.bot_id, chain)}[template.template]
    return build()


async def _operate(lc: Lifecycle, now: datetime, sc: Scenario, template: Candidate, cid: str) -> str:
    async with lc.db.read() as s:
        state = (await bot_repo.get_bot(s, sc.bot)).state
        held = await position_repo.positions(s, bot_id=sc.bot, paper=False)
    if state is BotState.IDLE:
        template = await _current(lc, template, now)
        c = replace(template, id=cid, bot_id=sc.bot, quantity=sc.quantity, scan_id=f"scan-{cid}")
        async with lc.db.transaction() as tx:
            await candidate_repo.save_candidates(tx, [c], now)
        await lc.intake(_Scan(c.scan_id, (c,)))
        lc.checkpoints = killer(sc.kill_at, sc.kill_hit)
        await approval.approve(lc, cid, tag=None, operator="crash-test")
        return "opened"
    if state in (BotState.MONITORING, BotState.CLOSING) and held:  # CLOSING: the monitor's retry
        lc.checkpoints = killer(sc.kill_at, sc.kill_hit)
        await exits.close(lc, held[0], "crash-test exit", state=state)
        return "closed"
    return f"bot {state.value}: nothing to do"


async def operate(paths: Paths, market: SimulatedMarket, now: datetime, sc: Scenario, template: Candidate,
                  cid: str, verify_to: Path | None = None) -> str:
    """(Restart: recover and write the invariants report to `verify_to`, then) open a position for
    an IDLE bot or close a MONITORING one, dying at the scenario's checkpoint."""
    clock = FixedClock(now)
    lc, things = _lifecycle(paths, market, clock, sc)
    try:
        for v in things[:2]:
            await v.connect()
        if verify_to is not None:
            report = await lc.recover()
            _write(verify_to, {"problems": await _invariants(lc, paths), "recovery": report.as_dict()})
        return await _operate(lc, now, sc, template, cid)
    finally:
        await _close(things)


@dataclass(frozen=True)
class _Scan:
    scan_id: str
    candidates: tuple[Candidate, ...]


def _venue_rows(path: Path) -> tuple[dict[str, tuple[str, float]], dict[str, set[str]], dict[str, float]]:
    """(orders by coid: (status, filled), exec ids by coid, positions) straight from the venue's file."""
    con = sqlite3.connect(path)
    try:
        orders = {c: (s, f) for c, s, f in con.execute("SELECT client_order_id, status, filled FROM orders")}
        execs: dict[str, set[str]] = {}
        for exec_id, coid in con.execute("SELECT exec_id, client_order_id FROM fills"):
            execs.setdefault(coid, set()).add(exec_id)
        held = {s: q for s, q in con.execute("SELECT symbol, quantity FROM positions")}
    finally:
        con.close()
    return orders, execs, held


async def verify(paths: Paths, market: SimulatedMarket, now: datetime, sc: Scenario) -> dict[str, Any]:
    """Restart: recover, then list every invariant the store and the venue break together."""
    clock = FixedClock(now)
    lc, things = _lifecycle(paths, market, clock, sc)
    try:
        for v in things[:2]:
            await v.connect()
        report = await lc.recover()
        problems = await _invariants(lc, paths)
        return {"problems": problems, "recovery": report.as_dict()}
    finally:
        await _close(things)


async def _invariants(lc: Lifecycle, paths: Paths) -> list[str]:
    orders, execs, venue_held = _venue_rows(paths.home_state / "sim_venue.sqlite")
    problems: list[str] = []
    async with lc.db.read() as s:
        intents = {i.order.client_order_id: i for i in await order_repo.list_intents(s)}
        store_fills: dict[str, set[str]] = {}
        for f in await order_repo.fills(s):
            store_fills.setdefault(f.client_order_id, set()).add(f.exec_id)
        open_positions = await position_repo.positions(s, paper=False)
        bots = {b.bot_id: b.state for b in await bot_repo.list_bots(s)}
        stored_orders = {c: await order_repo.get_order(s, c) for c in orders}
    problems += [f"venue order {c} has no intent" for c in orders if c not in intents]
    for coid, intent in intents.items():
        if intent.status in (IntentStatus.RECORDED, IntentStatus.SUBMITTED) and \
                not (coid in orders and orders[coid][0] in ("submitted", "partially_filled")):
            problems.append(f"intent {coid} left {intent.status.value} after recovery")
    for coid in orders:
        if execs.get(coid, set()) != store_fills.get(coid, set()):
            problems.append(f"fills of {coid}: venue {sorted(execs.get(coid, ()))} store {sorted(store_fills.get(coid, ()))}")
        got = stored_orders[coid]
        if got is None or got.status.value != orders[coid][0] or abs(got.filled_quantity - orders[coid][1]) > 1e-9:
            problems.append(f"order {coid}: venue {orders[coid]} store {got and (got.status.value, got.filled_quantity)}")
    problems += _episode_problems(intents, orders)
    held: dict[str, float] = {}
    for p in open_positions:
        for leg in p.legs:
            held[leg.symbol] = held.get(leg.symbol, 0.0) + leg.quantity
    if {k: round(v, 9) for k, v in held.items() if abs(v) > 1e-9} != {k: round(v, 9) for k, v in venue_held.items()}:
        problems.append(f"positions: store {held} venue {venue_held}")
    for p in open_positions:
        if p.legs and bots.get(p.bot_id) not in (BotState.MONITORING, BotState.CLOSING):
            problems.append(f"{p.bot_id} holds {p.position_id} but is {bots.get(p.bot_id)}")
    return problems


def _episode_problems(intents: dict[str, Any], orders: dict[str, tuple[str, float]]) -> list[str]:
    out: list[str] = []
    episodes: dict[str, list[str]] = {}
    for coid in intents:
        key = parse_client_order_id(coid)
        if key is not None:
            episodes.setdefault(key.episode_prefix, []).append(coid)
    for prefix, coids in episodes.items():
        working = [c for c in coids if c in orders and orders[c][0] in ("submitted", "partially_filled")]
        if len(working) > 1:
            out.append(f"episode {prefix} has {len(working)} working orders")
        target = intents[prefix + "1"].order.quantity if prefix + "1" in intents else None
        filled = sum(orders[c][1] for c in coids if c in orders)
        if target is not None and filled > target + 1e-9:
            out.append(f"episode {prefix} filled {filled:g} of a target {target:g}")
    return out


def run_iteration(paths: Paths, market: SimulatedMarket, now: datetime, sc: Scenario, template: Candidate,
                  cid: str, out: Path) -> dict[str, Any]:
    """One crash and restart; the verifier's JSON report (plus how the first child ended)."""
    ended = fork_run(lambda: _write(out.with_suffix(".op"), _run_in_child(operate(paths, market, now, sc, template, cid))))
    result = run_verify(paths, market, now + RESTART_DELAY, sc, out)
    result["operation_exit"] = ended
    result["operation"] = out.with_suffix(".op").read_text() if out.with_suffix(".op").exists() else "killed"
    return result


def run_verify(paths: Paths, market: SimulatedMarket, now: datetime, sc: Scenario, out: Path) -> dict[str, Any]:
    code = fork_run(lambda: _write(out, _run_in_child(verify(paths, market, now, sc))))
    if code != 0 or not out.exists():
        raise AssertionError(f"the verifier failed (exit {code})")
    return dict(json.loads(out.read_text()))


def run_cycle(paths: Paths, market: SimulatedMarket, now: datetime, sc: Scenario, template: Candidate,
              cid: str, verify_to: Path | None, out: Path) -> tuple[int, dict[str, Any] | None]:
    """One child: restart (recover + verify the previous cycle unless first), then the next
    operation; (its exit: −9 when killed, the previous cycle's report)."""
    ended = fork_run(lambda: _write(out, _run_in_child(operate(paths, market, now, sc, template, cid, verify_to))))
    if verify_to is None:
        return ended, None
    if not verify_to.exists():
        raise AssertionError(f"the restarted engine died before verifying (exit {ended})")
    return ended, dict(json.loads(verify_to.read_text()))


def _run_in_child(coro: Any) -> Any:
    """Run a coroutine in a forked child that is about to os._exit: no loop or thread-pool
    shutdown (joining the executor's threads costs a third of a cycle on a busy machine; every
    write is committed before the coroutine returns)."""
    return asyncio.new_event_loop().run_until_complete(coro)


def _write(path: Path, payload: Any) -> int:
    path.write_text(json.dumps(payload, default=str))
    return 0
