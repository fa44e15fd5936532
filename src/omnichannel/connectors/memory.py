"""In-process implementations of the transport hooks, for tests, the demo and one process.

The Django side replaces them: a limiter shared through the database or Redis, a token
provider that refreshes under a cross-process lock, a recorder writing ApiCallLog.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from omnichannel.connectors.transport import AccessToken, CallRecord


class TokenBucketLimiter:
    """In-process token bucket per (lane, family), for tests and single-process use.

    Buckets are per lane, so bulk catalog work cannot spend the stock lane's budget.
    ``rates`` maps a family to (calls per second, burst); others use the default.
    """

    def __init__(
        self,
        rate_per_second: float = 10.0,
        burst: int = 10,
        rates: Mapping[str, tuple[float, int]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = (rate_per_second, burst)
        self.rates = dict(rates or {})
        self.clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._blocked_until: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def acquire(self, family: str, lane: str) -> float:
        """Take one token (possibly going into debt) and return how long to wait for it."""
        rate, burst = self.rates.get(family, self.default)
        key = (lane, family)
        with self._lock:
            now = self.clock()
            tokens, updated = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - updated) * rate) - 1.0
            self._buckets[key] = (tokens, now)
            wait = 0.0 if tokens >= 0 else -tokens / rate
            return max(wait, self._blocked_until.get(key, 0.0) - now)

    def acquire_many(self, family: str, lane: str, calls: int) -> list[float]:
        return [self.acquire(family, lane) for _ in range(calls)]

    def penalize(self, family: str, lane: str, seconds: float) -> None:
        with self._lock:
            key = (lane, family)
            until = self.clock() + seconds
            self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), until)


class MemoryRecorder:
    """Keeps call records in a list; handy in tests and the demo."""

    def __init__(self) -> None:
        self.calls: list[CallRecord] = []

    def record(self, call: CallRecord) -> None:
        self.calls.append(call)


class StaticTokenProvider:
    """A token provider over a fixed token (plus an optional refresh function)."""

    def __init__(
        self,
        token: str,
        expires_at: datetime | None = None,
        refresh: Callable[[], AccessToken] | None = None,
    ) -> None:
        self._current = AccessToken(token, expires_at)
        self._refresh = refresh

    def current(self) -> AccessToken:
        return self._current

    def refresh(self) -> AccessToken:
        if self._refresh is None:
            return self._current
        self._current = self._refresh()
        return self._current
