"""What every benchmark shares: a throwaway database and Django set up against it, timing
helpers, and concurrent clients for the optional runs against a real server.

SQLite by default (a file in a temporary folder); PostgreSQL when DATABASE_URL points at a
server: a database ``omni_bench_<pid>`` is created there and dropped at the end. The
service's own ./var database is never touched.

``BENCH_SERVER=WxT`` (e.g. ``2x4``) adds, where a benchmark supports it, a run over HTTP
against the web server started as ``omni web --workers W --threads T`` on the same database,
with ``BENCH_CLIENTS`` (default 8) concurrent keep-alive clients: how a WMS with several
workers calls us. Those runs also report the CPU the server's processes used per request
(and PostgreSQL's, on PostgreSQL), a figure other work on the same cores does not distort.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse, urlunparse

SERVER = os.environ.get("BENCH_SERVER", "")
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))


def use_throwaway_database() -> str:
    """Point DATABASE_URL at a fresh database; returns a label for the report."""
    url = os.environ.get("DATABASE_URL", "")
    os.environ["OMNI_VAR_DIR"] = tempfile.mkdtemp(prefix="omni-bench-")
    if not url.startswith("postgres"):
        os.environ.pop("DATABASE_URL", None)
        return "SQLite (WAL)"
    import psycopg

    name = f"omni_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    os.environ["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path=f"/{name}"))
    return "PostgreSQL"


def setup_django() -> str:
    label = use_throwaway_database()
    # Jobs are queued as in production (Huey on SQLite in the throwaway folder), not run
    # inline: the benchmark measures the request, including the cost of queueing its jobs.
    os.environ.pop("HUEY_IMMEDIATE", None)
    os.environ["OMNI_API_RATE_PER_MINUTE"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "omnichannel.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return label


def analyze() -> None:
    """On PostgreSQL, refresh the planner's statistics, as autovacuum does on a live
    database within a minute of a table's growth (50 rows and a tenth of the table
    changed). A benchmark fills its tables in seconds, and a plan made on an empty table's
    statistics — above all a generic plan, kept for the connection — can walk a whole table
    where an index finds one row: after 10,000 movements the ledger's idempotency lookup
    took 1.0 ms instead of 0.02 (decision 0013). Every measured phase starts with it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def rate(count: int, run: Callable[[], None]) -> tuple[float, list[float]]:
    """Calls ``run`` ``count`` times (statistics refreshed first, ``analyze``); returns
    calls per second and each call's seconds."""
    import time

    analyze()
    durations = []
    started = time.perf_counter()
    for _ in range(count):
        begin = time.perf_counter()
        run()
        durations.append(time.perf_counter() - begin)
    return count / (time.perf_counter() - started), durations


def machine_speed() -> str:
    """CPU seconds for ten million Python additions at module level (as ``python3 -c``
    runs them; the figure docs/performance.md quotes for each session's machine), printed
    with each run's figures so that runs on different machines can be compared: the
    development machines have differed by a factor of two from one session to the next."""
    started = time.process_time()
    exec("total = 0\nfor number in range(10_000_000):\n    total += number", {})  # noqa: S102
    return f"10M additions in {time.process_time() - started:.2f} s of CPU"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def server_shape() -> tuple[int, int] | None:
    """(workers, threads) from ``BENCH_SERVER=WxT``; None when no server run is asked."""
    if not SERVER:
        return None
    workers, threads = SERVER.lower().split("x")
    return int(workers), int(threads)


@dataclass(frozen=True)
class ServerRun:
    per_second: float
    durations: list[float]
    cpu_per_request: float
    """Seconds of CPU the server's processes (and PostgreSQL's) used per request."""


def post_concurrently(
    base_url: str, path: str, token: str, bodies: Sequence[dict], clients: int = CLIENTS
) -> tuple[float, list[float]]:
    """POST each body once, from ``clients`` threads with one keep-alive connection each;
    every answer must be a success. Returns requests per second and each one's seconds."""
    address = urlparse(base_url)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    durations: list[float] = []
    failures: list[str] = []

    def client(share: Sequence[dict]) -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        for body in share:
            began = time.perf_counter()
            connection.request("POST", path, json.dumps(body), headers)
            answer = connection.getresponse()
            content = answer.read()
            durations.append(time.perf_counter() - began)
            if answer.status >= 300:
                failures.append(f"{answer.status} {content[:300]!r}")
        connection.close()

    threads = [threading.Thread(target=client, args=(bodies[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    assert not failures, failures[:3]
    return len(bodies) / seconds, durations


def against_server(
    path: str, token: str, warm_up: Sequence[dict], bodies: Sequence[dict]
) -> ServerRun:
    """Start the web server as ``omni web`` does (``BENCH_SERVER``), POST ``warm_up``
    then, measured, ``bodies`` from ``BENCH_CLIENTS`` concurrent clients; stop it."""
    import services  # the service's processes for benchmarks (bench/services.py)
    from django.db import connections

    workers, threads = server_shape() or (2, 4)
    analyze()
    connections.close_all()  # the server's processes open their own
    with services.web(workers, threads) as web:
        post_concurrently(web.url, path, token, warm_up)
        meter = services.CpuMeter(lambda: web.pids() + services.database_backends())
        meter.start()
        per_second, durations = post_concurrently(web.url, path, token, bodies)
        cpu = meter.stop() / len(bodies)
    return ServerRun(per_second, durations, cpu)
