"""A small simulated world for lifecycle tests: a home copied from a template, the shared market,
both simulation accounts, a fixed clock, and candidates built from the venue's own chains."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dorado_tui.domain.candidates import Candidate, CandidateLeg, CandidateStatus
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import AssetClass, OptionChain, OptionContract, Right
from dorado_tui.domain.orders import Action
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.engine.lifecycle.settings import ExecutionSettings, LifecycleSettings
from dorado_tui.engine.runtime import TWIN_CAPITAL, Runtime, open_runtime
from dorado_tui.home import Home
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.venue import SimulationVenue

SPEC = MarketSpec(seed=7, start=date(2024, 1, 2))
UNTIL = date(2026, 6, 30)
#: A Monday, 11:00 in New York: the market is open.
MONDAY = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
FAST = LifecycleSettings(execution=ExecutionSettings(walk_steps=3, step_seconds=20.0, poll_seconds=5.0,
                                                     stuck_seconds=40.0, cancel_confirm_seconds=20.0))


HISTORY_SYMBOLS = ("SPY", "QQQ", "IWM", "TLT", "GLD")


async def store_history(home: Home, market: SimulatedMarket) -> None:
    """A year of daily bars and ATM IV before MONDAY, as `dorado data simulate` would store them."""
    from dorado_tui.market import history
    from dorado_tui.store.database import Database
    from dorado_tui.store.repos import series
    from dorado_tui.store.urls import sqlite_url

    start, end = date(2024, 2, 1), date(2025, 3, 7)
    db = Database(sqlite_url(home.db_path))
    try:
        for sym in HISTORY_SYMBOLS:
            async with db.transaction() as tx:
                await series.upsert_bars(tx, sym, "1d", history.daily_bars(market, sym, start, end))
                await series.upsert_iv(tx, sym, history.iv_history(market, sym, start, end))
    finally:
        await db.dispose()


def build_market() -> SimulatedMarket:
    return SimulatedMarket(SPEC, until=UNTIL)


def copy_home(template: Path, target: Path) -> Home:
    shutil.copytree(template, target)
    return Home.at(target)


def write_bot(home: Home, bot_id: str, underlying: str, template: str, layer: str | None, *,
              approval: str = "human_required", timeout_hours: float = 4.0) -> None:
    text = (f"bot:\n  id: {bot_id}\n  universe: calico-core\n  underlying: {underlying}\n"
            f"  venue_mode: paper\n  strategy_template: {template}\n"
            f"  strategy_layer: {layer if layer else 'null'}\n  signal_mode: scan\n"
            f"  approval_mode: {approval}\n  timeout_hours: {timeout_hours}\n")
    (home.config_dir / "bots" / f"{bot_id}.yaml").write_text(text)


def loosen_policy(home: Home) -> None:
    """Portfolio, trade and sizing limits the wheel tests' puts and shares fit under (the
    L1_wheel layer's own per-trade caps replace the trade ones for its trades and stay as
    shipped). Every replacement must apply: a shipped policy that moved on fails here, not
    as a puzzling refusal later."""
    path = home.config_dir / "risk_policy.yaml"
    text = path.read_text()
    for old, new in (
        ("max_loss_per_trade: 2000 ", "max_loss_per_trade: 60000 "),
        ("max_loss_per_trade_pct: 4\n", "max_loss_per_trade_pct: 60\n"),
        ("max_single_underlying_pct: 15 ", "max_single_underlying_pct: 60 "),
        ("max_heat_pct: 30 ", "max_heat_pct: 80 "),
        ("templates: [short_put, wheel, covered_call]",
         "templates: [short_put, wheel, covered_call, wheel_t, covered_call_t]"),
        ("min_cash_pct: 20\n", "min_cash_pct: 0\n"),
        ("max_abs_delta: 0.50", "max_abs_delta: 1.0"),
        ("default_method: adaptive_rules", "default_method: fixed_risk_pct"),
        ("base_risk_pct: 2.0 ", "base_risk_pct: 4.0 "),
    ):
        assert text.count(old) == 1, f"the shipped risk policy no longer has exactly one {old!r}"
        text = text.replace(old, new)
    path.write_text(text)


WHEEL_T = """strategy:
  name: Wheel (test)
  type: options_wheel
  underlying_class: equity_options
  legs: 1
  structure:
    - {role: short_put, position: sell}
  entry:
    short_put: {method: delta, delta_target: [-0.99, -0.70]}
    dte_range: [3, 10]
  lifecycle:
    on_assignment: covered_call_t
    on_called_away: wheel_t
