"""Contract qualification with a cache: Dorado symbols ↔ qualified IB contracts (by conId)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import date

from ib_async import IB, Contract, ContractDetails, Option
from ib_async.util import dataclassUpdate

from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import Instrument
from dorado_tui.venues.ibkr.mapping import (
    ContractRules,
    contract_for,
    instrument_from_contract,
    underlying_contract,
)
from dorado_tui.venues.ibkr.pacing import TokenBucket


async def bounded[T](awaitable: Awaitable[T], seconds: float, what: str) -> T:
    """Await an IB request with a deadline; a missing answer becomes a VenueError."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError as exc:
        raise VenueError(f"IB did not answer {what} within {seconds:g}s") from exc
    except ConnectionError as exc:
        raise VenueError(f"IB connection lost during {what}") from exc


class ContractCache:
    """Qualified contracts by Dorado symbol, and instruments by IB conId.

    Qualified contracts never change for a listed instrument, so the cache lives as long as
    the adapter (across reconnects).
    """

    def __init__(self, ib: IB, rules: ContractRules, bucket: TokenBucket, timeout_s: float) -> None:
        self.ib = ib
        self.rules = rules
        self.bucket = bucket
        self.timeout_s = timeout_s
        self._by_symbol: dict[str, Contract] = {}
        self._by_con_id: dict[int, Instrument] = {}
        self._unknown: set[str] = set()

    def cached(self, symbol: str) -> Contract | None:
        return self._by_symbol.get(symbol)

    def instrument(self, contract: Contract) -> Instrument:
        """The Dorado instrument for any IB contract (cached by conId)."""
        known = self._by_con_id.get(contract.conId) if contract.conId else None
        if known is not None:
            return known
        instrument = instrument_from_contract(contract, self.rules)
        if contract.conId:
            self._by_con_id[contract.conId] = instrument
        return instrument

    async def qualify(self, instruments: list[Instrument], *, strict: bool = True) -> list[Contract | None]:
        """Qualified contracts in input order; unknown ones raise (strict) or come back None."""
        todo = [i for i in dict.fromkeys(instruments) if i.symbol not in self._by_symbol
                and i.symbol not in self._unknown]
        if todo:
            await self._fetch(todo)
        out: list[Contract | None] = []
        for inst in instruments:
            contract = self._by_symbol.get(inst.symbol)
            if contract is None and strict:
                raise VenueError(f"IB has no unique contract for {inst.symbol.strip()!r}")
            out.append(contract)
        return out

    async def _fetch(self, instruments: list[Instrument]) -> None:
        contracts = [contract_for(i, self.rules) for i in instruments]
        results = await self._details(contracts, f"contract details for {len(contracts)} contract(s)")
        for inst, result in zip(instruments, results, strict=True):
            if result is not None:
                self._by_symbol[inst.symbol] = result
                self._by_con_id[result.conId] = inst
            else:
                self._unknown.add(inst.symbol)

    async def _details(self, contracts: list[Contract], what: str) -> list[Contract | None]:
        """Qualify like ib_async's qualifyContractsAsync, but each request is sent right after
        its pacing token (ib_async would send them all at once)."""
        futures = []
        for contract in contracts:
            await self.bucket.acquire()
            futures.append(self.ib.reqContractDetailsAsync(contract))
        answers = await bounded(asyncio.gather(*futures), self.timeout_s, what)
        return [_unique(contract, details) for contract, details in zip(contracts, answers, strict=True)]

    async def expiry_options(self, symbol: str, expiry: date, currency: str = "USD"
                             ) -> list[tuple[Instrument, Contract]]:
        """Every option IB lists for one expiry (both rights, every strike), qualified with a
        single contract-details request (blank strike and right match all) and cached."""
        contract = Option(symbol, f"{expiry:%Y%m%d}", 0.0, "", "SMART", currency=currency,
                          tradingClass=self.rules.trading_classes.get(symbol, ""))
        await self.bucket.acquire()
        details = await bounded(self.ib.reqContractDetailsAsync(contract), self.timeout_s,
                                f"the {symbol} {expiry} option listing")
        out = []
        for found in (d.contract for d in details if d.contract is not None and d.contract.conId):
            if found.secType != "OPT" or (contract.tradingClass and found.tradingClass != contract.tradingClass):
                continue
            found.exchange = "SMART"  # route as the per-contract qualification does
            inst = instrument_from_contract(found, self.rules)
            self._by_symbol.setdefault(inst.symbol, found)
            self._by_con_id[found.conId] = inst
            out.append((inst, self._by_symbol[inst.symbol]))
        return out

    async def underlying(self, symbol: str, currency: str = "USD") -> Contract:
        key = f"@underlying:{symbol}"
        if key not in self._by_symbol:
            contract = underlying_contract(symbol, self.rules, currency)
            (result,) = await self._details([contract], f"contract details for {symbol}")
            if result is None:
                raise VenueError(f"IB does not list underlying {symbol!r}")
            self._by_symbol[key] = result
        return self._by_symbol[key]

    async def qualify_raw(self, contract: Contract) -> Contract | None:
        """Qualify one ready-made IB contract (paced); None when IB has no unique match."""
        (result,) = await self._details([contract], f"contract details for {contract.symbol}")
        return result

    def forget_unknown(self) -> None:
        """Let symbols that failed once be asked again (new listings, new day)."""
        self._unknown.clear()


def _unique(contract: Contract, details: list[ContractDetails]) -> Contract | None:
    """The one matching contract, filled into `contract` (ib_async's rule: a secType filter may
    resolve an ambiguous answer); None when IB knows none or several."""
    found = [d.contract for d in details if d.contract is not None]
    if len(found) > 1 and contract.secType:
        found = [c for c in found if c.secType == contract.secType]
    if len(found) != 1 or not found[0].conId:
        return None
    exchange = contract.exchange
    dataclassUpdate(contract, found[0])
    if exchange == "SMART":
        contract.exchange = exchange  # keep SMART routing, as ib_async does
    return contract
