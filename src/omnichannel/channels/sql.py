"""The statements every outbound channel call and every stock drain runs, in plain SQL.

A drain of one shop makes one call per Shopee item, and a movement of one SKU drains fifty
shops: the ORM's ~0.3 ms of query building per statement, times the rate budget, the call
log and the push bookkeeping of every call, was a large part of the consumer's CPU per
movement (decision 0008 explains the trade). Same rules as ``inventory/sql.py``, whose
helpers these reuse: SQL that SQLite (3.35+) and PostgreSQL share, table names from the
models, the few vendor differences (date arithmetic, ``MIN``/``LEAST``) spelled out here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from omnichannel.catalog.models import Listing
from omnichannel.channels.models import (
    ChannelApp,
    Connection,
    InboundWebhook,
    RateBucket,
    SyncState,
)
from omnichannel.inventory.models import StockPush
from omnichannel.inventory.sql import fetch, instances, marks, table, update_rows


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


def connection_status(connection_id: int) -> tuple[str, str] | None:
    """(status, status_reason) of a connection as it is now; None when it is gone."""
    rows = fetch(
        f"SELECT status, status_reason FROM {table(Connection)} WHERE id = %s", [connection_id]
    )
    return rows[0] if rows else None


def lease_job(connection_id: int, job: str, until: datetime, now: datetime) -> SyncState | None:
    """Lease the job's SyncState row to a run until ``until`` (counted as started, any rerun
    request cleared) unless another run holds it: one conditional ``UPDATE … RETURNING``.
    None when the lease is held, or when the job has no row yet."""
    found = instances(
        SyncState,
        f"UPDATE {table(SyncState)} SET running_until = %s, last_started_at = %s,"
        " runs = runs + 1, rerun_requested = %s"
        " WHERE connection_id = %s AND job = %s AND (running_until IS NULL OR running_until < %s)"
        " RETURNING *",
        [db_time(until), db_time(now), False, connection_id, job, db_time(now)],
    )
    return found[0] if found else None


def release_job_unless_asked_again(state_id: int, now: datetime, result: Any) -> bool:
    """Record a successful run and release its lease, unless a run was asked for while it
    ran (then the lease stays and the caller goes round again). True when released.

    One conditional ``UPDATE``: a request that comes after it finds the lease free and runs
    itself, one that came before it is seen here, so no request is lost in between."""
    values = {"running_until": None, "last_finished_at": now, "last_error": "",
              "last_success_at": now}  # fmt: skip
    if isinstance(result, dict):
        values["last_result"] = result
    fields = [SyncState._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{field.column} = %s" for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(SyncState)} SET {assignments} WHERE id = %s AND rerun_requested = %s",
            [
                *(field.get_db_prep_save(values[field.name], connection) for field in fields),
                state_id,
                False,
            ],
        )
        return cursor.rowcount == 1


def record_pushed(value: int, push_ids: Sequence[int], listing_ids: Sequence[int]) -> None:
    """The channel accepted ``value`` for these pushes of these listings: the pushes become
    successes, and each listing remembers what the channel shows and is in sync only if its
    target is still that value (newest value wins). The conditional ``CASE`` decides on the
    row as it is when written, without reading it first."""
    if not push_ids:
        return
    now = db_time(timezone.now())
    answer = StockPush._meta.get_field("answer").get_db_prep_save(
        {"ok": True, "quantity": max(0, value)}, connection
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(StockPush)} SET state = %s, answer = %s, finished_at = %s,"
            f" updated_at = %s WHERE id IN ({marks(push_ids)})",
            [StockPush.State.SUCCESS, answer, now, now, *push_ids],
        )
        cursor.execute(
            f"UPDATE {table(Listing)} SET last_pushed_qty = %s, last_pushed_at = %s,"
            " push_state = CASE WHEN target_qty IS NULL OR target_qty = %s THEN %s ELSE %s END,"
            f" updated_at = %s WHERE id IN ({marks(listing_ids)})",
            [value, now, value, Listing.PushState.IN_SYNC, Listing.PushState.PENDING, now,
             *listing_ids],
        )  # fmt: skip


def listings_to_push(
    connection_id: int, states: Sequence[str], skip: Collection[int], limit: int
) -> list[Listing]:
    """Up to ``limit`` listings of the connection in ``states`` with a target, oldest change
    first, but none of ``skip`` (``inventory.outbox.pending_listings``, written out: the
    drain reads it for every shop on every stock change)."""
    sql = (
        f"SELECT * FROM {table(Listing)} WHERE connection_id = %s"
        f" AND push_state IN ({marks(states)}) AND target_qty IS NOT NULL"
    )
    params: list[Any] = [connection_id, *states]
    if skip:
        sql += f" AND id NOT IN ({marks(skip)})"
        params += list(skip)
    return instances(Listing, f"{sql} ORDER BY updated_at, id LIMIT %s", [*params, limit])


# A claim reads every field of a push but its headers (kept for the admin, never used).
CLAIMED_COLUMNS = ("id", "channel", "dedup_key", "connection_id", "body", "state", "attempts",
                   "error", "received_at")  # fmt: skip


def claim_pushes(limit: int, now: datetime, lease: datetime) -> list[InboundWebhook]:
    """Lease up to ``limit`` due pushes of active connections, oldest first: their
    ``next_attempt_at`` becomes ``lease``. Returns the rows leased, in no order.

    Due: ``received`` and not held back (no ``next_attempt_at`` or passed), or ``failed``
    and past its backoff; a leased row is neither. Each kind is read in its index's order
    and only up to ``limit`` rows (``received`` by ``(state, received_at)``, the few failed
    ones by ``(state, next_attempt_at)``), so a claim reads what it takes, not the backlog.

    One ``UPDATE … WHERE id IN (the picked ids) … RETURNING``: the rows it returns are the
    rows it changed, so a concurrent claimer cannot return them too. SQLite runs writers
    one at a time and the pick and the update are one statement (which must start with
    ``UPDATE``, how a write takes its turn on the lock file, decision 0010). On PostgreSQL
    the pick is a materialized ``WITH``, run once (as an ``IN`` subquery its ``LIMIT`` may
    run again and take more rows), that skips rows another claim holds (``FOR UPDATE …
    SKIP LOCKED``: two claims at once take different rows instead of the second taking
    none) and re-checks a row another claim leased meanwhile; the update checks again."""
    webhook = table(InboundWebhook)
    postgres = connection.vendor == "postgresql"
    received, failed = InboundWebhook.State.RECEIVED, InboundWebhook.State.FAILED
    arm = (
        f"SELECT push.id, push.received_at FROM {webhook} push JOIN {table(Connection)} shop"
        " ON shop.id = push.connection_id WHERE push.state = %s AND {due} AND shop.status = %s"
        " ORDER BY push.received_at, push.id LIMIT %s"
    ) + (" FOR UPDATE OF push SKIP LOCKED" if postgres else "")
    # COALESCE, not "IS NULL OR": an OR tempts SQLite into reading every received row
    # through the other index and sorting them.
    fresh = arm.format(due="COALESCE(push.next_attempt_at, %s) <= %s")
    retry = arm.format(due="push.next_attempt_at <= %s")
    pick = (
        f"SELECT id FROM (SELECT id, received_at FROM ({fresh}) fresh UNION ALL"
        f" SELECT id, received_at FROM ({retry}) retry ORDER BY received_at, id LIMIT %s) picked"
    )
    at, active = db_time(now), Connection.Status.ACTIVE
    pick_params = [received, at, at, active, limit, failed, at, active, limit, limit]
    returning = f" RETURNING {', '.join(CLAIMED_COLUMNS)}"
    update = f"UPDATE {webhook} SET next_attempt_at = %s WHERE id IN "
    if postgres:
        sql = (
            f"WITH picked AS MATERIALIZED ({pick}) {update}(SELECT id FROM picked)"
            " AND (state = %s AND COALESCE(next_attempt_at, %s) <= %s"
            f" OR state = %s AND next_attempt_at <= %s){returning}"
        )
        params = [*pick_params, db_time(lease), received, at, at, failed, at]
    else:
        sql = f"{update}({pick}){returning}"
        params = [db_time(lease), *pick_params]
    return instances(InboundWebhook, sql, params)


def connections_with_apps(connection_ids: Collection[int]) -> dict[int, Connection]:
    """The connections by id, each with its app, as ``select_related("app").in_bulk``
    gives them (secrets decrypted once per connection and app), in two written-out reads."""
    if not connection_ids:
        return {}
    ids = list(connection_ids)
    shops = instances(
        Connection, f"SELECT * FROM {table(Connection)} WHERE id IN ({marks(ids)})", ids
    )
    app_ids = list({shop.app_id for shop in shops if shop.app_id is not None})
    apps = {}
    if app_ids:
        sql = f"SELECT * FROM {table(ChannelApp)} WHERE id IN ({marks(app_ids)})"
        apps = {app.pk: app for app in instances(ChannelApp, sql, app_ids)}
    for shop in shops:
        if shop.app_id in apps:
            shop.app = apps[shop.app_id]
    return {shop.pk: shop for shop in shops}


def finish_pushes(push_ids: Collection[int], state: str, error: str, now: datetime) -> None:
    """The pushes are done (``state``): no lease, no retry, finished ``now``."""
    if not push_ids:
        return
    ids = list(push_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(InboundWebhook)} SET state = %s, error = %s, next_attempt_at = NULL,"
            f" processed_at = %s WHERE id IN ({marks(ids)})",
            [state, error, db_time(now), *ids],
        )


def fail_pushes(failures: Sequence[tuple[int, int, str, datetime | None]]) -> None:
    """Each ``(push id, attempts, error, retry at)``: the push failed and is kept ``failed``,
    due again at its retry time (None: never, it gave up). One batch (``update_rows``)."""
    update_rows(
        InboundWebhook,
        ["state", "attempts", "error", "next_attempt_at"],
        [
            (InboundWebhook.State.FAILED.value, attempts, error,
             None if retry_at is None else db_time(retry_at), push_id)
            for push_id, attempts, error, retry_at in failures
        ],
    )  # fmt: skip
