"""The statements every outbound channel call and every stock drain runs, in plain SQL.

A drain of one shop makes one call per Shopee item, and a movement of one SKU drains fifty
shops: the ORM's ~0.3 ms of query building per statement, times the rate budget, the call
log and the push bookkeeping of every call, was a large part of the consumer's CPU per
movement (decision 0008 explains the trade). Same rules as ``inventory/sql.py``, whose
helpers these reuse: SQL that SQLite (3.35+) and PostgreSQL share, table names from the
models, the few vendor differences (date arithmetic, ``MIN``/``LEAST``) spelled out here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from omnichannel.channels.models import RateBucket
from omnichannel.inventory.sql import table


def seconds_between(earlier: str, later: str) -> str:
    """SQL for ``later - earlier`` in seconds (a float), both datetime columns or marks."""
    if connection.vendor == "sqlite":
        return f"((julianday({later}) - julianday({earlier})) * 86400.0)"
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


def smaller(a: str, b: str) -> str:
    return f"{'MIN' if connection.vendor == 'sqlite' else 'LEAST'}({a}, {b})"


def larger(a: str, b: str) -> str:
    return f"{'MAX' if connection.vendor == 'sqlite' else 'GREATEST'}({a}, {b})"


def db_time(value: datetime) -> Any:
    """A datetime as the database's driver takes it (SQLite: UTC text, as the ORM stores)."""
    return connection.ops.adapt_datetimefield_value(value)


def take_tokens(
    key: str, capacity: float, rate: float, count: int, now: datetime
) -> tuple[float, float]:
    """Take ``count`` calls from the bucket ``key`` (created full if missing), refilled at
    ``rate`` per second since its last use up to ``capacity``; it may go into debt.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: the refill, the take and the read
    are one atomic statement (the row is locked only while it runs), so every process on
    every machine shares the budget. A clock behind the bucket's refills nothing and does
    not move it back. Returns (tokens left, seconds the bucket is still blocked by a 429).
    """
    bucket = table(RateBucket)
    elapsed = larger("0.0", seconds_between(f"{bucket}.updated_at", "%s"))
    at = db_time(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {bucket} (key, tokens, updated_at, blocked_until)"
            f" VALUES (%s, %s, %s, NULL) ON CONFLICT (key) DO UPDATE SET"
            f" tokens = {smaller('%s', f'{bucket}.tokens + {elapsed} * %s')} - %s,"
            f" updated_at = {larger(f'{bucket}.updated_at', '%s')}"
            f" RETURNING tokens, COALESCE({seconds_between('%s', 'blocked_until')}, 0.0)",
            [key, capacity - count, at, capacity, at, rate, count, at, at],
        )
        tokens, blocked = cursor.fetchone()
    return float(tokens), max(0.0, float(blocked))
