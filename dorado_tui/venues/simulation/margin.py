"""Reg-T style margin of the simulation venue: what a portfolio requires and what is left.

- Equity with loan value (ELV) = cash + stock, crypto and FX unrealised P&L (option values are
  left out, as Reg-T does); NAV = ELV + option marks.
- Options are grouped by (underlying, expiry). Short calls are first covered by long shares of
  the underlying. The rest of a group must be defined-risk: its requirement is the worst payoff
  at expiry over every strike and zero (a cash-secured put needs strike × 100, a credit spread
  width × 100). Short calls left uncovered pay the naked-call formula
  max(20 % × spot − OTM, 10 % × spot) × 100 on top.
- Long options need nothing beyond their premium (already paid out of cash), so the buying-power
  effect of a credit spread is width × multiplier − credit, of a cash-secured put
  strike × 100 − credit.
- Stock: `stock_long` × value long, `stock_short` × value short; FX: `fx` × USD notional.
Buying power = ELV − requirement; an order is accepted when the portfolio after it keeps that ≥ 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from dorado_tui.domain.instruments import Right, SecType
from dorado_tui.venues.simulation.config import Margin
from dorado_tui.venues.simulation.ledger import fx_notional_usd, fx_unrealized_usd
from dorado_tui.venues.simulation.state import PositionRec


@dataclass(frozen=True, slots=True)
class MarginFigures:
    elv: float
    nav: float
    requirement: float

    @property
    def buying_power(self) -> float:
        return self.elv - self.requirement


def _group_requirement(options: list[PositionRec], spot: float, covering_shares: float,
                       params: Margin) -> tuple[float, float]:
    """(requirement, shares used to cover short calls) of one (underlying, expiry) group."""
    mult = options[0].instrument.multiplier
    strikes = np.array([p.instrument.strike or 0.0 for p in options])
    qty = np.array([p.quantity for p in options])
    is_call = np.array([p.instrument.right is Right.CALL for p in options])
    net_calls = float(qty[is_call].sum())  # < 0: more short calls than long ones
    covered = min(max(-net_calls, 0.0), covering_shares / mult)
    naked = max(-net_calls - covered, 0.0)
    points = np.concatenate([[0.0], np.unique(strikes)])
    payoff = np.zeros(len(points))
    for k, q, c in zip(strikes, qty, is_call, strict=True):
        payoff += q * mult * (np.maximum(points - k, 0.0) if c else np.maximum(k - points, 0.0))
    # covered and naked short calls are taken out of the payoff: covered ones by shares, naked by
    # the formula below; remove them at the highest short strikes (the least-hedged ones)
    extra = covered + naked
    for k in sorted(strikes[is_call & (qty < 0)], reverse=True):
        if extra <= 0:
            break
        take = min(extra, float(-qty[is_call & (qty < 0) & (strikes == k)].sum()))
        payoff -= -take * mult * np.maximum(points - k, 0.0)
        extra -= take
    requirement = max(0.0, -float(payoff.min()))
    if naked > 0:
        otm = max(float(np.max(strikes[is_call])) - spot, 0.0)
        per = max(params.naked_call_pct * spot - otm, params.naked_call_min_pct * spot)
        requirement += naked * mult * per
    return requirement, covered * mult


def figures(positions: Mapping[str, PositionRec], cash: float, marks: Mapping[str, float],
            params: Margin) -> MarginFigures:
    """ELV, NAV and requirement of a portfolio given marks per symbol (options: mid per unit)."""
    elv, option_value, requirement = cash, 0.0, 0.0
    groups: dict[tuple[str, object], list[PositionRec]] = {}
    shares: dict[str, float] = {}
    for sym, pos in positions.items():
        mark = marks[sym]
        sec = pos.instrument.sec_type
        if sec is SecType.OPTION:
            option_value += pos.quantity * mark * pos.instrument.multiplier
            groups.setdefault((pos.instrument.underlying, pos.instrument.expiry), []).append(pos)
        elif sec is SecType.FX:
            elv += fx_unrealized_usd(pos, mark)
            requirement += params.fx * fx_notional_usd(pos.instrument, pos.quantity, mark)
        else:
            value = pos.quantity * mark * pos.instrument.multiplier
            elv += value
            if sec is SecType.STOCK:
                shares[sym] = pos.quantity
                requirement += params.stock_long * value if value > 0 else params.stock_short * -value
            else:
                requirement += abs(value)  # spot crypto is fully paid
    for (underlying, _expiry), opts in sorted(groups.items(), key=lambda kv: str(kv[0])):
        req, used = _group_requirement(opts, marks.get(underlying, 0.0), max(shares.get(underlying, 0.0), 0.0), params)
        requirement += req
        if underlying in shares:
            shares[underlying] -= used
    return MarginFigures(elv, elv + option_value, requirement)
