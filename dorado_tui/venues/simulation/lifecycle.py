"""What the simulation venue does as time passes: dividends, expiry, exercise and assignment.

Walked session by session between the last instant the venue saw and now, so a process that was
down for a week catches up exactly as one that stayed up:
- at each session open, ETF positions are paid (or, short, charged) the dividend going ex;
- at each close, short American calls that are in the money with less time value than the
  next session's dividend are assigned early (configurable), deep-in-the-money short puts with
  almost no time value may be assigned (configurable probability), options expiring that day
  settle: in the money by a cent or more they are exercised/assigned (ETF: 100 shares per
  contract at the strike, cash moved; SPX: cash-settled at intrinsic value), the rest expire;
  working orders on expired contracts are cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from dorado_tui.domain.instruments import ExerciseStyle, Right, SecType
from dorado_tui.domain.orders import OrderStatus
from dorado_tui.market.calendar import CalendarKind, Session, sessions
from dorado_tui.market.chains import option_quotes
from dorado_tui.market.quotes import dividend
from dorado_tui.market.seeds import Tag, hash_uniform, symbol_key
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.universe import instrument_for
from dorado_tui.venues.simulation.config import SimVenueConfig
from dorado_tui.venues.simulation.ledger import record
from dorado_tui.venues.simulation.state import Book, PositionRec, VenueEvent

LIFECYCLE_ORDER_ID = "SIM-LIFECYCLE"
ITM_THRESHOLD = 0.01  # OCC exercise by exception: one cent in the money


@dataclass(frozen=True)
class Lifecycle:
    market: SimulatedMarket
    config: SimVenueConfig

    def advance(self, book: Book, since: datetime | None, now: datetime) -> None:
        """Process every session event in (since, now]."""
        if since is None or now <= since or not (book.positions or book.working):
            return
        table = sessions(CalendarKind.XNYS, since.date() - timedelta(days=7), now.date() + timedelta(days=7))
        first = int(np.searchsorted(table.closes, int(since.timestamp()), side="right"))
        last = int(np.searchsorted(table.opens, int(now.timestamp()), side="right")) - 1
        for i in range(first, last + 1):
            s = table.session(i)
            if since < s.open <= now:
                self._dividends(book, s)
            if since < s.close <= now:
                nxt = table.session(i + 1).day if i + 1 < len(table) else None
                self._early_assignments(book, s, nxt)
                self._expire(book, s)
                self._cancel_expired_orders(book, s)

    def _dividends(self, book: Book, s: Session) -> None:
        for sym, pos in list(book.positions.items()):
            if pos.instrument.sec_type is not SecType.STOCK:
                continue
            amount = dividend(self.market, sym, s.day)
            if amount > 0:
                book.cash += pos.quantity * amount
                book.new_events.append(VenueEvent(s.open, "dividend", sym, {
                    "ex_date": s.day.isoformat(), "per_share": amount, "quantity": pos.quantity,
                    "cash": pos.quantity * amount}))

    def _settle(self, book: Book, pos: PositionRec, spot: float, time: datetime, kind: str) -> None:
        inst = pos.instrument
        strike = float(inst.strike or 0.0)
        is_call = inst.right is Right.CALL
        intrinsic = max(spot - strike, 0.0) if is_call else max(strike - spot, 0.0)
        q = pos.quantity
        cid = f"{kind}:{inst.symbol.replace(' ', '')}:{time.date().isoformat()}"
        details = {"quantity": q, "strike": strike, "settlement": spot, "intrinsic": round(intrinsic, 4)}
        if intrinsic < ITM_THRESHOLD:
            record(book, inst, -q, 0.0, 0.0, cid, LIFECYCLE_ORDER_ID, time)
            book.new_events.append(VenueEvent(time, "expiry", inst.symbol, details))
            return
        if inst.exercise is ExerciseStyle.EUROPEAN:  # index options settle in cash at intrinsic
            record(book, inst, -q, round(intrinsic, 4), 0.0, cid, LIFECYCLE_ORDER_ID, time)
            book.new_events.append(VenueEvent(time, "cash_settlement", inst.symbol, details))
            return
        shares = q * inst.multiplier * (1 if is_call else -1)
        record(book, inst, -q, 0.0, 0.0, cid, LIFECYCLE_ORDER_ID, time, 0)
        record(book, instrument_for(inst.underlying), shares, strike, 0.0, cid, LIFECYCLE_ORDER_ID, time, 1)
        event = kind if kind == "early_assignment" else ("exercise" if q > 0 else "assignment")
        book.new_events.append(VenueEvent(time, event, inst.symbol, {**details, "shares": shares,
                                                                     "cash": -shares * strike}))

    def _expire(self, book: Book, s: Session) -> None:
        for pos in [p for p in book.positions.values() if p.instrument.sec_type is SecType.OPTION]:
            expiry = pos.instrument.expiry
            if expiry is None or expiry > s.day:
                continue
            spot = self.market.session_close(pos.instrument.underlying, expiry)
            if spot is None:  # expiry was not a session (cannot happen for listed contracts)
                spot = self.market.price_at(pos.instrument.underlying, s.close)[0]
            self._settle(book, pos, spot, s.close, "expire")

    def _early_assignments(self, book: Book, s: Session, next_day: date | None) -> None:
        rules = self.config.early_assignment
        for pos in [p for p in book.positions.values() if p.quantity < 0]:
            inst = pos.instrument
            if inst.sec_type is not SecType.OPTION or inst.exercise is not ExerciseStyle.AMERICAN:
                continue
            if inst.expiry is None or inst.expiry <= s.day:
                continue
            spot = self.market.price_at(inst.underlying, s.close)[0]
            strike = float(inst.strike or 0.0)
            intrinsic = max(spot - strike, 0.0) if inst.right is Right.CALL else max(strike - spot, 0.0)
            if intrinsic < ITM_THRESHOLD:
                continue
            quotes = option_quotes(self.market, [inst], s.close)
            extrinsic = (quotes[0].mid if quotes else intrinsic) - intrinsic
            if inst.right is Right.CALL:
                div = dividend(self.market, inst.underlying, next_day) if next_day else 0.0
                hit = rules.ex_dividend and div > 0 and extrinsic < div
            else:
                u = float(hash_uniform(self.market.seed, Tag.VENUE, symbol_key(inst.symbol), s.day.toordinal()))
                hit = extrinsic < rules.deep_itm_extrinsic and u < rules.deep_itm_put_probability
            if hit:
                self._settle(book, pos, spot, s.close, "early_assignment")

    def _cancel_expired_orders(self, book: Book, s: Session) -> None:
        for rec in list(book.working.values()):
            expired = any(leg.instrument.expiry is not None and leg.instrument.expiry <= s.day
                          for leg in rec.order.legs)
            if expired:
                rec.status, rec.reason, rec.updated = OrderStatus.CANCELLED, "contract expired", s.close
                book.touch(rec)
