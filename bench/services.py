"""The service's own processes for benchmarks: the web server as ``omni web`` runs it, and the
Huey consumer as ``omni worker`` runs it, on the benchmark's throwaway database (they
inherit its environment: ``OMNI_VAR_DIR``, ``DATABASE_URL``, ``OMNI_CHANNEL_RATES``); and
the CPU those processes use, a figure other work on the same cores does not distort.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


@contextmanager
def running(command: list[str], stop_signal: signal.Signals) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Service:
    pid: int
    url: str = ""

    def pids(self) -> list[int]:
        return process_tree(self.pid)


@contextmanager
def web(workers: int, threads: int) -> Iterator[Service]:
    """The web server (granian) exactly as ``omni web --workers --threads`` starts it."""
    from omnichannel.cli import web_child

    port = free_port()
    child = web_child("127.0.0.1", port, workers, threads)
    with running(child.command, child.stop_signal) as process:
        wait_for_port(port, process)
        wait_for_listeners(port, workers, process)
        yield Service(process.pid, f"http://127.0.0.1:{port}")


def wait_for_listeners(port: int, count: int, process: subprocess.Popen) -> None:
    """Wait until ``count`` sockets listen on ``port``: on Linux each granian worker
    listens on its own (``SO_REUSEPORT``) once it has loaded the app, and the kernel
    hands a new connection only to the workers listening at that moment. Measured from
    the first worker's start, a warm-up sent all its connections to that worker, and the
    other one imported the URL conf and prepared its statements during the measured run
    (7% of its samples)."""
    if not os.path.exists("/proc/net/tcp"):
        return
    deadline = time.monotonic() + 30.0
    while listening_sockets(port) < count:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"fewer than {count} sockets listen on port {port}")
        time.sleep(0.05)


def listening_sockets(port: int) -> int:
    """How many IPv4 sockets listen on ``port`` (Linux ``/proc/net/tcp``: state 0A)."""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(1 for row in rows if row[3] == "0A" and int(row[1].split(":")[1], 16) == port)


@contextmanager
def worker(workers: int, kind: str = "thread", max_delay: float | None = None) -> Iterator[Service]:
    """The Huey consumer as ``omni worker`` starts it, with ``workers`` threads or processes.

    ``max_delay`` caps how long an idle worker sleeps between polls of the queue (Huey's
    default backs off to 10 s, the bound on how late an idle consumer starts a new task).
    """
    command = [sys.executable, "-m", "django", "run_huey", "--skip-checks"]
    command += ["--workers", str(workers), "--worker-type", kind]
    if max_delay is not None:
        command += ["--max-delay", str(max_delay)]
    with running(command, signal.SIGINT) as process:
        yield Service(process.pid)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (web server workers, Huey worker processes)."""
    found = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as children:
                for child in children.read().split():
                    found += process_tree(int(child))
        except OSError:
            continue
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each process has used so far (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def database_backends() -> list[int]:
    """PostgreSQL server processes serving the benchmark's database (none for SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """CPU seconds used by some processes between ``start()`` and ``stop()``: a figure the
    other engineers' test runs on the same cores do not distort, unlike wall-clock rates."""

    def __init__(self, find_pids: Callable[[], list[int]]) -> None:
        self.find_pids = find_pids
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = cpu_seconds(self.find_pids())

    def stop(self) -> float:
        after = cpu_seconds(self.find_pids())
        return sum(used - self.before.get(pid, 0.0) for pid, used in after.items())
