"""Fixtures: the gateway simulator on a free port, and IBKRAdapter(s) connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.venues.ibkr.adapter import IBKRAdapter
from dorado_tui.venues.ibkr.config import IBKRConfig
from dorado_tui.venues.ibkr.gateway_sim.memory_book import MemoryBook
from dorado_tui.venues.ibkr.gateway_sim.server import GatewaySimulator

#: Friday 2025-03-14 11:00 New York: a trading day, far from the nightly restart window.
START = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
SETTLE = 5.0  # seconds any single wait may take before a test fails


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def book(clock: FixedClock) -> MemoryBook:
    return MemoryBook(clock)


@pytest.fixture
async def gateway(book: MemoryBook, clock: FixedClock) -> AsyncIterator[GatewaySimulator]:
    async with GatewaySimulator(book, clock) as gw:
        yield gw


def sim_config(port: int, **overrides: Any) -> IBKRConfig:
    """Short timeouts and backoffs so faults resolve in milliseconds, not minutes."""
    values: dict[str, Any] = dict(
        port=port, client_id=11, connect_timeout_s=3.0, request_timeout_s=3.0,
        order_ack_timeout_s=1.0, reconnect_initial_s=0.01, reconnect_max_s=0.05,
        client_id_in_use_backoff_s=0.02, quote_wait_s=1.5, chain_max_strikes=4,
        heartbeat_interval_s=600.0, pacing_backoff_s=0.01)
    values.update(overrides)
    return IBKRConfig(**values)


@pytest.fixture
def make_adapter(gateway: GatewaySimulator, clock: FixedClock) -> Callable[..., IBKRAdapter]:
    made: list[IBKRAdapter] = []

    def build(**overrides: Any) -> IBKRAdapter:
        adapter = IBKRAdapter(sim_config(gateway.port, **overrides), clock)
        made.append(adapter)
        return adapter

    return build


@pytest.fixture
async def adapter(make_adapter: Callable[..., IBKRAdapter]) -> AsyncIterator[IBKRAdapter]:
    ad = make_adapter()
    await ad.connect()
    yield ad
    await ad.disconnect()
