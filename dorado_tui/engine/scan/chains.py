"""Chain fetching for the scan: a 2-minute TTL cache, per-venue pacing, retry with backoff.

PRD "Chain Data Quality Handling": chains are cached for two minutes for gate evaluation (only
the chosen contracts are re-quoted fresh, see `requote`); requests to a venue that reports a
message budget (IBKR: 50 msg/s) go through a token bucket under it, and a venue's own pacing
refusal waits the time it asks for; a chain
with more than 10 % of its contracts missing Greeks is fetched again after 60, 120 and 300 s,
then an alert is raised and the underlying skipped. Waiting goes through an injected `sleep`,
so tests never wait (they advance their clock instead).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from dorado_tui.domain.clock import Clock
from dorado_tui.domain.errors import PacingViolation, VenueError
from dorado_tui.domain.instruments import Instrument, OptionChain, OptionContract
from dorado_tui.engine.scan.chain_quality import MAX_MISSING_GREEKS, ValidatedChain, validate_chain
from dorado_tui.engine.scan.model import ScanSettings
from dorado_tui.market.listings import expiry_close
from dorado_tui.venues.base import OptionsVenueAdapter

Sleep = Callable[[float], Awaitable[None]]
Alert = Callable[[str, str], Awaitable[None]]
PACING_RETRIES = 5


class Pacer:
    """Token bucket: `rate` requests per second, bursts of `burst`. Time spent waiting is counted
    as refill, so an injected no-op sleep still paces (and never spins)."""

    def __init__(self, rate: float, burst: int, sleep: Sleep, now: Callable[[], float]) -> None:
        self.rate, self.burst, self.sleep, self.now = rate, burst, sleep, now
        self.tokens = float(burst)
        self.last = now()
        self.waited = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            t = self.now()
            self.tokens = min(float(self.burst), self.tokens + max(t - self.last, 0.0) * self.rate)
            self.last = t
            if self.tokens < 1.0:
                wait = (1.0 - self.tokens) / self.rate
                self.waited += wait
                await self.sleep(wait)
                self.tokens += wait * self.rate
                self.last = t + wait  # the wait is refill already: never count it twice
            self.tokens -= 1.0


@dataclass(frozen=True)
class ChainFailure:
    """Why no usable chain came back (the underlying is skipped with this reason)."""

    code: str
    reason: str
    attempts: int = 1


class ChainFetcher:
    """Cached, paced, retried chain access for one process (shared by consecutive scans)."""

    def __init__(self, clock: Clock, settings: ScanSettings, sleep: Sleep, alert: Alert | None = None) -> None:
        self.clock, self.settings, self.sleep, self.alert = clock, settings, sleep, alert
        self._chains: dict[tuple[str, str, date], tuple[datetime, OptionChain]] = {}
        self._expirations: dict[tuple[str, str], tuple[datetime, list[date]]] = {}
        self._inflight: dict[tuple[str, str, date], asyncio.Future[OptionChain]] = {}
        self._valid: dict[tuple[str, str, date, float], tuple[OptionChain, ValidatedChain]] = {}
        self._validating: dict[tuple[str, str, date, float], asyncio.Future[ValidatedChain | ChainFailure]] = {}
        self._pacers: dict[str, Pacer] = {}
        self.requests = 0
        self.retries: list[tuple[str, date, float]] = []

    def pacer(self, venue_name: str) -> Pacer:
        if venue_name not in self._pacers:
            self._pacers[venue_name] = Pacer(self.settings.requests_per_s, self.settings.request_burst, self.sleep,
                                             lambda: self.clock.now().timestamp())
        return self._pacers[venue_name]

    def _fresh(self, at: datetime) -> bool:
        age = (self.clock.now() - at).total_seconds()
        return 0.0 <= age <= self.settings.chain_ttl_s

    async def _call[T](self, venue: OptionsVenueAdapter, fn: Callable[[], Awaitable[T]]) -> T:
        """One paced venue request; a pacing refusal waits what the venue asks and tries again."""
        paced = venue.status().pacing_budget is not None  # a venue without a message budget is not paced
        for attempt in range(PACING_RETRIES + 1):
            if paced:
                await self.pacer(venue.name).acquire()
            self.requests += 1
            try:
                return await fn()
            except PacingViolation as exc:
                if attempt == PACING_RETRIES:
                    raise
                await self.sleep(max(exc.retry_after, 1.0))
        raise AssertionError("unreachable")

    async def expirations(self, venue: OptionsVenueAdapter, underlying: str) -> list[date]:
        key = (venue.name, underlying)
        hit = self._expirations.get(key)
        if hit is not None and self._fresh(hit[0]):
            return hit[1]
        found = await self._call(venue, lambda: venue.get_expirations(underlying))
        self._expirations[key] = (self.clock.now(), found)
        return found

    async def chain(self, venue: OptionsVenueAdapter, underlying: str, expiry: date, *,
                    fresh: bool = False) -> OptionChain:
        """The chain of one expiry: from the cache within its TTL unless `fresh`."""
        key = (venue.name, underlying, expiry)
        hit = self._chains.get(key)
        if not fresh and hit is not None and self._fresh(hit[0]):
            return hit[1]
        pending = self._inflight.get(key)
        if pending is not None and not fresh:
            return await asyncio.shield(pending)
        future: asyncio.Future[OptionChain] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            chain = await self._call(venue, lambda: venue.get_chain(underlying, expiry))
            self._chains[key] = (self.clock.now(), chain)
            future.set_result(chain)
            return chain
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a failure nobody else awaited is not "never retrieved"
            raise
        finally:
            self._inflight.pop(key, None)

    async def validated(self, venue: OptionsVenueAdapter, underlying: str, expiry: date,
                        exclude_spread: float) -> ValidatedChain | ChainFailure:
        """A chain that passes the completeness check, retried with backoff; else the failure.

        Bots on one underlying share the work: a chain still in the cache is validated once, and
        a validation (with its retries) in progress is awaited rather than repeated."""
        key = (venue.name, underlying, expiry, exclude_spread)
        cached = self._chains.get((venue.name, underlying, expiry))
        hit = self._valid.get(key)
        if hit is not None and cached is not None and hit[0] is cached[1] and self._fresh(cached[0]):
            return hit[1]
        pending = self._validating.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[ValidatedChain | ChainFailure] = asyncio.get_running_loop().create_future()
        self._validating[key] = future
        try:
            result = await self._validate(venue, underlying, expiry, exclude_spread)
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()
            raise
        finally:
            self._validating.pop(key, None)

    async def _validate(self, venue: OptionsVenueAdapter, underlying: str, expiry: date,
                        exclude_spread: float) -> ValidatedChain | ChainFailure:
        attempts = 0
        fresh = False
        while True:
            attempts += 1
            try:
                chain = await self.chain(venue, underlying, expiry, fresh=fresh)
            except VenueError as exc:
                return ChainFailure("CHAIN_UNAVAILABLE", f"{underlying} {expiry} chain unavailable: {exc.message}",
                                    attempts)
            checked = validate_chain(chain, expiry, expiry_close(expiry), self.clock.now(), exclude_spread)
            if checked.missing_greeks_share <= MAX_MISSING_GREEKS and checked.contracts:
                self._valid[(venue.name, underlying, expiry, exclude_spread)] = (chain, checked)
                return checked
            if attempts > len(self.settings.backoff_s):
                return await self._give_up(underlying, expiry, checked, attempts)
            delay = self.settings.backoff_s[attempts - 1]
            self.retries.append((underlying, expiry, delay))
            await self.sleep(delay)
            fresh = True

    async def _give_up(self, underlying: str, expiry: date, checked: ValidatedChain, attempts: int) -> ChainFailure:
        waits = ", ".join(f"{s:g} s" for s in self.settings.backoff_s)
        what = "no contracts" if not checked.contracts else \
            f"{checked.missing_greeks_share:.0%} of contracts missing Greeks (limit {MAX_MISSING_GREEKS:.0%})"
        reason = f"{underlying} {expiry} chain incomplete after {attempts} attempts (waited {waits}): {what}"
        if self.alert is not None:
            await self.alert("CHAIN_INCOMPLETE", reason)
        return ChainFailure("CHAIN_INCOMPLETE", reason, attempts)

    async def quotes(self, venue: OptionsVenueAdapter, instruments: list[Instrument]) -> list[OptionContract]:
        """Fresh quotes and Greeks of chosen contracts (never cached)."""
        return await self._call(venue, lambda: venue.get_option_quotes(instruments))
