"""Group commit: the writes that concurrent requests of one process ask for at the same
moment, made together in one transaction.

Under load a web process's threads place orders at once, and each would pay alone for what
every placement repeats: its transaction, the reads of the connection's mapping, routing
and stock levels, a statement per row written and a commit with its WAL flush. Here the
first caller for a key becomes the leader and runs its own item as a batch; whatever
arrives for that key meanwhile waits, and the leader hands the next batch (everything
waiting, up to ``max_batch``) to the first of them. A caller alone runs a batch of one at
once: no timer, no latency added to a quiet system; batches grow only as fast as work
queues behind a running one.

Each caller gets its own item's result, or has its own item's error raised in its own
thread, as if it had run alone. ``run`` must answer for every item (a result or the
exception that stopped it, in the items' order); if it raises instead, every caller of
its batch gets that error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 32


@dataclass
class _Caller(Generic[T]):
    item: T
    woken: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    outcome: Any = None
    failed: bool = False

    def answer(self) -> Any:
        if self.failed:
            raise self.outcome
        return self.outcome


@dataclass
class _Line:
    """The callers waiting for one key, and whether a batch of that key is running."""

    waiting: list[_Caller] = field(default_factory=list)
    running: bool = False


class GroupCommit(Generic[T, R]):
    """``submit(key, item)`` from any thread: ``run(key, items)`` for batches of items of
    one key, one batch of a key at a time per process."""

    def __init__(
        self,
        run: Callable[[Hashable, Sequence[T]], Sequence[R | BaseException]],
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.run = run
        self.max_batch = max_batch
        self._lines: dict[Hashable, _Line] = {}
        self._lock = threading.Lock()

    def waiting(self, key: Hashable) -> int:
        """How many callers of ``key`` wait for a batch to take them."""
        with self._lock:
            line = self._lines.get(key)
            return len(line.waiting) if line else 0

    def submit(self, key: Hashable, item: T) -> R:
        caller: _Caller[T] = _Caller(item)
        with self._lock:
            line = self._lines.setdefault(key, _Line())
            line.waiting.append(caller)
            caller.leads = not line.running
            line.running = True
        if not caller.leads:
            caller.woken.wait()  # answered, or handed the next batch
        if caller.leads:
            self._lead(key, line)
        return caller.answer()

    def _lead(self, key: Hashable, line: _Line) -> None:
        """Run the batch at the head of the line (this caller's own item first), answer
        its callers, then hand the line to the first caller still waiting."""
        with self._lock:
            batch = line.waiting[: self.max_batch]
            del line.waiting[: self.max_batch]
        try:
            outcomes: Sequence[Any] = self.run(key, [caller.item for caller in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(batch)} items")
        except BaseException as error:  # noqa: BLE001 - each caller raises it in its thread
            outcomes = [error] * len(batch)
        finally:
            with self._lock:
                if line.waiting:
                    following = line.waiting[0]
                    following.leads = True
                    following.woken.set()
                else:
                    line.running = False
                    if self._lines.get(key) is line:
                        del self._lines[key]
        for caller, outcome in zip(batch, outcomes, strict=True):
            caller.outcome = outcome
            caller.failed = isinstance(outcome, BaseException)
            if not caller.leads:
                caller.woken.set()
