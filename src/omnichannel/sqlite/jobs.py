"""Huey's SQLite queue, committed the way our database is: WAL with ``synchronous=NORMAL``.

Huey's ``SqliteStorage`` leaves SQLite's default ``synchronous=FULL``, an fsync on every
commit: ~3.6 ms per queued job, a quarter of a stock movement's time when it asks for
twenty drains (its only other choice, ``fsync=False``, is ``synchronous=OFF``, which can
corrupt the file on power loss). NORMAL in WAL mode never corrupts it; a power loss may
forget the last jobs queued, which costs nothing here: jobs only work off what the
database says is pending, and the periodic sweeps pick up whatever a lost job would have.
"""

from __future__ import annotations

import sqlite3

from huey import SqliteHuey
from huey.storage import SqliteStorage


class NormalSyncSqliteStorage(SqliteStorage):
    def _create_connection(self) -> sqlite3.Connection:
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class QueueHuey(SqliteHuey):
    storage_class = NormalSyncSqliteStorage
