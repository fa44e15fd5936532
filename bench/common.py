"""What every benchmark shares: a throwaway database and Django set up against it.

SQLite by default (a file in a temporary folder); PostgreSQL when DATABASE_URL points at a
server: a database ``omni_bench_<pid>`` is created there and dropped at the end. The
service's own ./var database is never touched.
"""

from __future__ import annotations

import atexit
import os
import statistics
import tempfile
from collections.abc import Callable
from urllib.parse import urlparse, urlunparse


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


def rate(count: int, run: Callable[[], None]) -> tuple[float, list[float]]:
    """Calls ``run`` ``count`` times; returns calls per second and each call's seconds."""
    import time

    durations = []
    started = time.perf_counter()
    for _ in range(count):
        begin = time.perf_counter()
        run()
        durations.append(time.perf_counter() - begin)
    return count / (time.perf_counter() - started), durations


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def median(values: list[float]) -> float:
    return statistics.median(values)
