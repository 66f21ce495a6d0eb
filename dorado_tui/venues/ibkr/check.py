"""`dorado ib check`: connectivity and permissions against a configured gateway, step by step.

Nothing here trades: the permission probe is a what-if order (IB computes margin and never
transmits it), which works the same on paper and live accounts.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

from ib_async import LimitOrder

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import OptionChain, Right
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


async def _near_chain(ad: IBKRAdapter, symbol: str) -> tuple[list[date], OptionChain]:
    expiries = await ad.get_expirations(symbol)
    if not expiries:
        raise VenueError(f"IB lists no option expirations for {symbol}")
    return expiries, await ad.get_chain(symbol, expiries[min(2, len(expiries) - 1)])


async def _options(ad: IBKRAdapter, symbol: str) -> CheckItem:
    expiries, chain = await _near_chain(ad, symbol)
    calls = [c for c in chain.contracts if c.right is Right.CALL]
    if not calls:
        return CheckItem("options", False, f"no {symbol} calls quoted: {'; '.join(chain.notes)}")
    atm = min(calls, key=lambda c: abs(c.strike - chain.underlying_price))
    detail = (f"{len(expiries)} expirations; {atm.symbol.strip()} bid {atm.bid:g} ask {atm.ask:g}, "
              f"model Greeks {'yes' if atm.has_greeks else 'MISSING'}; {len(chain.contracts)} quoted")
    return CheckItem("options", atm.has_greeks and atm.spread_quality < float("inf"), detail)


async def _permissions(ad: IBKRAdapter, symbol: str) -> CheckItem:
    _, chain = await _near_chain(ad, symbol)
    puts = [c for c in chain.contracts if c.right is Right.PUT]
    if not puts:
        return CheckItem("trading permissions", False, f"no {symbol} puts to test with")
    target = min(puts, key=lambda c: abs(c.strike - 0.95 * chain.underlying_price))
    (contract,) = await ad.contracts.qualify([target.instrument])
    assert contract is not None
    order = LimitOrder("BUY", 1, 0.05, account=ad.account, orderRef="dorado-ib-check-whatif")
    await ad.bucket.acquire(priority=True)
    state = await bounded(ad.ib.whatIfOrderAsync(contract, order), ad.config.request_timeout_s,
                          "a what-if order")
    if not state or not getattr(state, "initMarginChange", ""):
        return CheckItem("trading permissions", False, "what-if order refused: the account may lack "
                                                       "option trading permission (see the gateway log)")
    return CheckItem("trading permissions", True,
                     f"what-if BUY 1 {target.symbol.strip()}: initial margin change "
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

