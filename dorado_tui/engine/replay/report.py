"""The replay report: trades, P&L, drawdown, breaker trips, live vs paper twins, the outcome of
each gate's skipped candidates, and the accounting invariants — built from the replay's store,
its two simulation accounts and the loop's tally. Ids never appear, so the same seed gives the
same report; wall-clock figures live apart in `performance`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dorado_tui.domain.candidates import Candidate
from dorado_tui.engine.lifecycle.ids import TWIN_EXEC_PREFIX
from dorado_tui.engine.lifecycle.service import Lifecycle
from dorado_tui.engine.replay.loop import ReplaySettings, Tally
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos import risk as risk_repo

#: Accounting tolerance in account currency (sums of thousands of fills in floating point).
TOLERANCE = 1e-4


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, digits)


@dataclass(frozen=True)
class Drawdown:
    """Largest peak-to-trough fall of a daily NAV series."""

    pct: float
    amount: float
    peak: date | None
    trough: date | None

    @classmethod
    def of(cls, series: Sequence[tuple[date, float]]) -> Drawdown:
        best = cls(0.0, 0.0, None, None)
        peak_day, peak = None, -math.inf
        for day, nav in series:
            if nav > peak:
                peak_day, peak = day, nav
            fall = peak - nav
            if peak > 0 and fall / peak > best.pct:
                best = cls(fall / peak, fall, peak_day, day)
        return best

    def as_dict(self) -> dict[str, Any]:
        return {"pct": _r(self.pct * 100, 4), "amount": _r(self.amount), "peak": _iso(self.peak),
                "trough": _iso(self.trough)}


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def trade_summary(trades: Iterable[position_repo.TradeRecord]) -> dict[str, Any]:
    """Counts, wins, realized P&L, mean reward and exit reasons of a set of trades."""
    rows = list(trades)
    closed = [t for t in rows if t.closed_at is not None]
    rewards = [t.reward for t in closed if t.reward is not None]
    return {"opened": len(rows), "closed": len(closed), "wins": sum((t.realized_pnl or 0.0) > 0 for t in closed),
            "realized_pnl": _r(sum(t.realized_pnl or 0.0 for t in closed)),
            "fees": _r(sum(t.fees for t in closed)),
            "mean_reward": _r(sum(rewards) / len(rewards), 4) if rewards else None,
            "exits": dict(sorted(Counter(t.exit_reason or "?" for t in closed).items()))}


def gate_of(c: Candidate | None) -> str:
    """Why a candidate ran as a paper twin: its first failing check, else its status reason."""
    if c is None:
        return "unknown candidate"
    failed = next((d for d in c.gates if not d.passed and not d.check.startswith("selection")), None)
    if failed is not None:
        return f"{failed.check} {failed.code}"
    return c.status_reason or "not selected"


def gate_outcomes(twins: Sequence[position_repo.ManagedPosition], candidates: dict[str, Candidate]) -> list[dict[str, Any]]:
    """Per gate: the paper twins it produced and what they made (realized + open P&L); twins
    whose entry never filled (void) are counted apart."""
    groups: dict[str, list[position_repo.ManagedPosition]] = defaultdict(list)
    for p in twins:
        groups[gate_of(candidates.get(p.candidate_id or ""))].append(p)
    out = []
    for gate, found in sorted(groups.items()):
        held = [p for p in found if p.status != "void"]
        pnl = [p.realized_pnl + (p.unrealized_pnl if p.status in position_repo.OPEN_STATUSES else 0.0) for p in held]
        wins = sum(x > 0 for x in pnl)
        out.append({"gate": gate, "twins": len(held), "unfilled": len(found) - len(held),
                    "closed": sum(p.status == "closed" for p in held), "pnl": _r(sum(pnl)),
                    "mean_pnl": _r(sum(pnl) / len(pnl)) if pnl else None, "wins": wins,
                    "win_rate": _r(wins / len(pnl), 4) if pnl else None})
    return out


def invariants(nav: Any) -> list[dict[str, Any]]:
    """Per account: NAV = cash + marks, store legs = venue positions, P&L = NAV change net of
    capital paid in (from the lifecycle's NAV report, which reads both sides)."""
    out = []
    for a in nav.accounts:
        unexplained = a.unexplained
        ok = (abs(a.cash + a.marks_value - a.nav) <= TOLERANCE and not a.position_gaps
              and (unexplained is None or abs(unexplained) <= TOLERANCE))
        out.append({"account": a.role, "nav": _r(a.nav), "cash_plus_marks": _r(a.cash + a.marks_value),
                    "capital_in": _r(a.capital_in), "realized": _r(a.realized), "unrealized": _r(a.unrealized),
                    "unexplained": _r(unexplained, 6), "position_gaps": list(a.position_gaps), "ok": ok})
    return out


def _signed(fills: Iterable[Any]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for f in fills:
        out[f.symbol] += f.signed_quantity
    return out


def _gaps(a: dict[str, float], b: dict[str, float]) -> list[str]:
    return [f"{sym}: {a.get(sym, 0.0):g} vs {b.get(sym, 0.0):g}" for sym in sorted(set(a) | set(b))
            if abs(a.get(sym, 0.0) - b.get(sym, 0.0)) > 1e-9]


async def ledger_checks(lc: Lifecycle, twin_prefix: str) -> list[dict[str, Any]]:
    """Positions = sum of fills, per account, on both sides: the venue's positions against the
    venue's own executions, and against the store's fills of that account."""
    async with lc.db.read() as s:
        stored = await order_repo.fills(s)
    out = []
    for role, venue in (("trading", lc.venue), ("twins", lc.twin_venue)):
        held = {p.symbol: p.quantity for p in await venue.get_positions()}
        executions = _signed(await venue.get_executions(None))
        mine = _signed(f for f in stored if f.exec_id.startswith(twin_prefix) == (role == "twins"))
        venue_gaps, store_gaps = _gaps(held, executions), _gaps(held, mine)
        out.append({"account": role, "symbols_held": len(held), "venue_positions_vs_executions": venue_gaps,
                    "venue_positions_vs_store_fills": store_gaps, "ok": not venue_gaps and not store_gaps})
    return out


@dataclass
class ReplayReport:
    """Everything one replay found (see the module docstring)."""

    start: date
    end: date
    seed: int
    settings: ReplaySettings
    body: dict[str, Any]
    performance: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        checks = [*self.body["invariants"], *self.body["ledger"]]
        return all(c["ok"] for c in checks) and not self.body["reconcile"] and not self.body["errors"]

    def as_dict(self, performance: bool = True) -> dict[str, Any]:
        out = {"from": self.start.isoformat(), "to": self.end.isoformat(), "seed": self.seed,
               "settings": {"approve": self.settings.approve, "resume": self.settings.resume,
                            "monitor_minutes": self.settings.monitor_minutes,
                            "fx_crypto_minutes": self.settings.fx_crypto_minutes},
               "ok": self.ok, **self.body}
        if performance:
            out["performance"] = self.performance
        return out


def _pnl(tally: Tally, nav: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, account in enumerate(nav.accounts):
        series = [(d, (a, b)[i]) for d, a, b in tally.nav]
        start = account.capital_in if account.capital_in is not None else (series[0][1] if series else account.nav)
        out[account.role] = {"start_nav": _r(start), "end_nav": _r(account.nav), "pnl": _r(account.nav - start),
                             "return_pct": _r((account.nav / start - 1) * 100, 4) if start else None,
                             "drawdown": Drawdown.of(series).as_dict()}
    return out


def _live_vs_paper(nav: Any) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for r in nav.by_bot:
        row = rows.setdefault(r.key, {"bot": r.key, "live_pnl": 0.0, "live_closed": 0, "paper_pnl": 0.0,
                                      "paper_closed": 0})
        side = "paper" if r.paper else "live"
        row[f"{side}_pnl"] = _r(row[f"{side}_pnl"] + r.total)
        row[f"{side}_closed"] += r.closed_trades
    return [rows[k] for k in sorted(rows)]


async def build_report(lc: Lifecycle, tally: Tally, *, start: date, end: date, seed: int,
                       settings: ReplaySettings, since: datetime, notes: Sequence[str] = ()) -> ReplayReport:
    """Read the replay's store and accounts into a report."""
    nav = await lc.nav()
    async with lc.db.read() as s:
        trades = await position_repo.trades(s, limit=1_000_000)
        twins = await position_repo.positions(s, statuses=None, paper=True)
        ids = [p.candidate_id for p in twins if p.candidate_id]
        found = await candidate_repo.list_candidates(s, ids=ids, limit=len(ids) + 1) if ids else []
        trips = await risk_repo.risk_events(s, since=since, kind="breaker_trip", limit=100_000)
    body = {
        "days": tally.days, "scans": tally.scans, "candidates": dict(sorted(tally.candidates.items())),
        "skipped_bots": dict(sorted(tally.skipped.items())),
        "approvals": {"approved": tally.approved, "refused": dict(sorted(tally.refused.items()))},
        "trades": {"live": trade_summary(t for t in trades if not t.paper),
                   "paper": trade_summary(t for t in trades if t.paper)},
        "pnl": _pnl(tally, nav),
        "breakers": {"trips": dict(sorted(Counter(f"{e.scope} {e.decision.code}" for e in trips).items())),
                     "resumed": len(tally.resumed)},
        "live_vs_paper": _live_vs_paper(nav),
        "gates": gate_outcomes(twins, {c.id: c for c in found}),
        "invariants": invariants(nav),
        "ledger": await ledger_checks(lc, TWIN_EXEC_PREFIX),
        "reconcile": list(tally.reconcile), "errors": list(tally.errors), "notes": list(notes),
    }
    return ReplayReport(start, end, seed, settings, body)
