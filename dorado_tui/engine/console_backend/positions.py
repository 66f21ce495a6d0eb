"""Open positions as the console shows them: legs, per-side P&L, Greeks, DTE, bot state and the
management rules' current verdict, from the lifecycle's stored books marked with venue quotes.

Money follows the lifecycle's books (`engine.lifecycle.ledger`): a leg's unrealized P&L is
quantity × (mark − average cost) × multiplier. The stored position keeps `entry_price` and `mark`
as signed net prices per combo unit (a credit received is negative); the console's view turns
them into account currency per unit with the sign an options trader reads: the entry credit
(> 0 for a credit) and the cost to close (so credit − cost to close = P&L per unit).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.states import BotState
from dorado_tui.engine.console_views import Greeks, PnlPoint, PositionView
from dorado_tui.engine.lifecycle import rules
from dorado_tui.engine.lifecycle.ledger import Ledger, LegBook
from dorado_tui.engine.lifecycle.marking import greeks as ledger_greeks
from dorado_tui.engine.lifecycle.quotes import QuoteSet
from dorado_tui.engine.lifecycle.settings import CHECK_BREACH, CHECK_DTE, CHECK_PNL
from dorado_tui.settings.template_parts import Management
from dorado_tui.store.repos.positions import ManagedPosition

#: Rule groups the console can judge from a mark alone (vol and Hurst need history: the monitor's).
CHEAP_CHECKS = frozenset({CHECK_PNL, CHECK_BREACH, CHECK_DTE})


@dataclass(frozen=True)
class LiveMark:
    """A position marked from fresh quotes (per-unit `unit_mark` signed as the store keeps it)."""

    position_id: str
    unit_mark: float
    unrealized: float
    side_pnl: Mapping[str, float]
    greeks: Mapping[str, float]
    time: datetime
    marks: Mapping[str, float] = field(default_factory=dict)
    spot: float | None = None


def ledger_of(p: ManagedPosition) -> Ledger:
    """The position's open legs as the lifecycle's books (average costs from the store)."""
    return Ledger(tuple(LegBook(leg.instrument, leg.quantity, leg.avg_cost) for leg in p.legs))


def multiplier(p: ManagedPosition) -> int:
    return p.legs[0].instrument.multiplier if p.legs else 1


def mark_position(p: ManagedPosition, quotes: QuoteSet, marks: Mapping[str, float], now: datetime) -> LiveMark | None:
    """Mark `p` at `marks` (the quotes' usable mids); None when an open leg has none (never guessed)."""
    ledger = ledger_of(p)
    if not ledger.open_legs or any(leg.symbol not in marks for leg in ledger.open_legs):
        return None
    unit = sum(leg.quantity * marks[leg.symbol] for leg in ledger.open_legs) / p.quantity if p.quantity else 0.0
    return LiveMark(p.position_id, unit, ledger.unrealized(marks), ledger.side_pnl(marks),
                    ledger_greeks(ledger, quotes), now, {s: marks[s] for s in (leg.symbol for leg in ledger.open_legs)},
                    quotes.underlying.get(p.underlying))


def stored_mark(p: ManagedPosition) -> LiveMark | None:
    """The mark the store holds (the lifecycle monitor's or this console's last), legs included;
    None when the position was never marked or a leg lacks its mark."""
    ledger = ledger_of(p)
    marks = {leg.symbol: leg.mark for leg in p.legs if leg.mark is not None and math.isfinite(leg.mark)}
    if p.mark is None or p.marked_at is None or not ledger.open_legs or \
            any(leg.symbol not in marks for leg in ledger.open_legs):
        return None
    return LiveMark(p.position_id, p.mark, p.unrealized_pnl, ledger.side_pnl(marks), dict(p.greeks), p.marked_at,
                    marks)


def current_mark(p: ManagedPosition, live: LiveMark | None) -> LiveMark | None:
    """The newer of this console's live mark and the stored one."""
    stored = stored_mark(p)
    if live is None or (stored is not None and stored.time > live.time):
        return stored
    return live


def expiry_of(p: ManagedPosition) -> date | None:
    dates = [leg.instrument.expiry for leg in p.legs if leg.instrument.is_option and leg.instrument.expiry
             and abs(leg.quantity) > 0]
    return min(dates) if dates else None


def management_line(p: ManagedPosition, m: Management, mark: LiveMark | None, now: datetime,
                    max_profit: float | None, state: BotState) -> str:
    """The management rules' verdict in one line: a due action, or how far the position is from them
    (P&L, breach and DTE rules; the vol and Hurst rules need history and are the monitor's)."""
    if state is BotState.CLOSING:
        return "closing · exit order working"
    if mark is None:
        return "unmarked: no usable quote yet"
    local = now.astimezone(NEW_YORK)
    view = rules.View(p.position_id, p.opened_at, local.date(), local.time(), ledger_of(p).open_legs, mark.marks,
                      mark.spot, p.realized_pnl + mark.unrealized, -p.entry_price * multiplier(p) * p.quantity,
                      max_profit, False, mark.side_pnl)
    ev = rules.evaluate(view, m, rules.Facts(), CHEAP_CHECKS)
    if ev.action is not None:
        return f"{ev.action.kind.replace('_', ' ')} due · {ev.action.reason}"
    return "hold" + "".join(_progress(d) for d in ev.decisions)


def _progress(d: Decision) -> str:
    figure, limit = d.figure, d.limit
    if figure is None or limit is None or not limit:
        return ""
    if d.check == "manage.profit_target":
        return f" · {max(figure, 0.0) / limit:.0%} of target"
    if d.check == "manage.dte_exit":
        return f" · DTE exit in {int(figure - limit)}d"
    if d.check == "manage.stop_loss" and figure > 0:
        return f" · {figure / limit:.0%} of stop"
    return ""


@dataclass(frozen=True)
class PositionFacts:
    """What a position's view needs beyond the stored row."""

    state: BotState
    venue_mode: str
    management: Management
    max_profit: float | None = None
    history: tuple[PnlPoint, ...] = ()


def view_moment(now: datetime, m: Management) -> datetime:
    """The finest time a position's view depends on: the minute (DTE and the days held read the
    date, the expiry-day exit compares the time of day), or `now` itself when the exit time is set
    to the second."""
    exit_at = m.time_exit
    if exit_at is not None and (exit_at.second or exit_at.microsecond):
        return now
    return now.replace(second=0, microsecond=0)


def position_view(p: ManagedPosition, facts: PositionFacts, live: LiveMark | None, now: datetime) -> PositionView:
    """The console's row and detail of one open position (marked with the newest mark known)."""
    mult = multiplier(p)
    expiry = expiry_of(p)
    today = now.astimezone(NEW_YORK).date()
    mark = current_mark(p, live)
    g = dict(mark.greeks) if mark else dict(p.greeks)
    legs = tuple(replace(leg, mark=mark.marks.get(leg.symbol, leg.mark)) if mark else leg for leg in p.legs)
    return PositionView(
        id=p.position_id, bot_id=p.bot_id, underlying=p.underlying, template=p.template,
        layer=p.strategy_layer, state=facts.state, quantity=p.quantity, opened_at=p.opened_at, expiry=expiry,
        dte=(expiry - today).days if expiry else None, entry_credit=-p.entry_price * mult,
        mark=None if mark is None else -mark.unit_mark * mult,
        unrealized_pnl=mark.unrealized if mark else p.unrealized_pnl, realized_pnl=p.realized_pnl,
        max_loss=p.max_loss, greeks=Greeks(g.get("delta", 0.0), g.get("gamma", 0.0), g.get("vega", 0.0),
                                           g.get("theta", 0.0)),
        management=management_line(p, facts.management, mark, now, facts.max_profit, facts.state),
        legs=legs, pnl_by_side=dict(mark.side_pnl) if mark else {}, pnl_history=facts.history,
        venue_mode=facts.venue_mode)
