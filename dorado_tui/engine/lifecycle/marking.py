"""Marking one position to market and evaluating its management rules.

Marks are the venue's mids, fetched fresh; a leg without a usable quote leaves the position
unmarked (reported) and no rule runs on it. The mark is stored with the unrealized P&L, per-side
P&L and the Greeks of the current legs, in the transaction that refreshes the position's books.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.instruments import SecType
from dorado_tui.engine.lifecycle import book, facts, proposals, rules
from dorado_tui.engine.lifecycle.ledger import Ledger
from dorado_tui.engine.lifecycle.quotes import QuoteSet, fetch_quotes
from dorado_tui.engine.lifecycle.settings import CHECK_PNL, CHECK_VOL
from dorado_tui.settings.template_parts import Management
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import positions as position_repo

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle


@dataclass
class PositionCheck:
    """One position's pass: its mark, P&L, every rule decision and the action chosen."""

    position_id: str
    bot_id: str
    paper: bool
    pnl: float | None = None
    unrealized: float | None = None
    side_pnl: dict[str, float] = field(default_factory=dict)
    evaluation: rules.Evaluation | None = None
    note: str = ""
    result: dict[str, Any] | str | None = None

    @property
    def action(self) -> rules.Action | None:
        return self.evaluation.action if self.evaluation else None

    def as_dict(self) -> dict[str, Any]:
        ev = self.evaluation
        return {"position": self.position_id, "bot": self.bot_id, "paper": self.paper, "pnl": self.pnl,
                "unrealized": self.unrealized, "side_pnl": self.side_pnl, "note": self.note,
                "decisions": [d.as_dict() for d in ev.decisions] if ev else [],
                "action": None if self.action is None else {"kind": self.action.kind, "rule": self.action.rule,
                                                            "reason": self.action.reason, "side": self.action.side},
                "result": self.result}


def greeks(ledger: Ledger, quotes: QuoteSet) -> dict[str, float]:
    """Position Greeks (delta in shares, the rest per the venue's convention) of the open legs."""
    out = {"delta": 0.0, "gamma": 0.0, "vega": 0.0, "theta": 0.0}
    for leg in ledger.open_legs:
        inst = leg.instrument
        if inst.sec_type is SecType.STOCK:
            out["delta"] += leg.quantity
            continue
        c = quotes.options.get(leg.symbol)
        if c is None:
            continue
        k = leg.quantity * inst.multiplier
        for name, value in (("delta", c.delta), ("gamma", c.gamma), ("vega", c.vega), ("theta", c.theta)):
            out[name] += k * (value or 0.0)
    return out


def entry_regime(c: Candidate | None) -> str | None:
    """The regime the trade was taken in (the scan's regime gate), if one was named."""
    if c is None:
        return None
    found = next((d for d in c.gates if d.check == "gate.regime"), None)
    regime = found.details.get("regime") if found is not None else None
    return str(regime) if regime else None


def management_of(lc: Lifecycle, template: str, regime: str | None = None) -> Management:
    """The template's management rules, with the entry regime's overrides (PRD §3.6) merged in."""
    t = lc.config.templates.get(template)
    if t is None:
        return Management()
    return t.for_regime(regime).management if regime else t.management


async def _entry(lc: Lifecycle, p: position_repo.ManagedPosition) -> Candidate | None:
    if not p.candidate_id:
        return None
    async with lc.db.read() as s:
        return await candidate_repo.get_candidate(s, p.candidate_id)


def view_of(p: position_repo.ManagedPosition, ledger: Ledger, marks: dict[str, float], spot: float | None,
            now: datetime, max_profit: float | None, wheel: bool) -> rules.View:
    mult = ledger.open_legs[0].instrument.multiplier if ledger.open_legs else 1
    local = now.astimezone(NEW_YORK)
    return rules.View(p.position_id, p.opened_at, local.date(), local.time(), ledger.open_legs, marks, spot,
                      ledger.realized + ledger.unrealized(marks), -p.entry_price * mult * p.quantity, max_profit,
                      wheel, ledger.side_pnl(marks))


async def mark(lc: Lifecycle, p: position_repo.ManagedPosition) -> tuple[Ledger, QuoteSet, dict[str, float]] | str:
    """Refresh and mark a position; the reason instead when a leg cannot be marked."""
    venue = lc.venue_of(p.position_id, p.bot_id)
    quotes = await fetch_quotes(venue, [leg.instrument for leg in p.legs])
    marks = quotes.marks()
    missing = [leg.symbol for leg in p.legs if leg.symbol not in marks]
    if missing:
        return f"unmarked: no usable quote for {', '.join(s.replace(' ', '') for s in missing)}"
    now = lc.clock.now()
    async with lc.db.transaction() as tx:
        ledger = await book.refresh(tx, p.position_id, marks)
        unit = sum(leg.quantity * marks[leg.symbol] for leg in ledger.open_legs) / p.quantity if p.quantity else 0.0
        await position_repo.mark_position(tx, p.position_id, unit, ledger.unrealized(marks), now,
                                          greeks=greeks(ledger, quotes))
    return ledger, quotes, marks


async def check(lc: Lifecycle, p: position_repo.ManagedPosition, checks: frozenset[str]) -> PositionCheck:
    """Mark `p` and evaluate its template's management rules in the `checks` groups."""
    out = PositionCheck(p.position_id, p.bot_id, p.paper)
    marked = await mark(lc, p)
    if isinstance(marked, str):
        out.note = marked
        return out
    ledger, quotes, marks = marked
    now = lc.clock.now()
    wheel = proposals.is_wheel(lc, p.template) and proposals.stock_leg(ledger) is not None
    c = await _entry(lc, p)
    max_profit = None if c is None else c.max_profit * p.quantity
    view = view_of(p, ledger, marks, quotes.underlying.get(p.underlying), now, max_profit, wheel)
    out.pnl, out.unrealized, out.side_pnl = view.pnl, ledger.unrealized(marks), dict(view.side_pnl)
    m = management_of(lc, p.template, entry_regime(c))
    if wheel:
        called = rules.wheel_view(view)
        if called is None:
            out.note = "wheel: shares without a covered call"
            return out
        view = called
    want = {f for f in facts.needs(m) if (f in ("iv_rank", "vol_z", "hurst") and CHECK_VOL in checks)
            or (f in ("atr", "extremes") and CHECK_PNL in checks)}
    venue = lc.venue_of(p.position_id, p.bot_id)
    known = await facts.facts_for(lc.db, venue, p.underlying, view.spot, p.opened_at, now, want)
    ev = rules.evaluate(view, m, known, checks)
    out.evaluation = rules.Evaluation(ev.decisions, rules.as_wheel_action(ev.action) if wheel else ev.action)
    return out
