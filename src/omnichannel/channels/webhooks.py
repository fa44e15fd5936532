"""Channel pushes: verified, stored once, acknowledged at once, processed later in batches.

Intake does the least that makes a push safe: check the signature against the exact URL
the channel signed, and insert the raw push under its provider identity (a unique key, so
a re-delivery collapses into the stored row). Only then does the receiver answer 200.
Everything slow — reading the orders from the channel, ingesting them — happens in a job
that claims due rows in batches, so one ``get_orders`` call serves up to a batch of pushes.

Pushes are change signals, never the truth: processing re-reads each order from the
channel, so duplicates and out-of-order deliveries end in the channel's current state.
"""

from __future__ import annotations

import functools
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection as database
from django.db import transaction
from django.utils import timezone

from omnichannel.channels import sql
from omnichannel.channels.models import ChannelApp, Connection, InboundWebhook
from omnichannel.channels.services import mark_needs_reauth
from omnichannel.channels.transport import connector_for
from omnichannel.coalesce import enqueue_coalesced
from omnichannel.connectors.base import (
    AuthRevoked,
    ConnectorError,
    ConnectorSettings,
    WebhookHandling,
    build_connector,
    require,
)
from omnichannel.connectors.transport import Transport
from omnichannel.errors import NotFound, Unauthorized
from omnichannel.unified.events import WebhookEvent, WebhookKind

logger = logging.getLogger("omnichannel.webhooks")

ORDER_KINDS = {
    WebhookKind.ORDER_STATUS,
    WebhookKind.ORDER_TRACKING,
    WebhookKind.SHIPPING_DOCUMENT,
}
KEPT_HEADERS = ("content-type", "authorization", "user-agent", "x-request-id")
APP_CACHE_SECONDS = 60.0
# Pushes claimed at once: two detail batches of 50 orders, small enough that a backlog
# spreads over the workers.
PROCESS_BATCH = 100
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)

State = InboundWebhook.State


@dataclass(frozen=True)
class Receipt:
    """What intake did with one push: ``stored`` is False for a re-delivery."""

    stored: int
    duplicates: int


@dataclass(frozen=True)
class _AppVerifier:
    app_id: int
    channel: str
    connector: WebhookHandling
    loaded_at: float


_verifiers: dict[int, _AppVerifier] = {}


def verifier(app_id: int) -> _AppVerifier:
    """The app's connector for verifying and parsing pushes, cached a minute per process.

    Building a connector opens an HTTP client; intake must not pay that per push. A minute
    bounds how long a rotated partner key takes to be seen.
    """
    cached = _verifiers.get(app_id)
    if cached is not None and time.monotonic() - cached.loaded_at < APP_CACHE_SECONDS:
        return cached
    app = ChannelApp.objects.filter(pk=app_id, active=True).first()
    if app is None:
        raise NotFound("No such channel app.", code="webhook.unknown_app")
    settings = ConnectorSettings(
        channel=app.channel,
        api_base_url=app.api_base_url,
        credentials=app.credentials or {},
        region=app.region or None,
    )
    connector = build_connector(settings, Transport(app.api_base_url))
    require(connector, "webhooks")
    cached = _AppVerifier(app.pk, app.channel, connector, time.monotonic())  # type: ignore[arg-type]
    _verifiers[app_id] = cached
    return cached


def forget_verifiers() -> None:
    """Drop cached app connectors and shops (after an app's credentials change, in tests)."""
    _verifiers.clear()
    _shops.clear()


# --- intake --------------------------------------------------------------------------


