"""Coalesced job enqueues: at most one queue write per task and arguments per short window.

A Huey enqueue is a write to the queue's own database, and on SQLite a commit: it costs
more than a small request's own work. Stock changes make listings of many connections
pending at once and push intake stores a row per push, so enqueueing a job every time
would multiply queue writes by the request rate.

Instead the first caller of a window schedules the job ``window`` seconds ahead and the
others within that window do nothing. Callers enqueue after their transaction commits,
so a caller that finds a run already scheduled committed before that run starts: the run
sees its rows. Nothing is lost if a message is: the jobs only drain what the database says
is pending, and the periodic sweeps find anything left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

WINDOW_SECONDS = 0.5
# Expired keys are forgotten once this many are remembered (one per connection and job).
PRUNE_ABOVE = 1024


class Coalescer:
    """Remembers, per (task, arguments), until when a scheduled run covers new work."""

    def __init__(
        self, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.clock = clock
        self._covered_until: dict[Hashable, float] = {}
        self._closing_run: set[Hashable] = set()  # at_once windows with their last run queued
        self._lock = threading.Lock()

    def enqueue(self, task: Any, *args: Hashable, at_once: bool = False) -> bool:
        """Run ``task(*args)`` about ``window`` seconds from now, unless a run this process
        scheduled already covers now. True when a run was queued.

        ``at_once`` is for jobs whose delay is what users wait for (stock drains): the first
        caller of a window queues the run now, not a window ahead. A caller within that
        window, whose rows the first run may have read too early, queues one more run for
        the window's end, which every later caller of the window shares: at most two queue
        writes per window.

        Under Huey's immediate mode (tests, the in-process demo) the task runs at once.
        """
        if task.huey.immediate:
            task(*args)
            return True
        key = (task, args)
        with self._lock:
            now = self.clock()
            covered_until = self._covered_until.get(key, 0.0)
            if now < covered_until:
                if not at_once or key in self._closing_run:
                    return False
                self._closing_run.add(key)
                delay = covered_until - now
            else:
                if len(self._covered_until) > PRUNE_ABOVE:
                    self._forget_expired(now)
                self._covered_until[key] = now + self.window
                self._closing_run.discard(key)
                delay = 0.0 if at_once else self.window
        if delay:
            task.schedule(args, delay=delay)
        else:
            task(*args)
        return True

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, until in self._covered_until.items() if until <= now]:
            del self._covered_until[key]
            self._closing_run.discard(key)

    def forget(self) -> None:
        """Drop what is remembered (tests)."""
        with self._lock:
            self._covered_until.clear()
            self._closing_run.clear()


_default = Coalescer()


def enqueue_coalesced(task: Any, *args: Hashable, at_once: bool = False) -> bool:
    """``Coalescer.enqueue`` on the process-wide coalescer (window ``WINDOW_SECONDS``)."""
    return _default.enqueue(task, *args, at_once=at_once)
