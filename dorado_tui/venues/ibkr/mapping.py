"""The one place IB objects become Dorado domain values and back (pure: no I/O, no state).

Conventions handled here so nobody else has to know them:
- IB option positions report average cost × multiplier; Dorado wants it per unit.
- A combo is an IB BAG bought at a net price (negative = credit), Dorado's convention exactly.
- ib_async leaves IB's "not computed" sentinels in Greeks (-1 IV, -2 vega/theta, max double).
- A combo's executions arrive as one BAG summary row plus one row per leg; Dorado keeps legs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from ib_async import Contract, Forex, Index, Option, Stock
from ib_async import Order as IBOrder
from ib_async.contract import ComboLeg, Crypto
from ib_async.objects import AccountValue, BarData
from ib_async.objects import Fill as IBFill
from ib_async.objects import Position as IBPosition
from ib_async.order import Trade
from ib_async.ticker import Ticker

from dorado_tui.domain.account import AccountState, Position
from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    OptionContract,
    Right,
    SecType,
    option_instrument,
)
from dorado_tui.domain.market import Bar, Quote, SwapRates
from dorado_tui.domain.orders import Action, Fill, Order, OrderResult, OrderStatus, OrderType

#: IB error codes that mean "this new order was not accepted".
REJECT_CODES = frozenset({103, 110, 200, 201, 203, 321, 388, 10147})
_BIG = 1e100


@dataclass(frozen=True, slots=True)
class ContractRules:
    """Venue facts the mapping needs: which underlyings are indices, which trading class."""

    index_exchanges: Mapping[str, str] = field(default_factory=dict)
    trading_classes: Mapping[str, str] = field(default_factory=dict)


# --- numbers ------------------------------------------------------------------------------
def clean_price(value: float | None) -> float:
    """A price or NaN: IB's -1 "no quote", zero, NaN and unset doubles all mean none."""
    if value is None or not math.isfinite(value) or value <= 0 or abs(value) > _BIG:
        return math.nan
    return float(value)


def clean_greek(value: float | None, sentinel: float) -> float | None:
    if value is None or not math.isfinite(value) or value == sentinel or abs(value) > _BIG:
        return None
    return float(value)


def round_to_tick(price: float, tick: float, action: Action) -> float:
    """Round a limit to the tick, never against us: buys round down, sells round up."""
    steps = price / tick
    steps = math.floor(steps + 1e-9) if action is Action.BUY else math.ceil(steps - 1e-9)
    return round(steps * tick, 10)


# --- instruments and contracts ------------------------------------------------------------
def _ymd(value: date) -> str:
    return f"{value:%Y%m%d}"


