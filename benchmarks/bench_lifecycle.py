"""Lifecycle speed: the position fold and NAV, rule evaluation, approval-to-fill, a monitoring pass.

Pure figures (no I/O): folding 1,000 positions of 8 fills each and valuing them (seed 001: NAV
< 5 s), and evaluating every management rule on 1,000 marked positions (a 15-minute pass must
not spend its budget here). End to end on the simulation venue with a SQLite store (a scratch
home, 13 months of daily bars, a fixed clock whose waits are moved, not slept): approving a
candidate until its spread fills (re-check on fresh quotes with the portfolio, intent and
transition in one transaction, a two-step walk), and one monitoring pass over the open positions
(venue events, fresh marks, rules, NAV snapshot, breakers).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.harness import Result, best_ms
from dorado_tui.domain.candidates import Candidate, CandidateLeg, CandidateStatus
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import AssetClass, ExerciseStyle, Right, option_instrument
from dorado_tui.domain.orders import Action, Fill
from dorado_tui.engine.lifecycle.ledger import fold
from dorado_tui.engine.lifecycle.rules import Facts, View, evaluate
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.engine.runtime import TWIN_CAPITAL, open_runtime
from dorado_tui.home import Home, initialize
from dorado_tui.market import history
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.settings.template_parts import Management
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import series
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

POSITIONS, FILLS = 1_000, 8
BOTS = 8
T0 = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
MGMT = Management.model_validate({"profit_target_pct": 50, "stop_loss_pct": 200, "dte_exit": 14,
                                  "breach_action": {"trigger": "short_strike_tested", "action": "close_tested_side"},
                                  "vol_exit": {"trigger": "iv_rank_spike", "threshold": 70, "action": "close_full"}})


def _book() -> tuple[list[list[Fill]], dict[str, object], dict[str, float]]:
    rng = np.random.default_rng(7)
    books, instruments, marks = [], {}, {}
    for p in range(POSITIONS):
        strikes = sorted(rng.choice(np.arange(400, 600, 5.0), 4, replace=False))
        legs = [option_instrument("SPY", date(2025, 4, 17), Right.PUT if i < 2 else Right.CALL, float(k),
                                  ExerciseStyle.AMERICAN) for i, k in enumerate(strikes)]
        fills = []
        for n in range(FILLS):
            inst = legs[n % 4]
            action = Action.SELL if (n % 4) in (1, 2) else Action.BUY
            fills.append(Fill(f"{p}-{n}", f"p{p}.o1-1", "v", inst.symbol, action if n < 4 else action.opposite,
                              1.0, float(rng.uniform(0.5, 5.0)), 100, T0 + timedelta(seconds=n), 0.65))
            instruments[inst.symbol] = inst
            marks[inst.symbol] = float(rng.uniform(0.5, 5.0))
        books.append(fills[:6])  # half-closed books: some legs open, some realized
    return books, instruments, marks


def _pure() -> list[Result]:
    books, instruments, marks = _book()

    def nav() -> float:
        return sum(fold(b, lambda f: instruments[f.symbol]).market_value(marks) for b in books)

    ms = best_ms(nav, repeat=5)
    ledgers = [fold(b, lambda f: instruments[f.symbol]) for b in books]
    views = [View(f"p{i}", T0, date(2025, 3, 20), T0.time(), lg.open_legs, marks, 500.0,
                  lg.realized + lg.unrealized(marks), 150.0) for i, lg in enumerate(ledgers)]
    rules_ms = best_ms(lambda: [evaluate(v, MGMT, Facts(iv_rank=40.0)) for v in views], repeat=5)
    return [Result("fold + value 1,000 positions (NAV)", ms, "ms", 5000.0, f"{POSITIONS} × 6 fills, 4 legs"),
            Result("evaluate every management rule", rules_ms, "ms", 1000.0, f"{POSITIONS} positions, 5 rules")]


async def _world(root: Path, market: SimulatedMarket, clock: FixedClock):  # type: ignore[no-untyped-def]
    home = initialize(Home.at(root)).home
    from dorado_tui.store.database import Database
    from dorado_tui.store.urls import sqlite_url

    db = Database(sqlite_url(home.db_path))
    for sym in ("SPY", "QQQ", "IWM"):
        async with db.transaction() as tx:
            await series.upsert_bars(tx, sym, "1d", history.daily_bars(market, sym, date(2024, 2, 1), date(2025, 3, 7)))
    await db.dispose()
    for i in range(BOTS):
        (home.config_dir / "bots" / f"qqq-bench-{i}.yaml").write_text(
            f"bot:\n  id: qqq-bench-{i}\n  universe: calico-core\n  underlying: QQQ\n  venue_mode: paper\n"
            "  strategy_template: put_credit_spread\n  strategy_layer: L2_credit_spreads\n")
    return home


@dataclass(frozen=True)
class _Scan:
    scan_id: str
    candidates: tuple[Candidate, ...]


def _candidate(i: int, chain: object) -> Candidate:
    puts = sorted((c for c in chain.contracts if c.right is Right.PUT and c.spread_quality < 0.15),  # type: ignore[attr-defined]
                  key=lambda c: abs((c.delta or 0) + 0.2 + 0.01 * i))
    short = puts[0]
    long = min((c for c in puts if c.strike < short.strike), key=lambda c: abs(c.strike - short.strike + 2.5))
    legs = tuple(CandidateLeg(r, c.instrument, a, 1, c.bid, c.ask, c.delta, c.implied_vol)
                 for r, c, a in (("short_put", short, Action.SELL), ("long_put", long, Action.BUY)))
    credit = (short.mid - long.mid) * 100
    width = short.strike - long.strike
    return Candidate(id=f"bench-{i}", scan_id="bench", bot_id=f"qqq-bench-{i}", underlying="QQQ",
                     asset_class=AssetClass.EQUITY_OPTIONS, template="put_credit_spread",
                     strategy_layer="L2_credit_spreads", legs=legs, expiry=short.expiration,
                     dte=short.dte(T0.date()), credit=credit, max_loss=width * 100 - credit, max_profit=credit,
                     width=width, breakevens=(), pop=0.7, status=CandidateStatus.SELECTED, data_quality=0.95,
                     gates=(Decision.ok("gate.bench", "bench"),))


async def _end_to_end() -> list[Result]:
    market = SimulatedMarket(MarketSpec(7, date(2024, 1, 2)), until=date(2025, 12, 31))
    clock = FixedClock(T0)
    with tempfile.TemporaryDirectory() as tmp:
        home = await _world(Path(tmp) / "home", market, clock)
        venue = SimulationVenue(market, clock, home.state_dir / "sim_venue.sqlite")
        twins = SimulationVenue(market, clock, home.state_dir / "paper_twins.sqlite",
                                SimVenueConfig(account_id="TWINS", initial_cash=TWIN_CAPITAL))
        async with open_runtime(home, clock=clock, venue=venue, twin_venue=twins) as rt:
            lc = Lifecycle.from_runtime(rt)
            await lc.start()
            expiry = min(await venue.get_expirations("QQQ"), key=lambda e: abs((e - T0.date()).days - 35))
            chain = await venue.get_chain("QQQ", expiry)
            approvals = []
            for i in range(BOTS):
                c = _candidate(i, chain)
                async with rt.db.transaction() as tx:
                    await candidate_repo.save_candidates(tx, [c], clock.now())
                await lc.intake(_Scan("bench", (c,)))
                t = time.perf_counter()
                done = await lc.approve(c.id, operator="bench")
                approvals.append(time.perf_counter() - t)
                assert done.finished.outcome.filled == 1.0, done.finished.as_dict()
                clock.advance(timedelta(minutes=1))
            passes = []
            for _ in range(3):
                clock.advance(timedelta(minutes=15))
                t = time.perf_counter()
                await lc.monitor(live=True)
                passes.append(time.perf_counter() - t)
    return [Result("approve → filled (re-check, intent, 2-step walk)", statistics.median(approvals) * 1e3, "ms",
                   2000.0, f"median of {BOTS} QQQ put spreads, SQLite, simulation venue"),
            Result("monitoring pass", min(passes) * 1e3, "ms", 10_000.0,
                   f"{BOTS} open spreads: venue events, marks, rules, NAV, breakers")]


def main() -> list[Result]:
    return _pure() + asyncio.run(_end_to_end())


if __name__ == "__main__":
    from benchmarks.harness import print_results

    print_results(main())
