"""Fault injection and rate limiting, shared by every simulator.

Both are protocol-neutral: they decide *whether* a call fails; each simulator decides *how*
the failure looks on the wire (Shopee's error envelope, Lazada's, ...). Rate-limit windows
use the simulator's :class:`~omnichannel.sandbox.clock.Clock`, so tests move time instead of
sleeping.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from omnichannel.sandbox.clock import Clock

#: Longest a "hang" fault may hold a request, so a forgotten fault cannot wedge a test run.
MAX_HANG_SECONDS = 30.0

FAULT_KINDS = ("server_error", "hang", "rate_limit")


@dataclass
class Fault:
    """The next ``remaining`` matching calls fail in the way ``kind`` says.

    ``server_error`` answers ``status`` (5xx); ``hang`` holds the request ``seconds`` and then
    processes it normally (like a slow gateway: the client may time out although the call took
    effect); ``rate_limit`` answers as a throttled call. ``path``/``shop_id`` narrow the match.
    """

    kind: str
    remaining: int = 1
    status: int = 500
    seconds: float = 0.0
    path: str | None = None
    shop_id: int | None = None

    def matches(self, path: str, shop_id: int | None) -> bool:
        """Whether this fault applies to a call on ``path`` for ``shop_id``."""
        if self.path is not None and self.path != path:
            return False
        return self.shop_id is None or self.shop_id == shop_id


class FaultPlan:
    """Queued faults, consumed one call at a time, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Queue a fault; validates its kind and bounds a hang."""
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; expected one of {FAULT_KINDS}")
        if fault.kind == "server_error" and not 500 <= fault.status <= 599:
            raise ValueError("a server_error fault needs a 5xx status")
        fault.seconds = max(0.0, min(fault.seconds, MAX_HANG_SECONDS))
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, path: str, shop_id: int | None) -> Fault | None:
        """The first fault matching this call, decremented (and dropped when used up)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path, shop_id):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        """Faults not yet consumed (for the control API)."""
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()


@dataclass
class RateLimitRule:
    """At most ``calls`` per ``per_seconds`` (sliding window), per bucket.

    ``partner_id``/``shop_id``/``path`` select which calls the rule watches (``None`` = any).
    ``per`` names the dimensions that split buckets: the default counts each partner + shop +
    API path separately, as marketplaces limit per shop and per API; ``per=("partner_id",)``
    makes one budget for the whole app.
    """

    calls: int
    per_seconds: float = 1.0
    partner_id: int | None = None
    shop_id: int | None = None
    path: str | None = None
    per: tuple[str, ...] = ("partner_id", "shop_id", "path")
    _hits: dict[tuple[object, ...], deque[float]] = field(default_factory=dict, repr=False)

    def watches(self, partner_id: int | None, shop_id: int | None, path: str) -> bool:
        """Whether a call falls under this rule at all."""
        return (
            (self.partner_id is None or self.partner_id == partner_id)
            and (self.shop_id is None or self.shop_id == shop_id)
            and (self.path is None or self.path == path)
        )


class RateLimiter:
    """Answers "is this call over a limit?" and, if so, how long until it would pass."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.rules: list[RateLimitRule] = []

    def add(self, rule: RateLimitRule) -> RateLimitRule:
        """Install a rule; existing rules stay."""
        if rule.calls < 0 or rule.per_seconds <= 0:
            raise ValueError("calls must be >= 0 and per_seconds > 0")
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule (and their counters)."""
        with self._lock:
            self.rules.clear()

    def check(self, partner_id: int | None, shop_id: int | None, path: str) -> float | None:
        """Record the call and return ``None`` if allowed, else seconds until it would be.

        A refused call is not counted, like a gateway that rejects before doing work.
        """
        now = self._clock.now()
        values = {"partner_id": partner_id, "shop_id": shop_id, "path": path}
        with self._lock:
            buckets: list[deque[float]] = []
            for rule in self.rules:
                if not rule.watches(partner_id, shop_id, path):
                    continue
                hits = rule._hits.setdefault(tuple(values[name] for name in rule.per), deque())
                while hits and hits[0] <= now - rule.per_seconds:
                    hits.popleft()
                if len(hits) >= rule.calls:
                    oldest = hits[0] if hits else now
                    return max(0.0, oldest + rule.per_seconds - now)
                buckets.append(hits)
            for hits in buckets:
                hits.append(now)
        return None