def parse_expiry(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def underlying_contract(symbol: str, rules: ContractRules, currency: str = "USD") -> Contract:
    if symbol in rules.index_exchanges:
        return Index(symbol, rules.index_exchanges[symbol], currency)
    return Stock(symbol, "SMART", currency)


def contract_for(instrument: Instrument, rules: ContractRules) -> Contract:
    """The unqualified IB contract for a Dorado instrument."""
    match instrument.sec_type:
        case SecType.STOCK:
            return Stock(instrument.symbol, "SMART", instrument.currency)
        case SecType.INDEX:
            exchange = rules.index_exchanges.get(instrument.symbol, "CBOE")
            return Index(instrument.symbol, exchange, instrument.currency)
        case SecType.OPTION:
            assert instrument.expiry and instrument.right and instrument.strike is not None
            return Option(instrument.underlying, _ymd(instrument.expiry), instrument.strike,
                          "C" if instrument.right is Right.CALL else "P", "SMART",
                          multiplier=str(instrument.multiplier), currency=instrument.currency,
                          tradingClass=rules.trading_classes.get(instrument.underlying, ""))
        case SecType.FX:
            pair = instrument.symbol.replace(".", "").replace("/", "")
            return Forex(pair)
        case SecType.CRYPTO:
            return Crypto(instrument.underlying or instrument.symbol, "PAXOS", instrument.currency)
    raise ValueError(f"no IB contract for sec_type {instrument.sec_type}")


def instrument_from_contract(c: Contract, rules: ContractRules) -> Instrument:
    """The Dorado instrument for an IB contract (positions, executions, orders not ours)."""
    sec = c.secType
    if sec == "OPT":
        multiplier = int(float(c.multiplier)) if c.multiplier else 100
        style = ExerciseStyle.EUROPEAN if c.symbol in rules.index_exchanges else ExerciseStyle.AMERICAN
        right = Right.CALL if c.right.startswith("C") else Right.PUT
        return option_instrument(c.symbol, parse_expiry(c.lastTradeDateOrContractMonth), right,
                                 float(c.strike), style, multiplier)
    if sec == "STK":
        return Instrument(c.symbol, SecType.STOCK, c.symbol, currency=c.currency or "USD")
    if sec == "IND":
        return Instrument(c.symbol, SecType.INDEX, c.symbol, currency=c.currency or "USD")
    if sec == "CASH":
        pair = c.symbol + c.currency
        return Instrument(pair, SecType.FX, pair, tick=0.00005, currency=c.currency)
    if sec == "CRYPTO":
        return Instrument(c.symbol + c.currency, SecType.CRYPTO, c.symbol, currency=c.currency)
    raise ValueError(f"IB contract type {sec or '?'} ({c.localSymbol or c.symbol}) has no Dorado instrument")


def bag_for(underlying: str, currency: str, legs: Iterable[tuple[int, int, Action]]) -> Contract:
    """A BAG over qualified leg conIds: (conId, ratio, action) in Dorado's leg order."""
    return Contract(secType="BAG", symbol=underlying, exchange="SMART", currency=currency, comboLegs=[
        ComboLeg(conId=con_id, ratio=ratio, action=action.value.upper(), exchange="SMART")
        for con_id, ratio, action in legs])


def ib_order_for(order: Order, account: str, tick: float) -> IBOrder:
    """The IB order for a Dorado order; `orderRef` carries the client order id."""
    if order.is_combo:
        action, quantity = Action.BUY, order.quantity
    else:
        leg = order.legs[0]
        action, quantity = leg.action, order.quantity * leg.ratio
    ib = IBOrder(action=action.value.upper(), totalQuantity=quantity, tif="DAY",
                 orderRef=order.client_order_id, account=account, transmit=True)
    if order.order_type is OrderType.LIMIT:
        assert order.limit_price is not None
        if not math.isfinite(order.limit_price):
            raise ValueError(f"order {order.client_order_id}: limit price {order.limit_price} is not a number")
        ib.orderType = "LMT"
        ib.lmtPrice = round_to_tick(order.limit_price, tick, action)
    else:
        ib.orderType = "MKT"
    return ib


# --- quotes -------------------------------------------------------------------------------
def quote_from_ticker(symbol: str, ticker: Ticker, now: datetime) -> Quote:
    return Quote(symbol=symbol, bid=clean_price(ticker.bid), ask=clean_price(ticker.ask),
                 last=clean_price(ticker.last), time=now,
                 bid_size=_size(ticker.bidSize), ask_size=_size(ticker.askSize))


def _size(value: float) -> float:
    return float(value) if value is not None and math.isfinite(value) and value > 0 else 0.0


def open_interest(ticker: Ticker, right: Right) -> int:
    raw = ticker.callOpenInterest if right is Right.CALL else ticker.putOpenInterest
    if raw is None or not math.isfinite(raw):
        raw = ticker.openInterest
    return int(raw) if raw is not None and math.isfinite(raw) and raw >= 0 else 0


def option_from_ticker(instrument: Instrument, ticker: Ticker, now: datetime) -> OptionContract:
    """Raw bid/ask beside IB's model Greeks (tick 13); missing Greeks stay None.

    A missing side is 0.0 here (a chain's "no bid"), which `OptionContract.spread_quality`
    reads as no two-sided market; NaN would slip through its `<= 0` test.
    """
    assert instrument.right is not None
    g = ticker.modelGreeks
    iv = clean_greek(g.impliedVol, -1.0) if g else None
    delta = clean_greek(g.delta, -2.0) if g else None
    stamp = now  # the caller's clock: ib_async stamps ticks with the wall clock
    return OptionContract(
        instrument=instrument, bid=_or_zero(clean_price(ticker.bid)),
        ask=_or_zero(clean_price(ticker.ask)),
        delta=delta, gamma=clean_greek(g.gamma, -2.0) if g else None,
        theta=clean_greek(g.theta, -2.0) if g else None,
        vega=clean_greek(g.vega, -2.0) if g else None, implied_vol=iv,
        open_interest=open_interest(ticker, instrument.right), volume=int(_size(ticker.volume)),
        quote_time=stamp, greeks_time=stamp if delta is not None else None,
        underlying_price=clean_greek(g.undPrice, -1.0) if g else None)


def _or_zero(price: float) -> float:
    return 0.0 if math.isnan(price) else price


def quote_problem(ticker: Ticker) -> str:
    """Why a quote cannot back an order ("" when it can): no two-sided market, or not live."""
    bid, ask = clean_price(ticker.bid), clean_price(ticker.ask)
    if math.isnan(bid) or math.isnan(ask):
        return "no two-sided quote"
    if ask < bid:
        return f"crossed quote (bid {bid} > ask {ask})"
    kinds = {2: "frozen", 3: "delayed", 4: "delayed-frozen"}
    if ticker.marketDataType in kinds:
        return f"{kinds[ticker.marketDataType]} market data (type {ticker.marketDataType})"
    if ticker.halted is not None and math.isfinite(ticker.halted) and ticker.halted > 0:
        return "trading halted"
    return ""


def bar_from_ib(symbol: str, bar: BarData) -> Bar:
    """A daily bar starts at 09:30 New York on its date; intraday bars carry their instant."""
    if isinstance(bar.date, datetime):
        start = bar.date.astimezone(UTC)
    else:
        start = datetime.combine(bar.date, time(9, 30), tzinfo=NEW_YORK).astimezone(UTC)
    return Bar(symbol=symbol, start=start, open=float(bar.open), high=float(bar.high),
               low=float(bar.low), close=float(bar.close), volume=float(bar.volume))


# --- orders, fills, positions, account ------------------------------------------------------
def _logged_reject(trade: Trade) -> str:
    for entry in reversed(trade.log):
        if entry.errorCode in REJECT_CODES:
            return f"{entry.errorCode}: {entry.message}"
    return ""


def filled_units(trade: Trade) -> float:
    """Combo units (or shares/contracts) filled, from whichever source this trade has."""
    candidates = [trade.orderStatus.filled, trade.filled()]
    fq = trade.order.filledQuantity
    if fq is not None and math.isfinite(float(fq)) and float(fq) < _BIG:
        candidates.append(float(fq))
    return max(float(x) for x in candidates)


def status_of(trade: Trade) -> tuple[OrderStatus, str]:
    """Dorado's status and reason for an IB trade (live, open-order or completed)."""
    ib = trade.orderStatus.status
    filled = filled_units(trade)
    total = float(trade.order.totalQuantity)
    if ib == "Filled" or (total > 0 and filled >= total - 1e-9):
        return OrderStatus.FILLED, ""
    if ib in ("Cancelled", "ApiCancelled", "Inactive"):
        reject = _logged_reject(trade)
        if reject or (ib == "Inactive" and filled == 0):
            # ib_async keeps no completed-order text: an Inactive unfilled order was rejected
            return OrderStatus.REJECTED, reject or "order inactive at IB (rejected)"
        return OrderStatus.CANCELLED, "partially filled, rest cancelled" if filled else ""
    if ib in ("PendingSubmit", "ApiPending", ""):
        return OrderStatus.PENDING_SUBMIT, ""
    return (OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.SUBMITTED), ""


def fill_from_ib(f: IBFill, client_order_id: str, instrument: Instrument, leg_index: int) -> Fill:
    e = f.execution
    return Fill(exec_id=e.execId, client_order_id=client_order_id, venue_order_id=str(e.permId),
                symbol=instrument.symbol, action=Action.BUY if e.side == "BOT" else Action.SELL,
                quantity=float(e.shares), price=float(e.price), multiplier=instrument.multiplier,
                time=e.time, commission=float(f.commissionReport.commission or 0.0),
                leg_index=leg_index)


def order_result(client_order_id: str, trade: Trade, fills: Iterable[Fill], now: datetime,
                 reason: str = "") -> OrderResult:
    status, why = status_of(trade)
    avg = trade.orderStatus.avgFillPrice
    filled = filled_units(trade)
    return OrderResult(client_order_id=client_order_id,
                       venue_order_id=str(trade.order.permId) if trade.order.permId else None,
                       status=status, filled_quantity=filled,
                       avg_fill_price=float(avg) if filled > 0 and avg else None,
                       fills=tuple(sorted(fills, key=lambda x: (x.time, x.exec_id))),
                       reason=reason or why, time=now)


def position_from_ib(p: IBPosition, rules: ContractRules, mark: float | None = None) -> Position:
    instrument = instrument_from_contract(p.contract, rules)
    return Position(instrument=instrument, quantity=float(p.position),
                    avg_cost=float(p.avgCost) / instrument.multiplier,
                    mark=mark if mark is not None and math.isfinite(mark) and mark > 0 else None)


ACCOUNT_TAGS = ("NetLiquidation", "TotalCashValue", "BuyingPower", "InitMarginReq", "MaintMarginReq")


def account_from_values(values: Iterable[AccountValue], account: str, now: datetime) -> AccountState:
    """AccountState from account-summary values; raises ValueError naming missing tags."""
    found: dict[str, AccountValue] = {}
    for v in values:
        if v.account == account and v.tag in ACCOUNT_TAGS and v.currency not in ("", "BASE"):
            found.setdefault(v.tag, v)
    missing = [t for t in ACCOUNT_TAGS if t not in found]
    if missing:
        raise ValueError(f"account {account}: IB did not report {', '.join(missing)}")
    num = {t: float(found[t].value) for t in ACCOUNT_TAGS}
    return AccountState(account_id=account, currency=found["NetLiquidation"].currency,
                        cash=num["TotalCashValue"], net_liquidation=num["NetLiquidation"],
                        buying_power=num["BuyingPower"], initial_margin=num["InitMarginReq"],
                        maintenance_margin=num["MaintMarginReq"], time=now)


def fx_carry(pair: str, spot: float, rates: Mapping[str, tuple[float, float]], now: datetime) -> SwapRates:
    """IB spot FX has no swap points: carry is interest on the two currency balances.

    Long 1 base earns the base credit rate and pays the quote debit rate on `spot` quote units
    (ACT/360), and vice versa for short; returned in pips (0.01 for JPY quotes) per day.
    """
    base, quote = pair[:3], pair[-3:]
    for ccy in (base, quote):
        if ccy not in rates:
            raise ValueError(f"no IB interest rates configured for {ccy} (fx_interest_rates)")
    (b_credit, b_debit), (q_credit, q_debit) = rates[base], rates[quote]
    pip = 0.01 if quote == "JPY" else 0.0001
    long_pips = spot * (b_credit - q_debit) / 360.0 / pip
    short_pips = spot * (q_credit - b_debit) / 360.0 / pip
    return SwapRates(pair=pair, long_pips_per_day=long_pips, short_pips_per_day=short_pips, time=now)
