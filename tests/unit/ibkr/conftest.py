"""Fixtures for the IBKR unit tests: ib_async's own decoder and client, wired to capture."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ib_async import IB
from ib_async.client import Client
from ib_async.decoder import Decoder

from dorado_tui.venues.ibkr.gateway_sim.wire import Field, frame, split_fields


class DecodeHarness:
    """Feeds encoded server messages through ib_async's Decoder into a real IB wrapper."""

    def __init__(self, version: int) -> None:
        self.ib = IB()
        self.ib.wrapper.clientId = 7
        self.decoder = Decoder(self.ib.wrapper, version)

    @property
    def wrapper(self) -> Any:
        return self.ib.wrapper

    def feed(self, fields: list[Field]) -> list[str]:
        """Frame, unframe and dispatch exactly like the socket path; returns the wire fields."""
        wire = split_fields(frame(fields)[4:])
        msg_id = int(wire[0])
        self.decoder.handlers[msg_id](wire)
        return wire


class CaptureConnection:
    """Stands in for ib_async's socket: keeps every message the client writes."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def sendMsg(self, msg: bytes) -> None:
        self.sent.append(msg)


def capturing_client(version: int) -> tuple[Client, CaptureConnection]:
    """An ib_async Client in the CONNECTED state whose writes are captured."""
    client = Client(IB().wrapper)
    conn = CaptureConnection()
    client.conn = conn  # type: ignore[assignment]
    client.connState = Client.CONNECTED
    client._serverVersion = version
    client.MaxRequests = 0
    return client, conn


@pytest.fixture
def decode() -> Callable[[int], DecodeHarness]:
    return DecodeHarness


@pytest.fixture
def client_capture() -> Callable[[int], tuple[Client, CaptureConnection]]:
    return capturing_client


@pytest.fixture(autouse=True)
def _no_ib_async_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """ib_async's Decoder logs (not raises) field-layout failures: any such log fails the test."""
    caplog.set_level(logging.WARNING, logger="ib_async")
    yield
    errors = [r for r in caplog.records if r.name == "ib_async.Decoder" and r.levelno >= logging.ERROR]
    assert not errors, "ib_async could not decode: " + "; ".join(r.getMessage() for r in errors)
