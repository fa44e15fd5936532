"""Channel jobs on Huey: stock drains (triggered and swept), token refresh ahead of expiry,
category refresh, stock read-back, catalog pulls.

Every job of a connection runs through ``channels.jobs.run_job`` (one at a time, recorded
in SyncState, skipped for disabled or ``needs_reauth`` connections), so a periodic task
is only a loop over the connections that need it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from omnichannel.catalog.models import Listing
from omnichannel.channels import authorization, catalog, stock_sync
from omnichannel.channels.jobs import JobOutcome, channel_supports, connections_supporting
from omnichannel.channels.models import DIRECT_CHANNELS, Connection
from omnichannel.coalesce import enqueue_coalesced
from omnichannel.inventory.sql import fetch, marks, table

logger = logging.getLogger("omnichannel.channels")

# The sweep retries listings the channel refused only this often (minutes past the hour).
ERROR_RETRY_MINUTES = 15


def log_outcome(connection_id: int, outcome: JobOutcome) -> None:
    if outcome.error:
        logger.warning(
            "channel job failed",
            extra={"connection": connection_id, "job": outcome.job, "error": outcome.error},
        )


# ----------------------------------------------------------------------------- stock


def schedule_drains(connection_ids: Iterable[int]) -> None:
    """After the current transaction commits, drain these connections: queued at once (the
    seller waits for the new quantity), then at most one more run per connection per
    coalescing window (``omnichannel.coalesce``), shared by every change in it; concurrent
    runs coalesce on the job's lease."""
    ids = sorted(set(connection_ids))

    def enqueue() -> None:
        for connection_id in ids:
            enqueue_coalesced(drain_stock_task, connection_id, at_once=True)

    transaction.on_commit(enqueue)


_batch = threading.local()


@contextmanager
def one_drain_per_connection() -> Iterator[None]:
    """Stock changes made in the block ask for their drains once, when it ends: a batch of
    orders costs one queue write per shop instead of one per order. Every transaction of
    the block has committed by then (a rolled-back one only costs a drain with nothing to
    push); inside an outer transaction the drains still wait for its commit."""
    if getattr(_batch, "connection_ids", None) is not None:
        yield  # nested: the outermost block schedules
        return
    _batch.connection_ids = set()
    try:
        yield
    finally:
        connection_ids, _batch.connection_ids = _batch.connection_ids, None
        if connection_ids:
            schedule_drains(connection_ids)


def on_listings_pending(
    sender: Any,
    connection_ids: Iterable[int],
    channels: dict[int, str] | None = None,
    **kwargs: Any,
) -> None:
    """Receiver of ``inventory.targets.listings_pending`` (connected in ``apps.py``): direct
    channels' listings are settled at once, the others' connections drained. With the
    connections' ``channels`` known, those of other channels need no settling statement."""
    ids = set(connection_ids)
    known = channels or {}
    maybe_direct = {i for i in ids if i not in known or known[i] in DIRECT_CHANNELS}
    if maybe_direct:
        ids -= settle_direct_listings(maybe_direct)
    if not ids:
        return
    batch = getattr(_batch, "connection_ids", None)
    if batch is not None:
        batch.update(ids)
    else:
        schedule_drains(ids)


def settle_direct_listings(connection_ids: set[int]) -> set[int]:
    """POS and manual shops have nothing to push to: their tills and apps read our stock
    through the API, so a listing there shows its target as soon as it is computed. Marked
    in sync in the recompute's transaction, rather than left pending for a drain that has
    no channel to call. One statement; returns the connections that were POS or manual."""
    channels = sorted(DIRECT_CHANNELS)
    rows = fetch(
        f"UPDATE {table(Listing)} SET push_state = %s, last_pushed_qty = target_qty,"
        f" updated_at = %s WHERE push_state = %s AND connection_id IN ("
        f"SELECT id FROM {table(Connection)} WHERE id IN ({marks(connection_ids)})"
        f" AND channel IN ({marks(channels)})) RETURNING connection_id",
        [
            Listing.PushState.IN_SYNC,
            db_connection.ops.adapt_datetimefield_value(timezone.now()),
            Listing.PushState.PENDING,
            *connection_ids,
            *channels,
        ],
    )
    return {connection_id for (connection_id,) in rows}


@db_task()
def drain_stock_task(connection_id: int, include_errors: bool = False) -> None:
    connection = Connection.objects.select_related("app").filter(pk=connection_id).first()
    if connection is None or not channel_supports(connection.channel, "stock_push"):
        return
    outcome = stock_sync.drain_connection(connection, include_errors)
    log_outcome(connection_id, outcome)
    if outcome.retry_after is not None:
        # Rate limited or channel down: come back later; the listings stay pending.
        drain_stock_task.schedule((connection_id, include_errors), delay=outcome.retry_after)


