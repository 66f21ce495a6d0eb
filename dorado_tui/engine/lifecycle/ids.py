"""Identifiers of the order path: position ids, client order ids, operator handles, twin bots.

Every id is derived from the candidate it comes from, so a restarted process recomputes the same
ids instead of inventing new ones (the idempotency the order path rests on):

- position id: `p` (live) or `t` (paper twin) + 12 hex digits of SHA-1(candidate id);
- client order id: `<position id>.<purpose><episode>-<step>`, e.g. `p3f9a21c0d4e1.o1-2` is the
  second walk step of the first opening episode. Purposes: `o` open, `a` adjustment (roll,
  covered call, close of a tested side), `c` close. Hex, dots and dashes only: safe inside SQL
  LIKE patterns and as an IB order reference;
- operator handle: the first 6 hex digits of SHA-1(candidate id), the ID `dorado approve` shows.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum


class Purpose(StrEnum):
    """Why an order episode exists (the letter inside the client order id)."""

    OPEN = "o"
    ADJUST = "a"
    CLOSE = "c"

    @property
    def opening(self) -> bool:
        return self is Purpose.OPEN

    @property
    def tag(self) -> str:
        return {Purpose.OPEN: "open", Purpose.ADJUST: "adjust", Purpose.CLOSE: "close"}[self]


_COID = re.compile(r"^(?P<pos>[pt][0-9a-f]{12})\.(?P<purpose>[oac])(?P<episode>\d+)-(?P<step>\d+)$")
TWIN_BOT_PREFIX = "twin-"
#: Exec ids of the twin account are stored with this prefix: both simulation accounts number
#: their executions from 1, and the fills table keys them by exec id.
TWIN_EXEC_PREFIX = "twin:"


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def handle(candidate_id: str) -> str:
    """The short, stable ID an operator types (`dorado approve 3f9a21`)."""
    return _digest(candidate_id)[:6]


def position_id(candidate_id: str, *, twin: bool = False) -> str:
    """The position a candidate opens (live `p…`, paper twin `t…`)."""
    return ("t" if twin else "p") + _digest(candidate_id)[:12]


def is_twin_position(pid: str) -> bool:
    return pid.startswith("t")


def twin_bot_id(candidate_id: str) -> str:
    """The bot row a paper twin runs its state machine on."""
    return TWIN_BOT_PREFIX + _digest(candidate_id)[:12]


def is_twin_bot(bot_id: str) -> bool:
    return bot_id.startswith(TWIN_BOT_PREFIX)


def client_order_id(pid: str, purpose: Purpose, episode: int, step: int) -> str:
    if episode < 1 or step < 1:
        raise ValueError(f"episode and step count from 1, got {episode} and {step}")
    return f"{pid}.{purpose.value}{episode}-{step}"


@dataclass(frozen=True, slots=True)
class OrderKey:
    """A parsed client order id."""

    position_id: str
    purpose: Purpose
    episode: int
    step: int

    @property
    def twin(self) -> bool:
        return is_twin_position(self.position_id)

    @property
    def episode_prefix(self) -> str:
        return f"{self.position_id}.{self.purpose.value}{self.episode}-"


def parse_client_order_id(coid: str) -> OrderKey | None:
    """The parts of one of our client order ids; None for anybody else's."""
    m = _COID.match(coid)
    if m is None:
        return None
    return OrderKey(m["pos"], Purpose(m["purpose"]), int(m["episode"]), int(m["step"]))


def store_exec_id(exec_id: str, *, twin: bool) -> str:
    """The exec id as the fills table keys it (twin executions namespaced)."""
    return TWIN_EXEC_PREFIX + exec_id if twin and not exec_id.startswith(TWIN_EXEC_PREFIX) else exec_id
