"""A clock that simulators read instead of ``time.time()``, so tests can move time.

Token expiry, timestamp tolerance, order windows and rate-limit windows all depend on
"now". Tests must never sleep to see a token expire; they call ``clock.advance(4 * 3600)``.
The demo uses the same clock unfrozen, so it simply follows real time.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Real time plus a movable offset, or a frozen instant when ``start`` is given."""

    def __init__(self, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen_at = start
        self._offset = 0.0

    def now(self) -> float:
        """Current simulated time in Unix seconds (float)."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    def timestamp(self) -> int:
        """Current simulated time in whole Unix seconds, as marketplaces exchange it."""
        return int(self.now())

    def advance(self, seconds: float) -> None:
        """Move time forward (or back, with a negative value) without sleeping."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def set(self, timestamp: float) -> None:
        """Jump to an absolute instant; a frozen clock stays frozen there."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = timestamp
            else:
                self._offset = timestamp - time.time()