def sweep_stock_drains(include_errors: bool = False) -> list[int]:
    """Enqueue a drain for every capable connection with something to push: the safety net
    for a lost trigger. Returns the connection ids."""
    states = [Listing.PushState.PENDING] + ([Listing.PushState.ERROR] if include_errors else [])
    waiting = Listing.objects.filter(connection=OuterRef("pk"), push_state__in=states)
    ids = list(
        connections_supporting("stock_push").filter(Exists(waiting)).values_list("pk", flat=True)
    )
    for connection_id in ids:
        drain_stock_task(connection_id, include_errors)
    return ids


@db_periodic_task(crontab(minute="*"))
def sweep_stock_drains_task() -> None:
    sweep_stock_drains(include_errors=timezone.now().minute % ERROR_RETRY_MINUTES == 0)


@db_periodic_task(crontab(minute="25", hour="*/6"))
def reconcile_stock_task() -> None:
    """Read channel stock back for every connection whose connector can."""
    for connection in connections_supporting("stock_read"):
        log_outcome(connection.pk, stock_sync.reconcile_connection(connection))


# ---------------------------------------------------------------------- auth, catalog


@db_periodic_task(crontab(minute="*/10"))
def refresh_tokens_task() -> None:
    """Refresh access tokens before they expire, so no sync call meets an expired one."""
    for connection in authorization.tokens_expiring_soon():
        log_outcome(connection.pk, authorization.refresh_connection_tokens(connection))


@db_periodic_task(crontab(minute="5", hour="3"))
def refresh_categories_task() -> None:
    """Download every app's category tree and attributes again (they change rarely)."""
    for connection in catalog.category_sources():
        log_outcome(connection.pk, catalog.refresh_categories(connection))


@db_task()
def pull_catalog_task(connection_id: int, full: bool = True) -> None:
    """Asked for by ``POST …/catalog/pull``; progress and counts are in its SyncState."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return
    outcome = catalog.pull_catalog(connection, full)
    log_outcome(connection_id, outcome)
    if outcome.retry_after is not None:
        # Rate limited or channel down: the pull is asked for again, not dropped.
        pull_catalog_task.schedule((connection_id, full), delay=outcome.retry_after)


# ------------------------------------------------------------------------------ orders


@db_task()
def process_webhooks_task() -> None:
    """Process stored channel pushes that are due (new, or failed and past their backoff).

    A full claim means more is waiting: another run is queued before processing it, so
    every idle worker of the consumer joins in on a backlog.
    """
    from omnichannel.channels import webhooks

    while webhooks.process_due(on_full_claim=_ask_for_help):
        pass


def _ask_for_help() -> None:
    from huey.contrib.djhuey import HUEY

    if not HUEY.immediate:  # run inline (tests, demo), a helper would only recurse
        process_webhooks_task()


@db_periodic_task(crontab(minute="*"))
def process_webhooks_periodic_task() -> None:
    """Safety net: pushes whose processing message was lost, and retries after backoff."""
    process_webhooks_task.call_local()


@db_periodic_task(crontab(minute="*/5"))
def pull_orders_task() -> None:
    """The scheduled pull behind every webhook: finds orders whose push was lost."""
    from omnichannel.channels import order_sync

    for connection in connections_supporting("orders"):
        log_outcome(connection.pk, order_sync.pull_orders_job(connection))


@db_task()
def auto_fulfill_task(order_id: int) -> None:
    """Arrange a ready order as its pickup rule says (auto fulfillment mode)."""
    from omnichannel.channels import fulfillment_sync

    fulfillment_sync.auto_fulfill(order_id)


# ----------------------------------------------------------------------------- returns


@db_periodic_task(crontab(minute="*/15"))
def pull_returns_periodic_task() -> None:
    """Bring the channels' returns into ours (no channel pushes them to us); one task per
    connection, so one shop's failure does not stop the others'."""
    for connection in connections_supporting("returns"):
        pull_returns_task(connection.pk)


@db_task()
def pull_returns_task(connection_id: int) -> None:
    """One connection's return pull; asked for by ``POST …/returns/pull`` too."""
    from omnichannel.channels import return_sync

    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None or not channel_supports(connection.channel, "returns"):
        return
    outcome = return_sync.pull_returns_job(connection)
    log_outcome(connection_id, outcome)
    if outcome.retry_after is not None:
        pull_returns_task.schedule((connection_id,), delay=outcome.retry_after)