"""
COVERED_CALL_T = """strategy:
  name: Covered Call (test, deep in the money)
  type: options_income
  underlying_class: equity_options
  legs: 2
  structure:
    - {role: stock, position: buy, instrument: stock}
    - {role: short_call, position: sell}
  entry:
    short_call: {method: delta, delta_target: [0.85, 0.99]}
    dte_range: [3, 12]
"""


def write_wheel_templates(home: Home) -> None:
    """A wheel whose put is deep in the money and whose covered call is too: assignment and
    calling away are (all but) certain, so one short test walks the whole cycle."""
    (home.strategies_dir / "wheel_t.yaml").write_text(WHEEL_T)
    (home.strategies_dir / "covered_call_t.yaml").write_text(COVERED_CALL_T)


@dataclass
class World:
    rt: Runtime
    lc: Lifecycle
    clock: FixedClock
    venue: SimulationVenue
    twins: SimulationVenue
    scans: int = field(default=0)

    async def chain(self, underlying: str, dte: int) -> OptionChain:
        expiries = await self.venue.get_expirations(underlying)
        today = self.clock.now().date()
        expiry = min(expiries, key=lambda e: abs((e - today).days - dte))
        return await self.venue.get_chain(underlying, expiry)


@asynccontextmanager
async def open_world(home: Home, market: SimulatedMarket, clock: FixedClock, *,
                     settings: LifecycleSettings = FAST, partial: float | None = None, cash: float = 100_000.0,
                     venue_cls: type[SimulationVenue] = SimulationVenue, **lifecycle: Any) -> AsyncIterator[World]:
    state = home.state_dir
    venue = venue_cls(market, clock, state / "sim_venue.sqlite",
                      SimVenueConfig(partial_fill_fraction=partial, initial_cash=cash))
    twins = SimulationVenue(market, clock, state / "paper_twins.sqlite",
                            SimVenueConfig(account_id="TWINS", initial_cash=TWIN_CAPITAL))
    async with open_runtime(home, clock=clock, venue=venue, twin_venue=twins) as rt:
        lc = Lifecycle.from_runtime(rt, settings=settings, **lifecycle)
        await lc.start()
        yield World(rt, lc, clock, venue, twins)


def _leg(c: OptionContract, role: str, action: Action) -> CandidateLeg:
    return CandidateLeg(role, c.instrument, action, 1, c.bid, c.ask, c.delta, c.implied_vol)


def _near(chain: OptionChain, right: Right, delta: float) -> OptionContract:
    found = chain.nearest_delta(delta, right, chain.contracts[0].expiration)
    assert found is not None
    return found


def _below(chain: OptionChain, strike: float, right: Right, width: float) -> OptionContract:
    """The wing nearest `width` away whose bid-ask spread is under 15 % of mid."""
    target = strike - width if right is Right.PUT else strike + width
    away = (lambda c: c.strike < strike) if right is Right.PUT else (lambda c: c.strike > strike)
    pool = [c for c in chain.contracts if c.right is right and away(c) and c.spread_quality < 0.15]
    return min(pool, key=lambda c: abs(c.strike - target))


def _candidate(cid: str, bot_id: str, chain: OptionChain, legs: Sequence[CandidateLeg], *, template: str,
               layer: str, max_loss: float, width: float | None, quantity: float, rank: int,
               status: CandidateStatus, score: float) -> Candidate:
    mult = legs[0].instrument.multiplier
    credit = -sum(leg.action.sign * leg.mid for leg in legs) * mult
    gates = (Decision.ok("gate.regime", "regime allows"), Decision.ok("trade.max_loss", "within cap"))
    expiry = chain.contracts[0].expiration
    return Candidate(id=cid, scan_id="scan-test", bot_id=bot_id, underlying=chain.underlying,
                     asset_class=AssetClass.EQUITY_OPTIONS, template=template, strategy_layer=layer,
                     legs=tuple(legs), expiry=expiry, dte=(expiry - chain.timestamp.date()).days, credit=credit,
                     max_loss=max_loss - credit if width is not None else max_loss, max_profit=credit,
                     width=width, breakevens=(), pop=0.7, quantity=quantity, rank=rank, score=score,
                     status=status, gates=gates, data_quality=0.95,
                     delta=sum(leg.action.sign * (leg.delta or 0.0) for leg in legs) * mult)


def put_spread(cid: str, bot_id: str, chain: OptionChain, *, width: float = 5.0, quantity: float = 1.0,
               rank: int = 1, status: CandidateStatus = CandidateStatus.SELECTED, score: float = 1.0,
               layer: str = "L2_credit_spreads") -> Candidate:
    short = _near(chain, Right.PUT, -0.20)
    long = _below(chain, short.strike, Right.PUT, width)
    legs = (_leg(short, "short_put", Action.SELL), _leg(long, "long_put", Action.BUY))
    w = short.strike - long.strike
    return _candidate(cid, bot_id, chain, legs, template="put_credit_spread", layer=layer, max_loss=w * 100,
                      width=w, quantity=quantity, rank=rank, status=status, score=score)


def iron_condor(cid: str, bot_id: str, chain: OptionChain, *, width: float = 5.0, quantity: float = 1.0,
                rank: int = 1, status: CandidateStatus = CandidateStatus.SELECTED, score: float = 1.0) -> Candidate:
    sp, sc = _near(chain, Right.PUT, -0.16), _near(chain, Right.CALL, 0.16)
    lp, lc = _below(chain, sp.strike, Right.PUT, width), _below(chain, sc.strike, Right.CALL, width)
    legs = (_leg(lp, "long_put", Action.BUY), _leg(sp, "short_put", Action.SELL),
            _leg(sc, "short_call", Action.SELL), _leg(lc, "long_call", Action.BUY))
    w = max(sp.strike - lp.strike, lc.strike - sc.strike)
    return _candidate(cid, bot_id, chain, legs, template="iron_condor", layer="L2_credit_spreads",
                      max_loss=w * 100, width=w, quantity=quantity, rank=rank, status=status, score=score)


def short_put(cid: str, bot_id: str, chain: OptionChain, *, delta: float = -0.30, quantity: float = 1.0,
              template: str = "wheel", rank: int = 1, status: CandidateStatus = CandidateStatus.SELECTED,
              moneyness: float | None = None) -> Candidate:
    """A short put at `delta`, or at the strike nearest spot × `moneyness` when given."""
    if moneyness is None:
        c = _near(chain, Right.PUT, delta)
    else:
        puts = [x for x in chain.contracts if x.right is Right.PUT and x.bid > 0]
        c = min(puts, key=lambda x: abs(x.strike - chain.underlying_price * moneyness))
    return _candidate(cid, bot_id, chain, (_leg(c, "short_put", Action.SELL),), template=template,
                      layer="L1_wheel", max_loss=c.strike * 100, width=None, quantity=quantity, rank=rank,
                      status=status, score=1.0)


@dataclass(frozen=True)
class FakeScan:
    """What intake reads of a scan result."""

    scan_id: str
    candidates: tuple[Candidate, ...]


async def scan(world: World, *candidates: Candidate) -> FakeScan:
    """Persist candidates as a scan would and return the result intake takes."""
    world.scans += 1
    sid = f"scan-{world.scans}"
    stamped = tuple(replace(c, scan_id=sid) for c in candidates)
    async with world.rt.db.transaction() as tx:
        await candidate_repo.save_candidates(tx, stamped, world.clock.now())
    return FakeScan(sid, stamped)