def receive(
    channel: str, app_id: int, url: str, headers: Mapping[str, str], body: bytes
) -> Receipt:
    """Verify one push and store each of its events once; raises before storing anything
    when the push is not the channel's (``webhook.bad_signature``, answered 401)."""
    app = verifier(app_id)
    if app.channel != channel:
        raise NotFound("No such channel app.", code="webhook.unknown_app")
    if not app.connector.verify(url, headers, body):
        logger.warning(
            "push refused: bad signature", extra={"channel": channel, "app": app_id, "url": url}
        )
        raise Unauthorized("The push signature does not match.", code="webhook.bad_signature")
    events = app.connector.parse(body)
    kept = {k.lower(): v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
    text = body.decode("utf-8", errors="replace")
    stored = duplicates = 0
    for event in events:
        if _store(app, event, kept, text):
            stored += 1
        else:
            duplicates += 1
    if stored:
        transaction.on_commit(_enqueue_processing)
    return Receipt(stored=stored, duplicates=duplicates)


_HEADERS_FIELD = InboundWebhook._meta.get_field("headers")
_INSERTED_COLUMNS = (
    "channel",
    "dedup_key",
    "connection_id",
    "headers",
    "body",
    "state",
    "attempts",
    "error",
    "received_at",
)


@functools.cache
def _insert_sql() -> str:
    quote = database.ops.quote_name
    columns = ", ".join(quote(column) for column in _INSERTED_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_INSERTED_COLUMNS))
    return (
        f"INSERT INTO {quote(InboundWebhook._meta.db_table)} ({columns}) "
        f"VALUES ({placeholders}) "
        f"ON CONFLICT ({quote('channel')}, {quote('dedup_key')}) DO NOTHING"
    )


def _store(app: _AppVerifier, event: WebhookEvent, headers: dict[str, str], body: str) -> bool:
    """Insert the event's row; False when the provider's identity is already stored.

    One ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL): the unique key decides,
    no savepoint and no ORM compilation on the hottest path of the service. Outside a
    transaction the statement commits on its own, so the row is stored when this returns.
    """
    connection_id = _connection_id(app.app_id, event.shop_id)
    values = (
        app.channel,
        event.dedup_key,
        connection_id,
        _HEADERS_FIELD.get_db_prep_save(headers, database),
        body,
        (State.RECEIVED if connection_id else State.IGNORED).value,
        0,
        "" if connection_id else f"no connection for shop {event.shop_id}",
        database.ops.adapt_datetimefield_value(timezone.now()),
    )
    with database.cursor() as cursor:
        cursor.execute(_insert_sql(), values)
        return cursor.rowcount == 1


_shops: dict[tuple[int, str], tuple[int | None, float]] = {}


def _connection_id(app_id: int, shop_id: str | None) -> int | None:
    """The connection of the app's shop, remembered a minute per process (intake is hot)."""
    if not shop_id:
        return None
    known = _shops.get((app_id, shop_id))
    if known is not None and time.monotonic() - known[1] < APP_CACHE_SECONDS:
        return known[0]
    connection_id = (
        Connection.objects.filter(app_id=app_id, external_shop_id=shop_id)
        .order_by("status", "pk")  # an active one first
        .values_list("pk", flat=True)
        .first()
    )
    _shops[(app_id, shop_id)] = (connection_id, time.monotonic())
    return connection_id


def _enqueue_processing() -> None:
    """Queue one processing run for every push committed in the next coalescing window
    (``omnichannel.coalesce``): a queue write per push would cost more than the push."""
    from omnichannel.channels.tasks import process_webhooks_task

    enqueue_coalesced(process_webhooks_task)


# --- processing ----------------------------------------------------------------------


def claim(limit: int = PROCESS_BATCH) -> list[InboundWebhook]:
    """Take up to ``limit`` due rows for this process, oldest first.

    The claim moves ``next_attempt_at`` to a lease unique to this claim, so a concurrent
    claimer finds those rows no longer due (on PostgreSQL it skips them while the claim
    holds them) and never takes them. Rows of connections that are not active wait (a
    revoked shop causes no job storm).

    One written-out ``UPDATE … RETURNING`` (``channels.sql.claim_pushes``) and one read of
    the connections with their apps: the ORM's select, update, re-read and ``in_bulk`` cost
    ~16 ms of CPU per claim of a hundred rows (now ~4.5 ms), and its select read and sorted
    the whole backlog each time.
    """
    now = timezone.now()
    lease = now + LEASE + timedelta(microseconds=secrets.randbelow(1_000_000))
    rows = sql.claim_pushes(limit, now, lease)
    if not rows:
        return []
    rows.sort(key=lambda row: (row.received_at, row.pk))
    # One instance per connection, not one per row: a hundred rows share it and its app.
    connections = sql.connections_with_apps({row.connection_id for row in rows})
    for row in rows:
        row.next_attempt_at = lease
        row.connection = connections[row.connection_id]
    return rows


