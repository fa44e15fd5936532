"""The default job queue (Huey on SQLite) commits like our database: WAL, synchronous NORMAL
(no fsync per queued job, never a corrupt file)."""

from __future__ import annotations

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
