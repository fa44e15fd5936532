"""Huey's SQLite queue, committed the way our database is: WAL with ``synchronous=NORMAL``,
writers taking turns on a lock file.

Huey's ``SqliteStorage`` leaves SQLite's default ``synchronous=FULL``, an fsync on every
commit: ~3.6 ms per queued job, a quarter of a stock movement's time when it asks for
twenty drains (its only other choice, ``fsync=False``, is ``synchronous=OFF``, which can
corrupt the file on power loss). NORMAL in WAL mode never corrupts it; a power loss may
forget the last jobs queued, which costs nothing here: jobs only work off what the
database says is pending, and the periodic sweeps pick up whatever a lost job would have.

Its writers (web processes queueing drains, workers taking jobs) wait for the queue's
write lock in SQLite's busy handler, which sleeps up to 100 ms between tries: the reason
our database's writers queue on a lock file (decision 0010). The queue's do the same, on
``<queue file>.lock``, one descriptor per thread so threads queue as processes do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator

from huey import SqliteHuey
from huey.storage import SqliteStorage

_turns = threading.local()


class NormalSyncSqliteStorage(SqliteStorage):
    def _create_connection(self) -> sqlite3.Connection:
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn

    @contextlib.contextmanager
    def db(self, commit: bool = False, close: bool = False) -> Iterator[sqlite3.Cursor]:
        """Huey's cursor; a writing one (``commit``) only once this thread has the turn."""
        if not commit:
            with super().db(commit, close) as cursor:
                yield cursor
            return
        turn = lock_file(f"{self.filename}.lock")
        fcntl.flock(turn, fcntl.LOCK_EX)  # releases the GIL while it waits
        try:
            with super().db(commit, close) as cursor:
                yield cursor
        finally:
            fcntl.flock(turn, fcntl.LOCK_UN)


def lock_file(path: str) -> int:
    """This thread's descriptor of ``path`` (``flock`` locks belong to a descriptor: one
    shared by threads would let them all in at once)."""
    files: dict[str, int] = _turns.__dict__.setdefault("files", {})
    if path not in files:
        files[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return files[path]


class QueueHuey(SqliteHuey):
    storage_class = NormalSyncSqliteStorage
