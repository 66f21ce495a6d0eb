"""TWS socket framing: 4-byte big-endian length prefix, NUL-terminated text fields, handshake.

The encoding mirrors what IB Gateway writes (and what ib_async's `Client.send` produces): every
field is text followed by NUL; booleans are "1"/"0"; "no value" is the empty string.
"""

from __future__ import annotations

import asyncio
import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The API versions the simulator can speak (ib_async 2.x asks for v157..178, no protobuf).
MIN_SERVER_VERSION = 157
MAX_SERVER_VERSION = 178
HANDSHAKE_PREFIX = b"API\0"
#: Hard cap on one message: a real gateway drops clients that send more (guards the reader).
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

Field = str | int | float | bool | None


class ProtocolError(Exception):
    """The peer broke the TWS framing or handshake rules."""


def encode_field(value: Field) -> str:
    """One field as the gateway writes it (NaN and None become the empty string)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "Infinite" if value > 0 else "-Infinite"
        return repr(float(value))  # numpy floats are floats too, but repr as np.float64(...)
    return str(value)


def frame(fields: Iterable[Field]) -> bytes:
    """A complete length-prefixed message from its fields."""
    payload = "".join(encode_field(f) + "\0" for f in fields).encode()
    return struct.pack(">I", len(payload)) + payload


def split_fields(payload: bytes) -> list[str]:
    """The fields of one message payload (the trailing NUL is dropped)."""
    text = payload.decode(errors="backslashreplace")
    fields = text.split("\0")
    if fields and fields[-1] == "":
        fields.pop()
    return fields


async def read_message(reader: asyncio.StreamReader) -> bytes:
    """Read one length-prefixed payload; raises IncompleteReadError at EOF."""
    header = await reader.readexactly(4)
    (size,) = struct.unpack(">I", header)
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {size} bytes exceeds the {MAX_MESSAGE_BYTES} byte limit")
    return await reader.readexactly(size)


@dataclass(frozen=True, slots=True)
class ClientHello:
    """What the client offered in the handshake."""

    min_version: int
    max_version: int
    options: str


def parse_hello(payload: bytes) -> ClientHello:
    """Parse `v157..178[ options]` from the handshake payload."""
    text = payload.decode(errors="replace")
    if not text.startswith("v"):
        raise ProtocolError(f"handshake version range must start with 'v', got {text[:20]!r}")
    spec, _, options = text[1:].partition(" ")
    low, sep, high = spec.partition("..")
    try:
        lo = int(low)
        hi = int(high) if sep else lo
    except ValueError as exc:
        raise ProtocolError(f"unreadable handshake version range {text[:20]!r}") from exc
    if lo > hi:
        raise ProtocolError(f"handshake version range {lo}..{hi} is empty")
    return ClientHello(lo, hi, options)


def choose_version(hello: ClientHello, preferred: int) -> int:
    """The version the server answers with: its preferred one clipped into the client's range."""
    version = min(preferred, hello.max_version, MAX_SERVER_VERSION)
    if version < max(hello.min_version, MIN_SERVER_VERSION):
        raise ProtocolError(
            f"no common API version: client offers {hello.min_version}..{hello.max_version}, "
            f"simulator speaks {MIN_SERVER_VERSION}..{MAX_SERVER_VERSION}")
    return version


class FieldReader:
    """Sequential reader over a message's fields with typed getters (for client requests)."""

    def __init__(self, fields: Sequence[str], start: int = 0) -> None:
        self._fields = fields
        self._pos = start

    @property
    def remaining(self) -> int:
        return len(self._fields) - self._pos

    def text(self) -> str:
        if self._pos >= len(self._fields):
            raise ProtocolError(f"message ended after {len(self._fields)} fields")
        value = self._fields[self._pos]
        self._pos += 1
        return value

    def integer(self, default: int = 0) -> int:
        text = self.text()
        try:
            return int(text) if text else default
        except ValueError as exc:
            raise ProtocolError(f"expected an integer at field {self._pos - 1}, got {text!r}") from exc

    def number(self, default: float = math.nan) -> float:
        text = self.text()
        if not text:
            return default
        if text == "Infinite":
            return math.inf
        try:
            return float(text)
        except ValueError as exc:
            raise ProtocolError(f"expected a number at field {self._pos - 1}, got {text!r}") from exc

    def flag(self) -> bool:
        return self.integer() != 0

    def skip(self, count: int) -> None:
        for _ in range(count):
            self.text()
