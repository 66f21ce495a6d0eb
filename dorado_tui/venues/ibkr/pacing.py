"""IB pacing: a global message token bucket, historical-data rules, market-data line limits.

IB disconnects clients that exceed 50 messages/s and cancels historical requests that break
its rules (60 per 10 min, identical ones within 15 s, 6 per contract within 2 s). The adapter
paces itself below those limits rather than relying on ib_async's throttle, so that orders
(priority) never queue behind a burst of market-data requests.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
IB_MESSAGE_LIMIT = 50


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

    def budget(self) -> float:
        """Messages per second still available under IB's 50/s (for the status bar)."""
        t = self._now()
        while self._sent and t - self._sent[0] >= 1.0:
            self._sent.popleft()
        return float(max(IB_MESSAGE_LIMIT - len(self._sent), 0))


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
