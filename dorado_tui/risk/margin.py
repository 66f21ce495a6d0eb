"""Capital a candidate ties up: defined-risk spreads, cash-secured puts, covered calls, naked shorts.

Computed from the legs, independently of the resolver's own `max_loss`, so that a resolver bug
cannot make a trade look cheaper than it is. Rules (per combo unit, account currency):
- vertical pairs (a short covered by a long of the same right, expiring no earlier):
  credit spreads reserve the strike distance × multiplier, debit spreads nothing beyond the debit;
  when puts and calls are both spread at one expiry (iron condor) only the larger side counts;
- short puts in a cash-secured layer reserve strike × multiplier (the wheel's put);
- short calls covered by shares (held or bought in the same combo) reserve nothing more;
- any other short option is naked: CBOE/Reg-T style max(20 % S − OTM, 10 % S or K) × mult
  plus premium; without an underlying price it cannot be margined (infinite requirement);
- linear instruments (stock, FX, crypto) reserve their notional in the account currency ×
  margin rate (a USD-based pair such as USDJPY: one unit is one dollar; a pair neither quoted in
  nor based on the account currency cannot be valued here: infinite requirement);
then the net premium is subtracted (credit) or added (debit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dorado_tui.domain.candidates import Candidate, CandidateLeg
from dorado_tui.domain.instruments import Instrument, Right, SecType
from dorado_tui.domain.orders import Action

#: Currencies the account is kept in (stablecoins count as dollars).
ACCOUNT_CURRENCIES = frozenset({"USD", "USDC", "USDT"})


@dataclass(frozen=True, slots=True)
class Coverage:
    """How each short option leg of a candidate is covered (by index into `candidate.legs`)."""

    spread_margin: float  # per unit, before premium
    cash_secured: tuple[int, ...]
    by_shares: tuple[int, ...]
    naked: tuple[int, ...]


def _options(candidate: Candidate, right: Right, action: Action) -> list[tuple[int, CandidateLeg]]:
    return [(i, leg) for i, leg in enumerate(candidate.legs)
            if leg.instrument.right is right and leg.action is action and leg.instrument.is_option]


def _pair_margin(short: CandidateLeg, long: CandidateLeg) -> float:
    ks, kl = short.instrument.strike or 0.0, long.instrument.strike or 0.0
    distance = (ks - kl) if short.instrument.right is Right.PUT else (kl - ks)
    return max(0.0, distance) * short.instrument.multiplier


@dataclass(slots=True)
class _Long:
    leg: CandidateLeg
    units: int


def _pair_right(candidate: Candidate, right: Right) -> tuple[float, list[tuple[int, CandidateLeg, int]]]:
    """Pair shorts with longs (cheapest margin first); return margin and unpaired short units."""
    longs = [_Long(leg, leg.ratio) for _, leg in _options(candidate, right, Action.BUY)]
    margin = 0.0
    unpaired: list[tuple[int, CandidateLeg, int]] = []
    for index, short in _options(candidate, right, Action.SELL):
        units = short.ratio
        eligible = sorted(
            (long for long in longs if long.units > 0 and _expires_no_earlier(long.leg, short)),
            key=lambda long: _pair_margin(short, long.leg),
        )
        for long in eligible:
            used = min(units, long.units)
            margin += used * _pair_margin(short, long.leg)
            long.units -= used
            units -= used
            if units == 0:
                break
        if units:
            unpaired.append((index, short, units))
    return margin, unpaired


def _expires_no_earlier(long: CandidateLeg, short: CandidateLeg) -> bool:
    le, se = long.instrument.expiry, short.instrument.expiry
    return le is None or se is None or le >= se


_LAST: list[tuple[Candidate, float, bool, float, Coverage]] = []


def coverage(candidate: Candidate, *, shares_available: float = 0.0,
             cash_secured_puts: bool = False, quantity: float | None = None) -> Coverage:
    """Classify every short option leg: spread-covered, cash-secured, share-covered or naked.

    The last answer is remembered (by candidate identity): the naked-short and buying-power
    checks ask the same question back to back.
    """
    qty = candidate.quantity if quantity is None else quantity
    if _LAST:
        c, shares, secured, q, cov = _LAST[0]
        if c is candidate and shares == shares_available and secured == cash_secured_puts and q == qty:
            return cov
    cov = _coverage(candidate, shares_available, cash_secured_puts, qty)
    _LAST[:] = [(candidate, shares_available, cash_secured_puts, qty, cov)]
    return cov


def _coverage(candidate: Candidate, shares_available: float, cash_secured_puts: bool,
              qty: float) -> Coverage:
    put_margin, put_left = _pair_right(candidate, Right.PUT)
    call_margin, call_left = _pair_right(candidate, Right.CALL)
    expiries = {leg.instrument.expiry for leg in candidate.legs if leg.instrument.is_option}
    if put_margin > 0 and call_margin > 0 and len(expiries) == 1:
        spread = max(put_margin, call_margin)  # one expiry: only one side can finish in the money
    else:
        spread = put_margin + call_margin
    stock_bought = sum(leg.ratio for leg in candidate.legs
                       if leg.instrument.sec_type is SecType.STOCK and leg.action is Action.BUY)
    shares = shares_available + stock_bought * qty
    by_shares: list[int] = []
    naked: list[int] = []
    secured: list[int] = []
    for index, leg, units in call_left:
        need = units * leg.instrument.multiplier * qty
        if shares + 1e-9 >= need:
            shares -= need
            by_shares.append(index)
        else:
            naked.append(index)
    for index, _leg, _units in put_left:
        (secured if cash_secured_puts else naked).append(index)
    return Coverage(spread, tuple(secured), tuple(by_shares), tuple(naked))


def naked_margin(leg: CandidateLeg, underlying_price: float | None) -> float:
    """Reg-T style requirement for one naked short option per ratio unit, premium included."""
    if underlying_price is None or not math.isfinite(underlying_price) or underlying_price <= 0:
        return math.inf
    strike = leg.instrument.strike or 0.0
    s = underlying_price
    if leg.instrument.right is Right.CALL:
        otm, floor = max(0.0, strike - s), 0.10 * s
    else:
        otm, floor = max(0.0, s - strike), 0.10 * strike
    return (max(0.20 * s - otm, floor) + leg.mid) * leg.instrument.multiplier * leg.ratio


def capital_requirement(
    candidate: Candidate,
    *,
    quantity: float | None = None,
    shares_available: float = 0.0,
    cash_secured_puts: bool = False,
    underlying_price: float | None = None,
    margin_rate: float = 1.0,
) -> float:
    """Buying power the candidate needs for `quantity` units (default: its own quantity)."""
    qty = candidate.quantity if quantity is None else quantity
    if not any(leg.instrument.is_option for leg in candidate.legs):
        return _linear_requirement(candidate, qty, margin_rate)
    cov = coverage(candidate, shares_available=shares_available,
                   cash_secured_puts=cash_secured_puts, quantity=qty)
    per_unit = cov.spread_margin
    for i in cov.cash_secured:
        leg = candidate.legs[i]
        per_unit += (leg.instrument.strike or 0.0) * leg.instrument.multiplier * leg.ratio
    for i in cov.naked:
        per_unit += naked_margin(candidate.legs[i], underlying_price)
    # A stock leg bought in the combo (buy-write) is already inside the net debit.
    per_unit -= candidate.credit
    return max(0.0, per_unit) * qty


def unit_value(inst: Instrument, price: float) -> float:
    """Account-currency value of one unit at `price`: quoted in the account currency, the price;
    a USD-based FX pair (USDJPY), one dollar; anything else cannot be valued here (nan)."""
    if inst.currency in ACCOUNT_CURRENCIES:
        return abs(price)
    if inst.sec_type is SecType.FX and inst.symbol[:3] in ACCOUNT_CURRENCIES:
        return 1.0
    return math.nan


def _linear_requirement(candidate: Candidate, qty: float, margin_rate: float) -> float:
    total = 0.0
    for leg in candidate.legs:
        price = candidate.entry if candidate.entry is not None else leg.mid
        value = unit_value(leg.instrument, price)
        if not math.isfinite(value):
            return math.inf
        total += value * leg.ratio * leg.instrument.multiplier
    return total * qty * margin_rate
