"""The risk re-check at execution time: the candidate on fresh quotes against every trade check
and, for live trades, the portfolio after adding it (PRD: re-check before the order is sent).

The candidate's legs take the venue's fresh bid/ask/delta/IV; its credit is repriced at the net
mid and its max loss moves by the same amount (max loss = worst payoff − premium, and the payoff
geometry does not change). Facts the checks need are read, never assumed: account and
connection from the venue, the session from the exchange calendar, today's option contracts and
recent orders from the stored intents, trading states from the store.

An adjustment of a held position (a covered call on assigned shares, a roll) adds no new risk
budget of its own: its sizing and per-trade max-loss checks are not run (the position was sized
when it was opened); every market-access and strategy check still is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.clock import NEW_YORK, Clock
from dorado_tui.domain.decisions import Decision, Verdict
from dorado_tui.domain.instruments import SecType
from dorado_tui.domain.orders import Order
from dorado_tui.engine.lifecycle.ids import parse_client_order_id
from dorado_tui.engine.lifecycle.quotes import QuoteSet, fetch_quotes
from dorado_tui.engine.risk_report import (
    LOOKBACK_DAYS,
    load_history,
    market_from_history,
    portfolio_state,
)
from dorado_tui.engine.risk_service import load_book
from dorado_tui.market.calendar import is_market_open
from dorado_tui.market.universe import calendar_of
from dorado_tui.risk.checks_market import combo_mid
from dorado_tui.risk.context import RecentOrder, TradeContext, fingerprint
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.portfolio_checks import check_portfolio
from dorado_tui.risk.trade import check_trade
from dorado_tui.store.database import Database
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.venues.base import VenueAdapter


@dataclass(frozen=True)
class Recheck:
    """The refreshed candidate, every decision, and the net mid it was priced at."""

    candidate: Candidate
    verdict: Verdict
    net_mid: float
    quotes: QuoteSet

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    @property
    def trading_state_refusal(self) -> Decision | None:
        return next((d for d in self.verdict.failures if d.check == "trade.trading_state"), None)


def refreshed(c: Candidate, quotes: QuoteSet) -> Candidate:
    """`c` on fresh quotes (credit at the net mid, max loss moved by the premium change)."""
    legs = []
    for leg in c.legs:
        q = quotes.quotes.get(leg.instrument.symbol)
        o = quotes.options.get(leg.instrument.symbol)
        if q is None:
            legs.append(leg)
            continue
        legs.append(replace(leg, bid=q.bid, ask=q.ask, delta=o.delta if o and o.delta is not None else leg.delta,
                            iv=o.implied_vol if o and o.implied_vol is not None else leg.iv))
    fresh = replace(c, legs=tuple(legs))
    mult = c.legs[0].instrument.multiplier if c.legs else 1
    credit = -combo_mid(fresh) * mult
    return replace(fresh, credit=credit, max_loss=max(c.max_loss + (c.credit - credit), 0.0))


def option_contracts(order: Order) -> float:
    """Option contracts per leg an order trades, counted as the daily cap counts a candidate's
    (`checks_market.contracts`): quantity × the largest option ratio. FX and crypto units and
    shares are no contracts (the per-order notional cap bounds them)."""
    ratios = [leg.ratio for leg in order.legs if leg.instrument.is_option]
    return order.quantity * max(ratios) if ratios else 0.0


async def _orders_today(db: Database, now: datetime, window_s: int) -> tuple[float, tuple[RecentOrder, ...]]:
    """(option contracts opened today by live episodes, fingerprints of recent live entries)."""
    day0 = now.astimezone(NEW_YORK).replace(hour=0, minute=0, second=0, microsecond=0)
    contracts, recent = 0.0, []
    async with db.read() as s:
        for intent in await order_repo.list_intents(s):
            key = parse_client_order_id(intent.order.client_order_id)
            if key is None or key.twin or key.step != 1 or not intent.order.opening or intent.created_at < day0:
                continue
            contracts += option_contracts(intent.order)
            if intent.candidate_id and now - intent.created_at < timedelta(seconds=window_s):
                found = await candidate_repo.get_candidate(s, intent.candidate_id)
                if found is not None:
                    recent.append(RecentOrder(fingerprint(found), intent.created_at))
    return contracts, tuple(recent)


async def shares_available(db: Database, underlying: str) -> float:
    """Shares of `underlying` held in live positions and not already covering short calls."""
    shares = short_calls = 0.0
    async with db.read() as s:
        for p in await position_repo.positions(s, paper=False):
            for leg in p.legs:
                inst = leg.instrument
                if inst.sec_type is SecType.STOCK and inst.symbol == underlying:
                    shares += leg.quantity
                elif inst.is_option and inst.underlying == underlying and inst.right is not None \
                        and inst.right.value == "call" and leg.quantity < 0:
                    short_calls += -leg.quantity * inst.multiplier
    return max(shares - short_calls, 0.0)


async def _portfolio(db: Database, c: Candidate, nav: float, cash: float, spots: dict[str, float],
                     policy: RiskPolicy, now: datetime) -> Verdict:
    async with db.read() as s:
        managed = await position_repo.positions(s, paper=False)
        symbols = sorted({p.underlying for p in managed} | {c.underlying, policy.portfolio.beta_benchmark})
        history, _ = await load_history(s, symbols, now - timedelta(days=LOOKBACK_DAYS))
    market = market_from_history(history, spots, policy.portfolio.beta_benchmark)
    state = portfolio_state(nav, cash, managed, market, policy)
    return check_portfolio(state.simulate_add(c), policy)


#: Checks that size new risk: not run for adjustments of a held position.
SIZING_CHECKS = frozenset({"trade.sizing", "trade.max_loss"})


async def recheck(db: Database, venue: VenueAdapter, policy: RiskPolicy, clock: Clock, c: Candidate,
                  *, portfolio: bool = True, shares: float = 0.0, adjustment: bool = False) -> Recheck:
    """Re-check `c` on fresh quotes (see the module docstring)."""
    now = clock.now()
    quotes = await fetch_quotes(venue, [leg.instrument for leg in c.legs])
    fresh = refreshed(c, quotes)
    account = await venue.get_account_state()
    async with db.read() as s:
        states = await load_book(s)
    contracts, recent = await _orders_today(db, now, policy.trade.duplicate_window_seconds)
    net_mid = combo_mid(fresh)
    ctx = TradeContext(
        now=now, nav=account.net_liquidation, buying_power=account.buying_power,
        market_open=all(is_market_open(calendar_of(leg.instrument), now) for leg in c.legs),
        venue_connected=venue.status().connected, quote_time=quotes.oldest,
        underlying_price=quotes.underlying.get(c.underlying), shares_available=shares,
        recent_orders=recent, contracts_today=contracts, limit_price=net_mid, states=states)
    decisions = [d for d in check_trade(fresh, ctx, policy).decisions
                 if not (adjustment and d.check in SIZING_CHECKS)]
    if portfolio and math.isfinite(account.net_liquidation):
        decisions += (await _portfolio(db, fresh, account.net_liquidation, account.cash, quotes.underlying,
                                       policy, now)).decisions
    return Recheck(fresh, Verdict(tuple(decisions)), net_mid, quotes)
