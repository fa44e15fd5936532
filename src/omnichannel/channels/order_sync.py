"""Orders from a channel into ``orders.services.ingest``: the detail fetch shared by pushes
and the pull, and the scheduled pull that backs up lost pushes.

The pull reads overlapping windows on the channel's update time. Its watermark (how far
the channel has been read) is captured *before* reading, and saved only once everything
up to it has been ingested, so an order updated during a run, or a run that fails half
way, is read again next time — re-reading is harmless because ingest is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from omnichannel.channels.models import Connection, SyncState
from omnichannel.channels.tasks import one_drain_per_connection
from omnichannel.channels.transport import connector_for
from omnichannel.connectors.base import (
    AuthRevoked,
    Connector,
    ConnectorError,
    OrderReading,
    TimeWindow,
    chunked,
    require,
)
from omnichannel.orders import services as orders
from omnichannel.unified.orders import UnifiedOrder

logger = logging.getLogger("omnichannel.order_sync")

PULL_JOB = "order_pull"
OVERLAP = timedelta(minutes=10)
"""Each pull re-reads this much before the watermark: channels index updates late."""
FIRST_PULL_LOOKBACK = timedelta(days=3)


@dataclass
class IngestReport:
    """What one fetch-and-ingest did, per channel order id."""

    ingested: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    stopped_by: ConnectorError | None = None
    """The channel error that stopped the fetch (its ids are in ``failed``)."""

    def add(self, other: IngestReport) -> None:
        self.ingested += other.ingested
        self.created += other.created
        self.failed.update(other.failed)
        self.missing += other.missing
        self.stopped_by = self.stopped_by or other.stopped_by


class PullIncomplete(Exception):  # noqa: N818 - reads as what happened
    """Some orders of the window could not be read or ingested: the watermark stays."""


def ingest_orders(
    connection: Connection, connector: Connector, external_ids: Sequence[str]
) -> IngestReport:
    """Fetch orders in the channel's detail batches and ingest each batch together (one
    transaction, a savepoint per order); the stock drains a batch needs are queued once,
    after it.

    A batch the channel refuses (rate limit, outage) fails with every id after it — going
    on would only hammer a channel that said stop. A revoked authorization propagates:
    the transport has already marked the connection ``needs_reauth``. One order that
    cannot be ingested fails alone; the others of its batch are kept.
    """
    require(connector, "orders")
    assert isinstance(connector, OrderReading)
    report = IngestReport()
    wanted = list(dict.fromkeys(external_ids))
    for position, batch in enumerate(chunked(wanted, connector.order_detail_batch_size)):
        try:
            fetched = connector.get_orders(batch)
        except AuthRevoked:
            raise
        except ConnectorError as exc:
            rest = wanted[position * connector.order_detail_batch_size :]
            report.failed.update({order_id: f"{exc.code}: {exc}" for order_id in rest})
            report.stopped_by = exc
            return report
        returned = {order.external_id for order in fetched}
        report.missing += [order_id for order_id in batch if order_id not in returned]
        with one_drain_per_connection():
            ingest_fetched(connection, fetched, report)
    return report


def ingest_fetched(
    connection: Connection, fetched: Sequence[UnifiedOrder], report: IngestReport
) -> None:
    """Ingest one detail batch together (``orders.ingest_batch``) and report each order."""
    from omnichannel.channels.fulfillment_sync import after_ingest

    for unified, result in zip(fetched, orders.ingest_batch(connection, fetched), strict=True):
        if isinstance(result, Exception):
            logger.error(
                "order ingest failed",
                exc_info=result,
                extra={"order": unified.external_id},
            )
            report.failed[unified.external_id] = f"{type(result).__name__}: {result}"
            continue
        report.ingested.append(unified.external_id)
        if result.created:
            report.created.append(unified.external_id)
        after_ingest(connection, result)


def windows(start: datetime, end: datetime, longest: timedelta) -> Iterator[TimeWindow]:
    """``[start, end)`` cut into consecutive windows no longer than the channel allows."""
    while start < end:
        stop = min(end, start + longest)
        yield TimeWindow(start=start, end=stop, field="updated")
        start = stop


def pull_orders(connection: Connection, state: SyncState | None = None) -> IngestReport:
    """Read every order the channel updated since the last pull (minus the overlap).

    The watermark advances window by window, each only once fully ingested. A channel
    error (rate limit, outage) is raised as itself, so the job runner reschedules; orders
    that would not ingest raise ``PullIncomplete``; either way after saving the progress of
    the windows before. Run it through ``jobs.run_job`` (``pull_orders_job``).
    """
    connector = connector_for(connection)
    require(connector, "orders")
    assert isinstance(connector, OrderReading)
    if state is None:
        state, _ = SyncState.objects.get_or_create(connection=connection, job=PULL_JOB)
    read_until = timezone.now()  # captured before any read
    since = (state.watermark - OVERLAP) if state.watermark else read_until - FIRST_PULL_LOOKBACK
    report = IngestReport()
    for window in windows(since, read_until, connector.max_order_window):
        cursor = None
        while True:
            page = connector.list_order_ids(window, cursor)
            report.add(ingest_orders(connection, connector, page.ids))
            if report.stopped_by is not None:
                raise report.stopped_by
            if report.failed:
                raise PullIncomplete(
                    f"{len(report.failed)} order(s) not ingested, e.g. "
                    f"{next(iter(report.failed.values()))}"
                )
            cursor = page.next_cursor
            if cursor is None:
                break
        SyncState.objects.filter(pk=state.pk).update(watermark=window.end)
    logger.info(
        "orders pulled",
        extra={
            "connection": connection.pk,
            "orders_ingested": len(report.ingested),
            "orders_created": len(report.created),
        },
    )
    return report


def pull_orders_job(connection: Connection) -> object:
    """One pull of ``connection`` under the job runner (skips disabled and revoked shops)."""
    from omnichannel.channels.jobs import run_job

    return run_job(connection, PULL_JOB, pull_orders)
