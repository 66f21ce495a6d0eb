"""Fill prices: when an order is marketable and at what net and per-leg prices it fills.

Prices are per combo unit with the domain's sign: positive = the operator pays (debit). A limit
order fills once its net limit is at least `threshold` of the way from the mid to the natural
price (buy legs at the ask, sell legs at the bid) and fills at its limit, or at the natural
price when the limit is better than that. Market orders fill at the natural price moved against
the operator by the slippage model. Combo legs share the improvement over natural in proportion
to their half-spreads, so the legs always add up to the combo's net price.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorado_tui.domain.instruments import Instrument, SecType
from dorado_tui.domain.orders import Order, OrderType
from dorado_tui.venues.simulation.config import Slippage


@dataclass(frozen=True, slots=True)
class LegQuote:
    bid: float
    ask: float
    tick: float

    @property
    def mid(self) -> float:
        return 0.5 * (self.bid + self.ask)


@dataclass(frozen=True, slots=True)
class Match:
    net: float  # per combo unit, debit positive
    leg_prices: tuple[float, ...]


def _signs(order: Order) -> list[int]:
    if not order.is_combo:
        return [order.legs[0].action.sign]
    return [leg.signed_ratio for leg in order.legs]


def limit_net(order: Order) -> float:
    """The order's limit as a net debit per unit (single legs quote the instrument price)."""
    assert order.limit_price is not None
    if order.is_combo:
        return order.limit_price
    return order.legs[0].action.sign * order.limit_price


def _slip(instrument: Instrument, price: float, tick: float, slippage: Slippage) -> float:
    sec = instrument.sec_type
    if sec is SecType.OPTION:
        return slippage.option_ticks * tick
    bps = {SecType.FX: slippage.fx_bps, SecType.CRYPTO: slippage.crypto_bps}.get(sec, slippage.stock_bps)
    return price * bps / 1e4


def natural_and_mid(order: Order, quotes: list[LegQuote]) -> tuple[float, float]:
    nat = mid = 0.0
    for s, q in zip(_signs(order), quotes, strict=True):
        nat += s * (q.ask if s > 0 else q.bid)
        mid += s * q.mid
    return nat, mid


def allocate(order: Order, quotes: list[LegQuote], net: float) -> tuple[float, ...]:
    """Leg prices adding up to `net`, each leg between its mid and its natural side.

    Legs are rounded to 1/10,000 and the rounding residue goes to the first leg, so the legs sum
    to the combo's net price exactly (to float precision).
    """
    signs = _signs(order)
    if not order.is_combo:
        return (abs(net),)
    naturals = [q.ask if s > 0 else q.bid for s, q in zip(signs, quotes, strict=True)]
    nat, mid = natural_and_mid(order, quotes)
    lam = 0.0 if abs(nat - mid) < 1e-12 else (net - mid) / (nat - mid)
    prices = [round(q.mid + lam * (n - q.mid), 4) for q, n in zip(quotes, naturals, strict=True)]
    residue = net - sum(s * p for s, p in zip(signs, prices, strict=True))
    prices[0] = max(prices[0] + residue / signs[0], 0.0)
    return tuple(prices)


def match(order: Order, quotes: list[LegQuote], threshold: float, slippage: Slippage) -> Match | None:
    """The fill of `order` against `quotes` (one per leg), or None when it is not marketable."""
    signs = _signs(order)
    naturals = [q.ask if s > 0 else q.bid for s, q in zip(signs, quotes, strict=True)]
    if order.order_type is OrderType.MARKET:
        prices = []
        for s, nat, q, leg in zip(signs, naturals, quotes, order.legs, strict=True):
            slip = _slip(leg.instrument, nat, q.tick, slippage)
            prices.append(max(nat + (slip if s > 0 else -slip), 0.0))
        return Match(sum(s * p for s, p in zip(signs, prices, strict=True)), tuple(prices))
    nat, mid = natural_and_mid(order, quotes)
    limit = limit_net(order)
    if limit + 1e-9 < mid + threshold * (nat - mid):
        return None
    net = round(min(limit, nat), 4)
    return Match(net, allocate(order, quotes, net))
