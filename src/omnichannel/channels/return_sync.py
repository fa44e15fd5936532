"""Returns from a channel into ours: the scheduled pull of the channel's return list, and
re-reading one return in full.

Like the order pull, the pull reads overlapping windows on the channel's update time and
keeps a watermark saved only once a window is fully taken in, so a return that could not
be taken (its order not readable yet, a line the order lacks) is read again next run. Each
return becomes or updates one of our returns (``fulfillment.channel_returns``), which is
idempotent: reading a return twice changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.utils import timezone

from omnichannel.channels.jobs import JobOutcome, run_job
from omnichannel.channels.models import Connection, SyncState
from omnichannel.channels.order_sync import PullIncomplete, ingest_orders, windows
from omnichannel.channels.transport import connector_for
from omnichannel.connectors.base import Connector, ReturnsReading, require
from omnichannel.errors import DomainError, NotFound
from omnichannel.fulfillment.channel_returns import CREATED, UPDATED, upsert_channel_return
from omnichannel.fulfillment.models import Return
from omnichannel.orders.lifecycle import CONSUMED
from omnichannel.orders.models import Order
from omnichannel.unified import returns as unified

logger = logging.getLogger("omnichannel.return_sync")

PULL_JOB = "return_pull"
OVERLAP = timedelta(minutes=10)
"""Each pull re-reads this much before the watermark: channels index updates late."""
FIRST_PULL_LOOKBACK = timedelta(days=15)


@dataclass
class ReturnReport:
    """What one pull did, by channel return id."""

    seen: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def returns_connector(connection: Connection) -> Connector:
    connector = connector_for(connection)
    require(connector, "returns")
    return connector


def order_of(connection: Connection, connector: Connector, incoming: unified.Return) -> Order:
    """The return's order, read from the channel first when we do not hold it yet or hold
    it from before it left (a return may be the first news of either)."""
    orders = Order.objects.filter(connection=connection, external_id=incoming.order_external_id)
    order = orders.first()
    if order is None or order.status not in CONSUMED:
        report = ingest_orders(connection, connector, [incoming.order_external_id])
        if report.stopped_by is not None:
            raise report.stopped_by  # the channel said wait: the whole run is rescheduled
        order = orders.first()
    if order is None:
        raise NotFound(
            f"Order {incoming.order_external_id} of return {incoming.external_id} could not "
            "be read from the channel.",
            code="return.order_not_found",
        )
    return order


def take_return(
    connection: Connection, connector: Connector, incoming: unified.Return
) -> tuple[Return, str]:
    """Our return for the channel's, created or brought up to date, and which it was."""
    return upsert_channel_return(order_of(connection, connector, incoming), incoming)


def pull_returns(connection: Connection, state: SyncState) -> dict:
    """Read every return the channel updated since the last pull (minus the overlap).

    Run it through ``jobs.run_job`` (``pull_returns_job``). A channel error ends the run
    for the runner to reschedule; returns that could not be taken raise ``PullIncomplete``
    after the others were taken; either way the watermark keeps the windows not done.
    """
    connector = returns_connector(connection)
    assert isinstance(connector, ReturnsReading)
    read_until = timezone.now()  # captured before any read
    since = (state.watermark - OVERLAP) if state.watermark else read_until - FIRST_PULL_LOOKBACK
    report = ReturnReport()
    for window in windows(since, read_until, connector.max_return_window):
        cursor = None
        while True:
            page = connector.list_returns(window, cursor)
            for incoming in page.returns:
                report.seen += 1
                take_into(report, connection, connector, incoming)
            cursor = page.next_cursor
            if cursor is None:
                break
        if report.failed:
            raise PullIncomplete(
                f"{len(report.failed)} return(s) not taken, e.g. "
                f"{next(iter(report.failed.items()))}"
            )
        SyncState.objects.filter(pk=state.pk).update(watermark=window.end)
    return asdict(report)


def take_into(
    report: ReturnReport, connection: Connection, connector: Connector, incoming: unified.Return
) -> None:
    """Take one return, recording in ``report`` what happened; one that cannot be taken
    fails alone (its order or lines do not match) and the pull goes on."""
    try:
        _, outcome = take_return(connection, connector, incoming)
    except DomainError as exc:
        logger.warning(
            "channel return not taken",
            extra={"connection": connection.pk, "return": incoming.external_id, "error": exc.code},
        )
        report.failed[incoming.external_id] = f"{exc.code}: {exc.message}"
        return
    if outcome == CREATED:
        report.created.append(incoming.external_id)
    elif outcome == UPDATED:
        report.updated.append(incoming.external_id)


def pull_returns_job(connection: Connection) -> JobOutcome:
    """One pull of ``connection``'s returns under the job runner."""
    return run_job(connection, PULL_JOB, pull_returns)


def refresh_return(connection: Connection, external_id: str) -> Return:
    """Read one return in full from the channel now and take it (e.g. for the newest
    return tracking number before the parcel arrives)."""
    connector = returns_connector(connection)
    assert isinstance(connector, ReturnsReading)
    return take_return(connection, connector, connector.get_return(external_id))[0]
