"""The default job queue (Huey on SQLite) commits like our database: WAL, synchronous NORMAL
(no fsync per queued job, never a corrupt file), writers taking turns on a lock file."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from omnichannel.sqlite.jobs import QueueHuey


def test_the_queue_file_is_wal_with_normal_sync(tmp_path: Path) -> None:
    queue = QueueHuey("test", filename=str(tmp_path / "queue.sqlite3"))
    conn = queue.storage.conn
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert conn.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL (FULL is 2)


def test_jobs_queued_are_the_jobs_run(tmp_path: Path) -> None:
    queue = QueueHuey("test", filename=str(tmp_path / "queue.sqlite3"))
    done: list[int] = []

    @queue.task()
    def remember(n: int) -> None:
        done.append(n)

    remember(1)
    remember(2)
    assert queue.pending_count() == 2
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
    assert done == [1, 2]


def test_a_queue_writer_waits_for_the_turn_on_the_lock_file(tmp_path: Path) -> None:
    """Writers queue on ``<queue file>.lock`` (woken the moment it is free) instead of
    sleeping in SQLite's busy handler; another process holding it is a descriptor here."""
    queue = QueueHuey("test", filename=str(tmp_path / "queue.sqlite3"))

    @queue.task()
    def job() -> None: ...

    holder = os.open(f"{tmp_path / 'queue.sqlite3'}.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    writer = threading.Thread(target=job)
    writer.start()
    writer.join(timeout=0.3)
    assert writer.is_alive()  # still waiting for the turn
    assert queue.pending_count() == 0
    fcntl.flock(holder, fcntl.LOCK_UN)
    writer.join(timeout=10)
    assert not writer.is_alive()
    assert queue.pending_count() == 1
    os.close(holder)
