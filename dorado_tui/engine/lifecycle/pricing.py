"""Limit prices for an order episode: mid, natural, and the walk between them (pure).

Prices are per combo unit in the order convention (positive = debit, negative = credit), so
"more aggressive" is always "higher". Step k of N sits at mid + (k−1)/(N−1) of the way to the cap,
rounded down to the tick (never more aggressive than planned); the cap is mid plus
`max_slippage_frac` of the mid→natural distance, and never beyond the risk policy's price collar
around mid. A single-leg order quotes its instrument's price, so the net is converted back at
the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dorado_tui.domain.orders import OrderLeg
from dorado_tui.engine.lifecycle.settings import ExecutionSettings

PRICE_TICK = 0.01


@dataclass(frozen=True, slots=True)
class LegQuote:
    """Bid and ask of one instrument when priced."""

    bid: float
    ask: float

    @property
    def mid(self) -> float:
        return 0.5 * (self.bid + self.ask)

    @property
    def usable(self) -> bool:
        return math.isfinite(self.bid) and math.isfinite(self.ask) and self.ask > 0 and 0 <= self.bid <= self.ask


class Unpriceable(ValueError):
    """A leg has no usable two-sided quote: nothing may be sent at a guessed price."""


@dataclass(frozen=True, slots=True)
class NetPrice:
    """Mid and natural of a combo (natural = buy legs at the ask, sell legs at the bid)."""

    mid: float
    natural: float

    @property
    def half_spread(self) -> float:
        return self.natural - self.mid


def net_price(legs: Sequence[OrderLeg], quotes: Mapping[str, LegQuote]) -> NetPrice:
    """Net mid and natural per combo unit; raises Unpriceable when a leg lacks a quote."""
    mid = natural = 0.0
    for leg in legs:
        q = quotes.get(leg.instrument.symbol)
        if q is None or not q.usable:
            raise Unpriceable(f"no usable quote for {leg.instrument.symbol.replace(' ', '')}")
        s = leg.signed_ratio
        mid += s * q.mid
        natural += s * (q.ask if s > 0 else q.bid)
    return NetPrice(mid, natural)


def collar_distance(mid: float, collar_pct: float | None, collar_min_abs: float) -> float:
    """How far from mid the risk policy lets a limit go (inf without a collar)."""
    if collar_pct is None:
        return math.inf
    return max(collar_pct / 100.0 * abs(mid), collar_min_abs)


def _floor_tick(x: float, tick: float) -> float:
    return round(math.floor(x / tick + 1e-9) * tick, 10)


def walk_net(price: NetPrice, step: int, settings: ExecutionSettings, *, collar: float = math.inf,
             tick: float = PRICE_TICK) -> float:
    """The net limit of walk step `step` (1-based; steps past the last stay at the cap)."""
    if step < 1:
        raise ValueError(f"walk steps count from 1, got {step}")
    reach = min(settings.max_slippage_frac * max(price.half_spread, 0.0), collar)
    cap = price.mid + reach
    n = settings.walk_steps
    frac = 1.0 if settings.start_at_natural else (0.0 if n == 1 else min(step - 1, n - 1) / (n - 1))
    return _floor_tick(price.mid + frac * (cap - price.mid), tick)


def order_limit(legs: Sequence[OrderLeg], net: float) -> float:
    """The limit an Order carries: the net itself for combos, the instrument price for one leg."""
    if len(legs) > 1:
        return net
    return round(abs(net), 10)


def net_of_limit(legs: Sequence[OrderLeg], limit: float) -> float:
    """Inverse of `order_limit`: the signed net of an order's limit price."""
    if len(legs) > 1:
        return limit
    return legs[0].signed_ratio * limit
