"""Django's SQLite backend, with write transactions queued on a lock file instead of on
SQLite's busy handler.

Every transaction here is ``BEGIN IMMEDIATE`` (settings.py), so writers already take
turns. But a writer that finds the database locked waits in SQLite's busy handler, which
sleeps 1, 2, 5, 10 … 100 ms between tries: under a burst of concurrent requests the lock
sits idle while waiters sleep, and throughput halves while p99 grows to seconds. Taking an
exclusive ``flock`` on ``<database>.lock`` before ``BEGIN`` makes the kernel hand the turn
to the next waiter the moment the holder commits. It works across threads (one lock file
descriptor per connection) and processes (web and worker), and the kernel drops it if a
process dies. SQLite's own locking stays underneath, unchanged.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
from collections.abc import Iterator
from typing import Any

from django.db.backends.sqlite3 import base, creation


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        """The test database's lock file, and the WAL files a kept connection leaves,
        go with it."""
        super()._destroy_test_db(test_database_name, verbosity)
        if not self.is_in_memory_db(test_database_name):
            for suffix in (".lock", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(f"{test_database_name}{suffix}")


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteTurnCursor(base.SQLiteCursorWrapper):
    """A write outside a transaction (autocommit: a push stored, an idempotency key
    claimed) takes its turn on the lock file too, for the statement's length."""

    database: DatabaseWrapper

    def execute(self, query: str, params: Any = None) -> Any:
        with self.database.write_turn_for(query):
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        with self.database.write_turn_for(query):
            return super().executemany(query, param_list)

    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        """Django rewrites ``%s`` to ``?`` with a regular expression on every execution;
        the same few hundred statements run all day, so each is rewritten once."""
        if param_names is None:
            return qmark_style(query)
        return super().convert_query(query, param_names=param_names)


@functools.lru_cache(maxsize=4096)
def qmark_style(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    lock_file: int | None = None
    lock_held = False

    def _start_transaction_under_autocommit(self) -> None:
        self.take_write_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self.give_up_write_turn()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()
        finally:
            self.give_up_write_turn()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()
        finally:
            self.give_up_write_turn()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self.give_up_write_turn()
            if self.lock_file is not None:
                os.close(self.lock_file)
                self.lock_file = None

    def create_cursor(self, name: str | None = None) -> WriteTurnCursor:
        cursor = self.connection.cursor(factory=WriteTurnCursor)
        cursor.database = self
        return cursor

    @contextlib.contextmanager
    def write_turn_for(self, query: str) -> Iterator[None]:
        """The write turn around one autocommit write statement; nothing otherwise (inside
        a transaction the turn is already held, and readers never wait in WAL mode)."""
        if (
            self.lock_held
            or self.in_atomic_block
            or not query.lstrip()[:7].upper().startswith(WRITES)
        ):
            yield
            return
        self.take_write_turn()
        try:
            yield
        finally:
            self.give_up_write_turn()

    def take_write_turn(self) -> None:
        if self.lock_held or self.is_in_memory_db():
            return
        if self.lock_file is None:
            path = f"{self.settings_dict['NAME']}.lock"
            self.lock_file = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.lock_file, fcntl.LOCK_EX)  # releases the GIL while it waits
        self.lock_held = True

    def give_up_write_turn(self) -> None:
        if self.lock_held and self.lock_file is not None:
            fcntl.flock(self.lock_file, fcntl.LOCK_UN)
        self.lock_held = False
