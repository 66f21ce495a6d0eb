"""Adjustments the lifecycle proposes for a held position: the wheel's covered call and rolls.

A proposal is a candidate like any other (persisted, listed by `dorado approve`, approved by the
operator or by `auto_execute`), marked as an adjustment by its scan id `lifecycle:<position>:<time>`;
its bot keeps MONITORING until it is approved. At most one proposal per position per day.

The wheel (seed 001): a short put assigned → shares held → a covered call written at the
`on_assignment` template's delta and DTE, at a strike at or above the cycle's cost basis when the
delta band offers one → called away → the bot returns to IDLE and the next scan sells puts again.
The cost basis is the shares' price less everything the cycle has earned (premiums net of fees
and buy-backs, dividends) per share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from dorado_tui.domain.candidates import Candidate, CandidateLeg, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import AssetClass, OptionContract, Right, SecType
from dorado_tui.domain.orders import Action
from dorado_tui.engine.lifecycle import approval
from dorado_tui.engine.lifecycle.ledger import Ledger, LegBook
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.venues.base import OptionsVenueAdapter

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle


@dataclass(frozen=True)
class WheelBasis:
    """Shares held, their price, what the cycle earned, and the resulting cost basis per share."""

    shares: float
    share_cost: float
    earned: float

    @property
    def basis(self) -> float:
        return self.share_cost - self.earned / self.shares if self.shares else 0.0


def stock_leg(ledger: Ledger) -> LegBook | None:
    return next((leg for leg in ledger.open_legs if leg.instrument.sec_type is SecType.STOCK), None)


def wheel_basis(ledger: Ledger) -> WheelBasis | None:
    """The wheel's cost basis (None without shares)."""
    stock = stock_leg(ledger)
    if stock is None or stock.quantity <= 0:
        return None
    return WheelBasis(stock.quantity, stock.avg_cost, ledger.realized)


def is_wheel(lc: Lifecycle, template: str) -> bool:
    t = lc.config.templates.get(template)
    return t is not None and (t.type == "options_wheel" or bool(t.lifecycle and t.lifecycle.on_assignment))


def has_short_call(ledger: Ledger) -> bool:
    return any(leg.instrument.right is Right.CALL and leg.quantity < 0 for leg in ledger.open_legs)


async def _proposed_today(lc: Lifecycle, pid: str, today: date) -> bool:
    async with lc.db.read() as s:
        found = await candidate_repo.list_candidates(s, limit=200)
    stamp = today.strftime("%Y%m%d")
    return any(c.scan_id.startswith(f"{approval.ADJUST_PREFIX}{pid}:{stamp}") for c in found)


def _pick_call(chain: list[OptionContract], band: tuple[float, float], basis: float) -> OptionContract | None:
    lo, hi = sorted(band)
    pool = [c for c in chain if c.right is Right.CALL and c.delta is not None and lo <= c.delta <= hi and c.bid > 0]
    above = [c for c in pool if c.strike >= basis] or pool
    mid = 0.5 * (lo + hi)
    return min(above, key=lambda c: (abs((c.delta or 0.0) - mid), c.strike)) if above else None


async def _call_chain(lc: Lifecycle, p: position_repo.ManagedPosition, dte: tuple[int, int],
                      ) -> list[OptionContract]:
    venue = lc.venue_of(p.position_id, p.bot_id)
    if not isinstance(venue, OptionsVenueAdapter):
        return []
    today = lc.clock.now().date()
    expiries = [e for e in await venue.get_expirations(p.underlying) if dte[0] <= (e - today).days <= dte[1]]
    if not expiries:
        return []
    target = 0.5 * (dte[0] + dte[1])
    expiry = min(expiries, key=lambda e: abs((e - today).days - target))
    return list((await venue.get_chain(p.underlying, expiry)).contracts)


def _proposal(lc: Lifecycle, p: position_repo.ManagedPosition, legs: tuple[CandidateLeg, ...], quantity: float,
              *, variant: str, template: str, why: str, expiry: date | None) -> Candidate:
    now = lc.clock.now()
    sid = approval.adjustment_scan_id(p.position_id, now)
    mult = legs[0].instrument.multiplier
    credit = -sum(leg.action.sign * leg.ratio * leg.mid for leg in legs) * mult
    return Candidate(
        id=f"{sid}/{variant}", scan_id=sid, bot_id=p.bot_id, underlying=p.underlying,
        asset_class=AssetClass(p.asset_class or AssetClass.EQUITY_OPTIONS.value), template=template,
        strategy_layer=p.strategy_layer, legs=legs, expiry=expiry,
        dte=(expiry - now.date()).days if expiry else None, credit=credit, max_loss=0.0,
        max_profit=max(credit, 0.0), width=None, breakevens=(), pop=None, quantity=quantity, variant=variant,
        status=CandidateStatus.SELECTED, status_reason=why, gates=(Decision.ok(f"lifecycle.{variant}", why),),
        delta=sum(leg.action.sign * leg.ratio * (leg.delta or 0.0) for leg in legs) * mult, data_quality=1.0)


