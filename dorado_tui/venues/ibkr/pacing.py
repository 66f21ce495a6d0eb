"""IB pacing: a global message token bucket, historical-data rules, market-data line limits.

IB disconnects clients that exceed 50 messages/s and cancels historical requests that break
its rules (60 per 10 min, identical ones within 15 s, 6 per contract within 2 s).

Two gates, same limits:
- `TokenBucket.acquire` in the adapter schedules requests (orders before market data) and keeps
  hundreds of quote requests from piling up at the socket.
- `WireMeter` sits on ib_async's `Client.sendMsg`, through which every API message goes. It
  counts what the adapter never sees — the several messages of one ib_async call (a resync's
  open orders + completed orders + executions + positions + account summary and its cancel),
  heartbeats (reqCurrentTime), the connect sequence, cancelMktData — and holds a message back
  when the budget is spent, so no one-second window on the wire can exceed rate + burst.
  Orders (placeOrder, cancelOrder, reqGlobalCancel) leave its queue first.

ib_async's own throttle (`MaxRequests` per `RequestsInterval`) is a sliding-window count: it
sends the full allowance at once at each window edge, so two such bursts a hair more than a second
apart land in one second at IB as soon as the first is delayed in transit. It is switched off
(`MaxRequests = 0`) in favour of the meter's token bucket.

Bucket math: with capacity b and rate r, any window of length w carries at most b + r·w messages
(the bucket starts full). IB counts on arrival, and arrivals bunch (TCP coalescing, a busy
gateway or event loop): messages sent over 1 + j seconds may arrive within one. The defaults
r = 40, b = 5 give at most 45 per sent second and stay within IB's 50 for up to
j = (50 - b - r) / r = 125 ms of bunching; r = 40, b = 9 (the earlier default) allowed 25 ms.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)

Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
IB_MESSAGE_LIMIT = 50
# Message ids of the API requests that must not wait behind market data.
PRIORITY_MESSAGE_IDS = frozenset({"3", "4", "58"})  # placeOrder, cancelOrder, reqGlobalCancel


class TokenBucket:
    """`rate` tokens per second up to `capacity`; priority callers go before waiting ones.

    With rate + capacity ≤ 50 no one-second window can carry more than IB's 50 messages.
    """

    def __init__(self, rate: float, capacity: int, now: Now = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError(f"token bucket needs rate > 0 and capacity >= 1, got {rate}, {capacity}")
        self.rate = rate
        self.capacity = float(capacity)
        self._now = now
        self._sleep = sleep
        self._tokens = float(capacity)
        self._stamp = now()
        self._waiting_priority = 0
        self._sent: deque[float] = deque()
        self.waited_s = 0.0

    def _refill(self) -> None:
        t = self._now()
        self._tokens = min(self.capacity, self._tokens + (t - self._stamp) * self.rate)
        self._stamp = t

    def _take(self) -> None:
        self._tokens -= 1.0
        t = self._now()
        self._sent.append(t)
        while self._sent and t - self._sent[0] >= 1.0:
            self._sent.popleft()

    def try_acquire(self) -> bool:
        self._refill()
        if self._tokens >= 1.0 and self._waiting_priority == 0:
            self._take()
            return True
        return False

    async def acquire(self, priority: bool = False) -> None:
        """Wait for one token (one API message)."""
        if priority:
            self._waiting_priority += 1
        try:
            while True:
                self._refill()
                if self._tokens >= 1.0 and (priority or self._waiting_priority == 0):
                    self._take()
                    return
                wait = max((1.0 - self._tokens) / self.rate, 0.001)
                self.waited_s += wait
                await self._sleep(wait)
        finally:
            if priority:
                self._waiting_priority -= 1

    def wait_s(self) -> float:
        """Seconds until one token is available (0 = now)."""
        self._refill()
        return max((1.0 - self._tokens) / self.rate, 0.0)

    def take_if_available(self) -> bool:
        """Take one token now if there is one, regardless of waiting callers (the wire's gate)."""
        self._refill()
        if self._tokens >= 1.0:
            self._take()
            return True
        return False

    def budget(self) -> float:
        """Messages per second still available under IB's 50/s (for the status bar)."""
        t = self._now()
        while self._sent and t - self._sent[0] >= 1.0:
            self._sent.popleft()
        return float(max(IB_MESSAGE_LIMIT - len(self._sent), 0))


class WireMeter:
    """The last gate before the socket: one token per API message, whoever sends it.

    Install with `install(client)`: ib_async's `Client.send` hands every serialized request to
    `client.sendMsg`, which this replaces. A message without a token waits in a queue (orders in
    their own, drained first) and goes when the bucket refills; order within each queue is kept.
    Queued messages are dropped when the connection goes (they belong to the old session).
    """

    def __init__(self, bucket: TokenBucket, write: Callable[[str], None],
                 connected: Callable[[], bool]) -> None:
        self.bucket = bucket
        self._write = write
        self._connected = connected
        self._orders: deque[str] = deque()
        self._others: deque[str] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self.sent = 0
        self.held = 0  # messages that had to wait for a token
        self.dropped = 0

    @classmethod
    def install(cls, client: object, bucket: TokenBucket) -> WireMeter:
        """Put the meter on an ib_async `Client` (its own throttle switched off)."""
        from ib_async.client import Client

        assert isinstance(client, Client)
        client.MaxRequests = 0  # the meter paces; ib_async's sliding window would burst
        meter = cls(bucket, lambda msg: Client.sendMsg(client, msg), client.isConnected)
        client.sendMsg = meter.send  # type: ignore[method-assign]
        return meter

    @property
    def queued(self) -> int:
        return len(self._orders) + len(self._others)

    def send(self, msg: str) -> None:
        """ib_async's `sendMsg`: send now if the budget allows, else queue."""
        if msg:
            priority = msg.split("\0", 1)[0] in PRIORITY_MESSAGE_IDS
            if self.queued or not self.bucket.take_if_available():
                self.held += 1
                (self._orders if priority else self._others).append(msg)
                self._schedule()
                return
            self._deliver(msg)

    def clear(self) -> None:
        """Forget queued messages (the connection they were meant for is gone)."""
        if self.queued:
            log.info("IB connection gone: %d paced messages not sent", self.queued)
        self.dropped += self.queued
        self._orders.clear()
        self._others.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _deliver(self, msg: str) -> None:
        self._write(msg)
        self.sent += 1

    def _schedule(self) -> None:
        if self._timer is None:
            wait = max(self.bucket.wait_s(), 0.001)
            self._timer = asyncio.get_running_loop().call_later(wait, self._drain)

    def _drain(self) -> None:
        self._timer = None
        if not self._connected():
            self.clear()
            return
        while self.queued and self.bucket.take_if_available():
            self._deliver((self._orders or self._others).popleft())
        if self.queued:
            self._schedule()


class HistoricalPacer:
    """IB's historical-data pacing rules, waited out rather than violated."""

    def __init__(self, per_10min: int = 60, identical_gap_s: float = 15.0, per_contract_2s: int = 6,
                 now: Now = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.per_10min = per_10min
        self.identical_gap_s = identical_gap_s
        self.per_contract_2s = per_contract_2s
        self._now = now
        self._sleep = sleep
        self._all: deque[float] = deque()
        self._by_contract: dict[Hashable, deque[float]] = {}
        self._last_identical: dict[Hashable, float] = {}

    def delay(self, request_key: Hashable, contract_key: Hashable) -> float:
        """Seconds to wait before this request may go (0 = now)."""
        t = self._now()
        while self._all and t - self._all[0] >= 600.0:
            self._all.popleft()
        waits = [0.0]
        if len(self._all) >= self.per_10min:
            waits.append(600.0 - (t - self._all[0]))
        last = self._last_identical.get(request_key)
        if last is not None:
            waits.append(self.identical_gap_s - (t - last))
        recent = self._by_contract.setdefault(contract_key, deque())
        while recent and t - recent[0] >= 2.0:
            recent.popleft()
        if len(recent) >= self.per_contract_2s:
            waits.append(2.0 - (t - recent[0]))
        return max(waits)

    async def acquire(self, request_key: Hashable, contract_key: Hashable) -> None:
        while (wait := self.delay(request_key, contract_key)) > 0:
            await self._sleep(wait)
        t = self._now()
        self._all.append(t)
        self._by_contract.setdefault(contract_key, deque()).append(t)
        self._last_identical[request_key] = t
