"""Chain fetching: 2-minute TTL cache, in-flight sharing, pacing, retry with 60/120/300 s backoff
through an injected sleep (no test ever waits), alert and skip after the last retry."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from chainkit import NOW, bsm_chain, without_greeks
from hypothesis import given, settings
from hypothesis import strategies as st

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.errors import PacingViolation
from dorado_tui.domain.instruments import Instrument, OptionChain, OptionContract
from dorado_tui.engine.scan.chain_quality import ValidatedChain
from dorado_tui.engine.scan.chains import ChainFailure, ChainFetcher, Pacer
from dorado_tui.engine.scan.model import ScanSettings
from dorado_tui.venues.base import OptionsVenueAdapter, VenueStatus

EXPIRY = date(2026, 4, 17)


class ScriptedVenue(OptionsVenueAdapter):
    """Serves chains from a script (one entry per request); records every request."""

    name = "scripted"

    def __init__(self, script: list[OptionChain | Exception]) -> None:
        self.script = script
        self.requests: list[str] = []

    async def get_chain(self, underlying: str, expiry: date) -> OptionChain:
        self.requests.append(f"chain {underlying} {expiry}")
        await asyncio.sleep(0)
        item = self.script[min(len(self.requests) - 1, len(self.script) - 1)]
        if isinstance(item, Exception):
            raise item
        return item

    async def get_expirations(self, underlying: str) -> list[date]:
        self.requests.append("expirations")
        return [EXPIRY]

    async def get_option_quotes(self, contracts: list[Instrument]) -> list[OptionContract]:
        raise AssertionError("not used")

    async def connect(self) -> None: ...
    async def disconnect(self) -> None: ...
    def status(self) -> VenueStatus:
        return VenueStatus(self.name, "simulation", True)
    async def get_account_state(self) -> Any: raise AssertionError("not used")
    async def place_order(self, order: Any) -> Any: raise AssertionError("not used")
    async def cancel_order(self, client_order_id: str) -> Any: raise AssertionError("not used")
    async def get_order(self, client_order_id: str) -> Any: raise AssertionError("not used")
    async def get_open_orders(self) -> Any: raise AssertionError("not used")
    async def get_executions(self, since: datetime | None = None) -> Any: raise AssertionError("not used")
    async def get_positions(self) -> Any: raise AssertionError("not used")
    async def get_quotes(self, symbols: list[str]) -> Any: raise AssertionError("not used")


class Harness:
    def __init__(self) -> None:
        self.clock = FixedClock(NOW)
        self.slept: list[float] = []
        self.alerts: list[tuple[str, str]] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))

    async def alert(self, code: str, message: str) -> None:
        self.alerts.append((code, message))

    def fetcher(self) -> ChainFetcher:
        return ChainFetcher(self.clock, ScanSettings(), self.sleep, self.alert)


async def test_chain_is_served_from_the_cache_for_two_minutes_then_fetched_again() -> None:
    h = Harness()
    venue = ScriptedVenue([bsm_chain()])
    f = h.fetcher()

    first = await f.chain(venue, "XYZ", EXPIRY)
    h.clock.advance(timedelta(seconds=119))
    second = await f.chain(venue, "XYZ", EXPIRY)
    h.clock.advance(timedelta(seconds=2))
    await f.chain(venue, "XYZ", EXPIRY)

    assert second is first
    assert venue.requests == [f"chain XYZ {EXPIRY}"] * 2


async def test_concurrent_requests_for_one_chain_share_one_venue_request() -> None:
    venue = ScriptedVenue([bsm_chain()])
    f = Harness().fetcher()

    a, b = await asyncio.gather(f.chain(venue, "XYZ", EXPIRY), f.chain(venue, "XYZ", EXPIRY))

    assert a is b
    assert len(venue.requests) == 1


async def test_incomplete_chain_is_retried_after_60_then_120_seconds() -> None:
    h = Harness()
    partial = without_greeks(bsm_chain(), every=4)
    venue = ScriptedVenue([partial, partial, bsm_chain()])

    got = await h.fetcher().validated(venue, "XYZ", EXPIRY, 0.2)

    assert isinstance(got, ValidatedChain)
    assert got.missing_greeks_share == 0.0
    assert h.slept == [60.0, 120.0]
    assert len(venue.requests) == 3
    assert h.alerts == []


async def test_chain_still_incomplete_after_three_retries_raises_an_alert_and_skips() -> None:
    h = Harness()
    venue = ScriptedVenue([without_greeks(bsm_chain(), every=4)])

    got = await h.fetcher().validated(venue, "XYZ", EXPIRY, 0.2)

    assert isinstance(got, ChainFailure)
    assert got.code == "CHAIN_INCOMPLETE"
    assert h.slept == [60.0, 120.0, 300.0]
    assert got.reason == (f"XYZ {EXPIRY} chain incomplete after 4 attempts (waited 60 s, 120 s, 300 s): "
                          "25% of contracts missing Greeks (limit 10%)")
    assert h.alerts == [("CHAIN_INCOMPLETE", got.reason)]


async def test_pacing_refusal_waits_what_the_venue_asks_then_succeeds() -> None:
    h = Harness()
    venue = ScriptedVenue([PacingViolation("slow down", retry_after=2.0), bsm_chain()])

    chain = await h.fetcher().chain(venue, "XYZ", EXPIRY)

    assert chain.contracts
    assert h.slept == [2.0]


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(5, 60), burst=st.integers(1, 20), n=st.integers(1, 120))
def test_pacer_never_exceeds_its_burst_plus_rate_in_any_second(rate: float, burst: int, n: int) -> None:
    now = [0.0]
    stamps: list[float] = []

    async def sleep(s: float) -> None:
        now[0] += s

    async def run() -> None:
        pacer = Pacer(rate, burst, sleep, lambda: now[0])
        for _ in range(n):
            await pacer.acquire()
            stamps.append(now[0])

    asyncio.run(run())

    for i, t0 in enumerate(stamps):
        inside = sum(1 for t in stamps[i:] if t < t0 + 1.0 - 1e-9)
        assert inside <= burst + rate + 1e-9
    assert stamps[-1] == pytest.approx(max(0.0, (n - burst) / rate), abs=1e-6)