def process_due(limit: int = PROCESS_BATCH, on_full_claim: Callable[[], None] | None = None) -> int:
    """Claim due pushes and process them, connection by connection; returns rows handled.

    ``on_full_claim`` runs before processing a claim that took ``limit`` rows (the task
    queues a helper run then)."""
    rows = claim(limit)
    if on_full_claim is not None and len(rows) == limit:
        on_full_claim()
    by_connection: dict[int, list[InboundWebhook]] = defaultdict(list)
    for row in rows:
        by_connection[row.connection_id].append(row)
    for connection_rows in by_connection.values():
        process_connection_rows(connection_rows[0].connection, connection_rows)
    return len(rows)


def process_connection_rows(connection: Connection, rows: list[InboundWebhook]) -> None:
    """Re-read every order the pushes name (in detail batches) and ingest it."""
    from omnichannel.channels.order_sync import ingest_orders

    connector = connector_for(connection)
    rows_by_order: dict[str, list[InboundWebhook]] = defaultdict(list)
    for row in rows:
        try:
            events = [e for e in connector.parse(row.body.encode()) if e.dedup_key == row.dedup_key]
        except ValueError as exc:
            _finish(row, State.IGNORED, f"unreadable push: {exc}")
            continue
        order_ids = [oid for e in events if e.kind in ORDER_KINDS for oid in e.order_ids]
        if any(e.kind == WebhookKind.SHOP_DEAUTHORIZED for e in events):
            mark_needs_reauth(connection, "The seller removed the authorization on the channel.")
            _finish(row, State.PROCESSED)
        elif not order_ids:
            _finish(row, State.IGNORED, "nothing to do for this kind of push")
        for order_id in order_ids:
            rows_by_order[order_id].append(row)
    if not rows_by_order:
        return
    try:
        report = ingest_orders(connection, connector, list(rows_by_order))
    except AuthRevoked as exc:
        for order_rows in rows_by_order.values():
            _fail(order_rows, f"{exc.code}: {exc}")
        return
    failed_rows = {row.pk for oid, error in report.failed.items() for row in rows_by_order[oid]}
    for order_id, error in report.failed.items():
        _fail([r for r in rows_by_order[order_id]], error)
    done = [
        row
        for order_rows in rows_by_order.values()
        for row in order_rows
        if row.pk not in failed_rows
    ]
    _finish_many(done)


def _finish(row: InboundWebhook, state: str, error: str = "") -> None:
    InboundWebhook.objects.filter(pk=row.pk).update(
        state=state,
        error=error,
        attempts=row.attempts + 1,
        next_attempt_at=None,
        processed_at=timezone.now(),
    )


def _finish_many(rows: list[InboundWebhook]) -> None:
    """The rows are processed: one written-out ``UPDATE`` for the whole claim."""
    sql.finish_pushes({row.pk for row in rows}, State.PROCESSED, "", timezone.now())


def _fail(rows: list[InboundWebhook], error: str) -> None:
    """Keep the rows with the error; retry after an exponential backoff, until it gives up."""
    now = timezone.now()
    failures = []
    for row in {row.pk: row for row in rows}.values():
        attempts = row.attempts + 1
        backoff = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1))
        retry_at = now + backoff if attempts < MAX_ATTEMPTS else None
        failures.append((row.pk, attempts, error[:2000], retry_at))
        logger.warning(
            "push processing failed",
            extra={"webhook": row.pk, "attempts": attempts, "error": error[:300]},
        )
    sql.fail_pushes(failures)


def retry_now(rows: list[InboundWebhook]) -> int:
    """Make failed (or given-up) rows due at once: the admin's "retry" button."""
    return InboundWebhook.objects.filter(
        pk__in=[row.pk for row in rows], state=State.FAILED
    ).update(next_attempt_at=timezone.now())


__all__ = ["ConnectorError", "Receipt", "claim", "process_due", "receive", "retry_now"]
