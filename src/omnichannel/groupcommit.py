"""Group commit: the writes that concurrent requests of one process ask for at the same
moment, made together in one transaction.

Under load a web process's threads place orders at once, and each would pay alone for what
every placement repeats: its transaction, the reads of the connection's mapping, routing
and stock levels, a statement per row written and a commit with its WAL flush. Here the
first ``parallel`` callers for a key become leaders and each runs its own item as a
batch, in its own transaction beside the others; whatever arrives for that key while they
all run waits, and a leader that finishes hands the next batch (everything waiting, up
to ``max_batch``) to the first of them. A caller alone runs a batch of one at once: no
timer, no latency added to a quiet system; batches grow only as fast as work queues
behind the running ones. Two leaders by default: with a single one a process's other
threads sit idle while its batch waits on the database, and with four web threads the
batches of one leader cost more throughput than they saved (measured: single movements
over 8 clients on 2 × 4 threads fell from 272–395 to 192–244 per s). Work whose batches
would wait for each other's row locks anyway (a shop's new orders, wanting the same
SKUs) does better with one (decision 0014).

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
PARALLEL = 2


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
    """The callers waiting for one key, and how many batches of that key are running."""

    waiting: list[_Caller] = field(default_factory=list)
    running: int = 0


class GroupCommit(Generic[T, R]):
    """``submit(key, item)`` from any thread: ``run(key, items)`` for batches of items of
    one key, at most ``parallel`` batches of a key at a time per process."""

    def __init__(
        self,
        run: Callable[[Hashable, Sequence[T]], Sequence[R | BaseException]],
        max_batch: int = MAX_BATCH,
        parallel: int = PARALLEL,
    ) -> None:
        self.run = run
        self.max_batch = max_batch
        self.parallel = parallel
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
            # Callers wait only while every slot runs: one finding a slot free is alone.
            caller.leads = line.running < self.parallel
            if caller.leads:
                line.running += 1
            else:
                line.waiting.append(caller)
        if not caller.leads:
            caller.woken.wait()  # answered, or handed a slot
        if caller.leads:
            self._lead(key, line, caller)
        return caller.answer()

    def _lead(self, key: Hashable, line: _Line, leader: _Caller) -> None:
        """Run a batch of the leader's own item and the longest waiting ones, answer its
        callers, then hand this slot to the first caller still waiting."""
        with self._lock:
            batch = [leader, *line.waiting[: self.max_batch - 1]]
            del line.waiting[: self.max_batch - 1]
        try:
            outcomes: Sequence[Any] = self.run(key, [caller.item for caller in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(batch)} items")
        except BaseException as error:  # noqa: BLE001 - each caller raises it in its thread
            outcomes = [error] * len(batch)
        finally:
            with self._lock:
                if line.waiting:
                    following = line.waiting.pop(0)
                    following.leads = True
                    following.woken.set()
                else:
                    line.running -= 1
                    if not line.running and self._lines.get(key) is line:
                        del self._lines[key]
        for caller, outcome in zip(batch, outcomes, strict=True):
            caller.outcome = outcome
            caller.failed = isinstance(outcome, BaseException)
            if caller is not leader:
                caller.woken.set()


def outcome(function: Callable[..., R], *args: Any) -> R | Exception:
    """``function(*args)``, or the exception it raised: a runner's answer for an item it
    ran alone (after its batch failed, say)."""
    try:
        return function(*args)
    except Exception as exc:
        return exc
