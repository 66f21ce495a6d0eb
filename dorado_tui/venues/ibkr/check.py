"""`dorado ib check`: connectivity and permissions against a configured gateway, step by step.

Nothing here trades: the permission probe is a what-if order (IB computes margin and never
transmits it), which works the same on paper and live accounts.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ib_async import LimitOrder, Option

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import Right
from dorado_tui.venues.ibkr.adapter import IBKRAdapter
from dorado_tui.venues.ibkr.config import IBKRConfig
from dorado_tui.venues.ibkr.contracts import bounded
from dorado_tui.venues.ibkr.mapping import clean_price, quote_problem


@dataclass(frozen=True, slots=True)
class CheckItem:
    name: str
    ok: bool
    detail: str


@dataclass
class CheckReport:
    gateway: str
    mode: str
    items: list[CheckItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.items) and all(i.ok for i in self.items)

    def as_dict(self) -> dict[str, object]:
        return {"gateway": self.gateway, "mode": self.mode, "ok": self.ok,
                "checks": [{"name": i.name, "ok": i.ok, "detail": i.detail} for i in self.items]}


Step = Callable[[IBKRAdapter, str], Awaitable[CheckItem]]


async def _account(ad: IBKRAdapter, symbol: str) -> CheckItem:
    acct = await ad.get_account_state()
    return CheckItem("account", True, f"{acct.account_id}: net liquidation {acct.net_liquidation:,.2f} "
                                      f"{acct.currency}, buying power {acct.buying_power:,.2f}")


async def _clock(ad: IBKRAdapter, symbol: str) -> CheckItem:
    server = await bounded(ad.ib.reqCurrentTimeAsync(), ad.config.request_timeout_s, "the server time")
    skew = abs((server - ad.clock.now()).total_seconds())
    return CheckItem("clock", skew < 30, f"gateway clock {server:%Y-%m-%d %H:%M:%S} UTC, skew {skew:.0f}s")


async def _market_data(ad: IBKRAdapter, symbol: str) -> CheckItem:
    contract = await ad.contracts.underlying(symbol)
    ticker = await ad.market.snapshot(contract)
    problem = quote_problem(ticker)
    price = clean_price(ticker.last) if math.isnan(clean_price(ticker.bid)) else clean_price(ticker.bid)
    if problem:
        return CheckItem("market data", False, f"{symbol}: {problem} — check the market-data "
                                               "subscriptions of this username (docs/ibkr.md)")
    return CheckItem("market data", True, f"{symbol} live (type {ticker.marketDataType}), bid {price:g}")


async def _options(ad: IBKRAdapter, symbol: str) -> CheckItem:
    expiries = await ad.get_expirations(symbol)
    spot = await ad.market.underlying_price(symbol)
    params = await ad.market.option_params(symbol)
    strike = min(params.strikes, key=lambda k: abs(k - spot))
    expiry = expiries[min(2, len(expiries) - 1)]
    contract = Option(symbol, f"{expiry:%Y%m%d}", strike, "C", "SMART",
                      tradingClass=ad.config.trading_classes.get(symbol, ""))
    await ad.bucket.acquire()
    (qualified,) = await bounded(ad.ib.qualifyContractsAsync(contract), ad.config.request_timeout_s,
                                 "an option contract")
    if qualified is None:
        return CheckItem("options", False, f"no {symbol} {expiry} {strike:g} call listed")
    ticker = await ad.market.option_ticker(contract, Right.CALL)
    greeks = ticker.modelGreeks is not None and ticker.modelGreeks.delta is not None
    detail = (f"{len(expiries)} expirations; {contract.localSymbol.strip()} bid {ticker.bid:g} "
              f"ask {ticker.ask:g}, model Greeks {'yes' if greeks else 'MISSING'}")
    return CheckItem("options", greeks and not quote_problem(ticker), detail)


async def _permissions(ad: IBKRAdapter, symbol: str) -> CheckItem:
    spot = await ad.market.underlying_price(symbol)
    params = await ad.market.option_params(symbol)
    expiry = sorted(params.expirations)[min(2, len(params.expirations) - 1)]
    strike = min(params.strikes, key=lambda k: abs(k - spot * 0.95))
    contract = Option(symbol, expiry, strike, "P", "SMART",
                      tradingClass=ad.config.trading_classes.get(symbol, ""))
    await ad.bucket.acquire()
    await bounded(ad.ib.qualifyContractsAsync(contract), ad.config.request_timeout_s, "an option contract")
    order = LimitOrder("BUY", 1, 0.05, account=ad.account, orderRef="dorado-ib-check-whatif")
    await ad.bucket.acquire(priority=True)
    state = await bounded(ad.ib.whatIfOrderAsync(contract, order), ad.config.request_timeout_s,
                          "a what-if order")
    if not state or not getattr(state, "initMarginChange", ""):
        return CheckItem("trading permissions", False, "what-if order refused: the account may lack "
                                                       "option trading permission (see the gateway log)")
    return CheckItem("trading permissions", True,
                     f"what-if BUY 1 {contract.localSymbol.strip()}: initial margin change "
                     f"{float(state.initMarginChange):,.2f} (not transmitted)")


STEPS: tuple[tuple[str, Step], ...] = (
    ("account", _account), ("clock", _clock), ("market data", _market_data),
    ("options", _options), ("trading permissions", _permissions))


async def run_check(config: IBKRConfig, clock: Clock, symbol: str = "SPY") -> CheckReport:
    """Connect, run every step (each failure recorded, none fatal), disconnect."""
    report = CheckReport(f"{config.host}:{config.effective_port}", config.mode)
    ad = IBKRAdapter(config, clock)
    try:
        await ad.connect()
    except VenueError as exc:
        report.items.append(CheckItem("connect", False, exc.message))
        return report
    try:
        st = ad.status()
        report.items.append(CheckItem("connect", True, f"API version {st.server_version}, account "
                                                       f"{st.account}, clientId {config.client_id}"))
        for name, step in STEPS:
            try:
                report.items.append(await step(ad, symbol))
            except VenueError as exc:
                report.items.append(CheckItem(name, False, exc.message))
    finally:
        await ad.disconnect()
    return report

