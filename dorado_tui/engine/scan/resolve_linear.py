"""The FX/crypto half of the Template Resolver: entries, stops and targets from ATR multiples.

Entry: a market order at the mid, or a limit `entry_offset_atr` ATRs better than the mid. Stop
and target sit the template's ATR multiples away. Two variants, as in the PRD's example: the
template's multiples ("atr") and a tighter one at half of them ("atr_tight"). Amounts are in the
account currency: a pair quoted in JPY converts its per-unit loss at the stop (and its profit at
the target) back to USD. Probability of profit is the chance of touching the target before the
stop for a driftless random walk: stop distance / (stop + target distance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dorado_tui.domain.candidates import Candidate, CandidateLeg
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import AssetClass, Instrument, SecType
from dorado_tui.domain.market import Quote
from dorado_tui.domain.orders import Action
from dorado_tui.settings.templates import StrategyTemplate
from dorado_tui.settings.universe import Underlying

TIGHT = 0.5


@dataclass(frozen=True)
class LinearRequest:
    """What an FX or crypto candidate is resolved from."""

    scan_id: str
    bot_id: str
    template_key: str
    template: StrategyTemplate
    layer: str
    underlying: Underlying
    quote: Quote
    atr: float
    direction: str
    gates: tuple[Decision, ...] = ()
    flags: tuple[str, ...] = ()
    data_quality: float = 1.0


def instrument_of(u: Underlying) -> Instrument:
    sec = SecType.FX if u.asset_class == "fx" else SecType.CRYPTO
    tick = 0.001 if u.quote_currency == "JPY" else (0.00001 if u.asset_class == "fx" else 0.01)
    return Instrument(u.symbol, sec, u.symbol, tick=tick, currency=u.quote_currency)


def to_account(amount: float, price: float, quote_currency: str) -> float:
    """A quote-currency amount per unit in USD (the account currency): USD-quoted as is, a
    USD-based pair (USDJPY) divided by its price."""
    return amount if quote_currency in ("USD", "USDC", "USDT") else amount / price


def _multiples(tpl: StrategyTemplate) -> tuple[float, float]:
    m = tpl.management
    stop = m.stop_loss.multiplier if m.stop_loss and m.stop_loss.method == "atr_multiple" else None
    target = m.profit_target.multiplier if m.profit_target and m.profit_target.method == "atr_multiple" else None
    if stop is None or target is None:
        raise ValueError(f"{tpl.name}: FX/crypto templates need ATR-multiple stop_loss and profit_target")
    return stop, target


def _entry(req: LinearRequest) -> float:
    mid = req.quote.mid
    offset = req.template.entry.entry_offset_atr
    if req.template.entry.order_type == "market" or not offset:
        return mid
    sign = -1.0 if req.direction == "long" else 1.0  # a better price: below mid to buy, above to sell
    return mid + sign * offset * req.atr


def resolve_linear(req: LinearRequest) -> tuple[list[Candidate], list[str]]:
    """Both ATR variants, or the reason there are none."""
    if req.direction not in ("long", "short"):
        return [], [f"no direction for {req.underlying.symbol} (got {req.direction!r})"]
    if not (math.isfinite(req.atr) and req.atr > 0):
        return [], [f"ATR of {req.underlying.symbol} cannot be measured"]
    if not req.quote.is_two_sided:
        return [], [f"no two-sided quote for {req.underlying.symbol}"]
    k_stop, k_target = _multiples(req.template)
    out = [_candidate(req, "atr", k_stop, k_target), _candidate(req, "atr_tight", k_stop * TIGHT, k_target * TIGHT)]
    return out, []


def _candidate(req: LinearRequest, variant: str, k_stop: float, k_target: float) -> Candidate:
    u, sign = req.underlying, (1.0 if req.direction == "long" else -1.0)
    entry = _entry(req)
    stop, target = entry - sign * k_stop * req.atr, entry + sign * k_target * req.atr
    loss = to_account(abs(entry - stop), stop, u.quote_currency)
    gain = to_account(abs(target - entry), target, u.quote_currency)
    inst = instrument_of(u)
    leg = CandidateLeg("spot", inst, Action.BUY if sign > 0 else Action.SELL, 1, req.quote.bid, req.quote.ask)
    spread = (req.quote.ask - req.quote.bid) / req.quote.mid if req.quote.mid > 0 else math.inf
    flags = (*req.flags, f"stop {k_stop:g}×ATR, target {k_target:g}×ATR (ATR {req.atr:.6g})")
    return Candidate(
        id=f"{req.scan_id}/{req.bot_id}/{variant}", scan_id=req.scan_id, bot_id=req.bot_id, underlying=u.symbol,
        asset_class=AssetClass(u.asset_class), template=req.template_key, strategy_layer=req.layer, legs=(leg,),
        expiry=None, dte=None, credit=0.0, max_loss=loss, max_profit=gain, width=None, breakevens=(entry,),
        pop=k_stop / (k_stop + k_target), entry=entry, stop=stop, target=target, direction=req.direction,
        data_quality=req.data_quality, spread_quality=spread, variant=variant, flags=flags, gates=req.gates,
        delta=sign)
