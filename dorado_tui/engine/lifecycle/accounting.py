"""NAV and P&L (seed 001): per account, and by bot, strategy layer and template, live and paper.

Per account the report holds the venue's own figures (cash, NAV, positions at their marks) next
to the store's (realized and unrealized P&L of the positions trading there), so the accounting
invariants can be read off one table: NAV = cash + marks; the store's legs = the venue's
positions; realized + unrealized = NAV − capital paid in (initial capital and deposits, known
for the simulation accounts). Paper twins report under the bot they shadow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dorado_tui.engine.lifecycle import marking
from dorado_tui.engine.lifecycle.ledger import EPS, LegBook
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.venues.base import VenueAdapter

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle


@dataclass(frozen=True)
class AccountNav:
    """One account: the venue's figures beside the store's."""

    role: str
    account_id: str
    cash: float
    nav: float
    marks_value: float
    capital_in: float | None
    realized: float
    unrealized: float
    position_gaps: tuple[str, ...]

    @property
    def pnl(self) -> float:
        return self.realized + self.unrealized

    @property
    def unexplained(self) -> float | None:
        """NAV change net of capital not explained by the positions' P&L (0 when all is managed)."""
        return None if self.capital_in is None else self.nav - self.capital_in - self.pnl

    def as_dict(self) -> dict[str, Any]:
        return {"account": self.account_id, "role": self.role, "cash": self.cash, "nav": self.nav,
                "marks_value": self.marks_value, "cash_plus_marks": self.cash + self.marks_value,
                "capital_in": self.capital_in, "realized_pnl": self.realized, "unrealized_pnl": self.unrealized,
                "unexplained": self.unexplained, "position_gaps": list(self.position_gaps)}


@dataclass
class PnlRow:
    """P&L of one group (a bot, a layer, a template), live or paper."""

    key: str
    paper: bool
    realized: float = 0.0
    unrealized: float = 0.0
    open_positions: int = 0
    closed_trades: int = 0
    wins: int = 0

    @property
    def total(self) -> float:
        return self.realized + self.unrealized

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "paper": self.paper, "realized_pnl": self.realized,
                "unrealized_pnl": self.unrealized, "total_pnl": self.total, "open": self.open_positions,
                "closed": self.closed_trades, "win_rate": self.wins / self.closed_trades if self.closed_trades else None}


@dataclass
class NavReport:
    at: datetime
    accounts: list[AccountNav] = field(default_factory=list)
    by_bot: list[PnlRow] = field(default_factory=list)
    by_layer: list[PnlRow] = field(default_factory=list)
    by_template: list[PnlRow] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "accounts": [a.as_dict() for a in self.accounts],
                "by_bot": [r.as_dict() for r in self.by_bot], "by_layer": [r.as_dict() for r in self.by_layer],
                "by_template": [r.as_dict() for r in self.by_template], "history": self.history,
                "notes": self.notes}


async def capital_in(venue: VenueAdapter) -> float | None:
    """Initial capital plus deposits of a simulation account (None for a broker's)."""
    from dorado_tui.venues.simulation.venue import SimulationVenue

    if not isinstance(venue, SimulationVenue):
        return None
    deposits = sum(float(e.details.get("amount", 0.0)) for e in await venue.get_events() if e.kind == "deposit")
    return venue.config.initial_cash + deposits


def _gaps(store: dict[str, float], venue: dict[str, float]) -> tuple[str, ...]:
    out = []
    for sym in sorted(set(store) | set(venue)):
        a, b = store.get(sym, 0.0), venue.get(sym, 0.0)
        if abs(a - b) > EPS:
            out.append(f"{sym.replace(' ', '')}: store {a:g}, venue {b:g}")
    return tuple(out)


async def account_nav(lc: Lifecycle, role: str, venue: VenueAdapter,
                      positions: list[position_repo.ManagedPosition]) -> AccountNav:
    account = await venue.get_account_state()
    held = await venue.get_positions()
    value = sum(LegBook(p.instrument, p.quantity, p.avg_cost).value(p.mark) for p in held if p.mark is not None)
    mine = [p for p in positions if lc.venue_of(p.position_id, p.bot_id) is venue]
    store: dict[str, float] = {}
    for p in mine:
        for leg in p.legs:
            store[leg.symbol] = store.get(leg.symbol, 0.0) + leg.quantity
    realized = sum(p.realized_pnl for p in mine)
    unrealized = sum(p.unrealized_pnl for p in mine if p.status in position_repo.OPEN_STATUSES)
    return AccountNav(role, account.account_id, account.cash, account.net_liquidation, value,
                      await capital_in(venue), realized, unrealized,
                      _gaps(store, {p.symbol: p.quantity for p in held}))


async def _parents(lc: Lifecycle, positions: list[position_repo.ManagedPosition]) -> dict[str, str]:
    """Twin position → the bot it shadows (from its candidate)."""
    ids = [p.candidate_id for p in positions if p.paper and p.candidate_id]
    async with lc.db.read() as s:
        found = await candidate_repo.list_candidates(s, ids=ids, limit=len(ids) + 1) if ids else []
    by_id = {c.id: c.bot_id for c in found}
    return {p.position_id: by_id.get(p.candidate_id or "", p.bot_id) for p in positions if p.paper}


def _group(rows: dict[tuple[str, bool], PnlRow], key: str, p: position_repo.ManagedPosition) -> None:
    row = rows.setdefault((key, p.paper), PnlRow(key, p.paper))
    row.realized += p.realized_pnl
    if p.status in position_repo.OPEN_STATUSES:
        row.unrealized += p.unrealized_pnl
        row.open_positions += 1
    elif p.status == "closed":
        row.closed_trades += 1
        row.wins += p.realized_pnl > 0


async def nav_report(lc: Lifecycle, *, mark: bool = True, history: int = 30) -> NavReport:
    """Mark the open positions (unless told not to), then report (see the module docstring)."""
    report = NavReport(lc.clock.now())
    if mark:
        async with lc.db.read() as s:
            held = await position_repo.positions(s)
        for p in held:
            if p.legs:
                result = await marking.mark(lc, p)
                if isinstance(result, str):
                    report.notes.append(f"{p.position_id}: {result}")
    async with lc.db.read() as s:
        positions = await position_repo.positions(s, statuses=None)
        snaps = await position_repo.account_history(s, (await lc.venue.get_account_state()).account_id, limit=history)
    report.accounts.append(await account_nav(lc, "trading", lc.venue, positions))
    if lc.twin_venue is not lc.venue:
        report.accounts.append(await account_nav(lc, "twins", lc.twin_venue, positions))
    parents = await _parents(lc, positions)
    bots: dict[tuple[str, bool], PnlRow] = {}
    layers: dict[tuple[str, bool], PnlRow] = {}
    templates: dict[tuple[str, bool], PnlRow] = {}
    for p in positions:
        if p.status == "void":
            continue
        _group(bots, parents.get(p.position_id, p.bot_id), p)
        _group(layers, p.strategy_layer or "unassigned", p)
        _group(templates, p.template or "?", p)
    report.by_bot, report.by_layer, report.by_template = (sorted(g.values(), key=lambda r: (r.paper, r.key))
                                                          for g in (bots, layers, templates))
    report.history = [{"at": a.time.isoformat(), "nav": a.net_liquidation, "cash": a.cash} for a in snaps]
    return report