async def _save(lc: Lifecycle, c: Candidate) -> Candidate:
    async with lc.db.transaction() as tx:
        await candidate_repo.save_candidates(tx, [c], lc.clock.now())
    return c


async def propose_covered_call(lc: Lifecycle, p: position_repo.ManagedPosition, ledger: Ledger) -> Candidate | str:
    """The wheel's next covered call on the held shares (or why none is proposed)."""
    basis = wheel_basis(ledger)
    if basis is None or has_short_call(ledger):
        return "no uncovered shares"
    contracts = float(int(basis.shares // 100))
    if contracts < 1:
        return f"{basis.shares:g} shares: less than one contract"
    if await _proposed_today(lc, p.position_id, lc.clock.now().date()):
        return "a proposal was made today already"
    wheel = lc.config.templates.get(p.template)
    name = wheel.lifecycle.on_assignment if wheel and wheel.lifecycle else None
    cc = lc.config.templates.get(name or "")
    rule = cc.entry.legs.get("short_call") if cc else None
    if cc is None or rule is None or rule.delta_target is None or cc.entry.dte_range is None:
        return f"template {name!r} has no short_call delta target and DTE range"
    call = _pick_call(await _call_chain(lc, p, cc.entry.dte_range), rule.delta_target, basis.basis)
    if call is None:
        return "no call in the delta band"
    leg = CandidateLeg("short_call", call.instrument, Action.SELL, 1, call.bid, call.ask, call.delta, call.implied_vol)
    why = (f"wheel: {basis.shares:g} shares, cost basis {basis.basis:.2f}; call {call.strike:g} "
           f"delta {call.delta:.2f} {call.dte(lc.clock.now().date())} DTE")
    return await _save(lc, _proposal(lc, p, (leg,), contracts, variant="covered_call", template=name or "",
                                     why=why, expiry=call.expiration))


async def propose_roll(lc: Lifecycle, p: position_repo.ManagedPosition, ledger: Ledger, why: str) -> Candidate | str:
    """Roll the option legs out to the template's DTE window at the same strikes."""
    t = lc.config.templates.get(p.template)
    options = [leg for leg in ledger.open_legs if leg.instrument.is_option]
    if t is None or t.entry.dte_range is None or not options:
        return "nothing to roll"
    if await _proposed_today(lc, p.position_id, lc.clock.now().date()):
        return "a proposal was made today already"
    chain = await _call_chain(lc, p, t.entry.dte_range)
    by_key = {(c.right, c.strike): c for c in chain}
    legs: list[CandidateLeg] = []
    for leg in options:
        new = by_key.get((leg.instrument.right, leg.instrument.strike))
        if new is None:
            return f"no {leg.instrument.right} {leg.instrument.strike:g} listed in the roll expiry"
        old_side = Action.BUY if leg.quantity < 0 else Action.SELL
        old = await _requote(lc, p, leg)
        if old is None:
            return f"no quote for {leg.symbol}"
        legs.append(CandidateLeg(f"close_{leg.instrument.right}", leg.instrument, old_side, 1, old.bid, old.ask,
                                 old.delta, old.implied_vol))
        legs.append(CandidateLeg(f"open_{leg.instrument.right}", new.instrument, old_side.opposite, 1, new.bid,
                                 new.ask, new.delta, new.implied_vol))
    units = abs(options[0].quantity)
    expiry = legs[1].instrument.expiry
    return await _save(lc, _proposal(lc, p, tuple(legs), units, variant="roll", template=p.template, why=why,
                                     expiry=expiry))


async def _requote(lc: Lifecycle, p: position_repo.ManagedPosition, leg: LegBook) -> OptionContract | None:
    venue = lc.venue_of(p.position_id, p.bot_id)
    if not isinstance(venue, OptionsVenueAdapter):
        return None
    found = await venue.get_option_quotes([leg.instrument])
    return found[0] if found else None
