"""Stock on the channels: drain the stock engine's push outbox, and read channel stock back.

The stock engine writes each listing's new target and marks it pending in the transaction
of the stock change (``inventory.targets``); this module only *drains* what the database
says is pending, so a lost job message loses nothing (the periodic sweep re-finds it).

A drain sends absolute quantities in the channel's batch size, on the connector's stock
lane (bulk catalog work cannot starve it), and keeps an audit row per listing
(``inventory.StockPush``: submitted when sent, then success/error with the channel's
answer). Newest value wins: the answer for a value the listing has moved past leaves it
pending. A batch's database work is a few statements, whatever its size: with one drain per
shop and fifty shops per SKU, per-listing statements made propagation slow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from omnichannel.catalog.models import Listing
from omnichannel.channels import sql
from omnichannel.channels.jobs import JobOutcome, run_job
from omnichannel.channels.models import ApiCallLog, Connection, SyncState
from omnichannel.channels.transport import ApiCallLogRecorder, connector_for
from omnichannel.connectors.base import ConnectorError, StockWriting, chunked, require
from omnichannel.inventory.models import StockPush
from omnichannel.inventory.outbox import reconcile, record_push_result
from omnichannel.inventory.sql import insert_rows
from omnichannel.notifications.services import emit
from omnichannel.unified.stock import StockUpdate, StockUpdateResult

DRAIN_JOB = "stock_drain"
RECONCILE_JOB = "stock_reconcile"
# Listings taken from the outbox per round; a drain goes round until none is left.
ROUND_SIZE = 500

PushState = Listing.PushState


@dataclass
class DrainResult:
    pushed: int = 0
    refused: int = 0
    batches: int = 0


def drain_connection(connection: Connection, include_errors: bool = False) -> JobOutcome:
    """Run the stock drain of one connection as a job (one at a time, recorded)."""
    return run_job(connection, DRAIN_JOB, lambda c, state: drain(c, include_errors))


def drain(connection: Connection, include_errors: bool = False) -> DrainResult:
    """Push every pending listing of ``connection`` once, in as few calls as the channel allows.

    Listings whose last push was refused (``error``) are retried only when
    ``include_errors`` (the periodic sweep), so a listing the channel keeps refusing does not
    cost a call and a ``stock.push_failed`` event on every stock change.
    A connector error (rate limited, channel down, authorization revoked) stops the drain:
    the batch in flight is recorded as unanswered and stays pending for the next run.
    """
    call_log = ApiCallLogRecorder(connection)
    connector = connector_for(connection, call_log=call_log)
    require(connector, "stock_push")
    assert isinstance(connector, StockWriting)
    states = [PushState.PENDING, PushState.ERROR] if include_errors else [PushState.PENDING]
    result = DrainResult()
    attempted: set[int] = set()
    while True:
        listings = sql.listings_to_push(connection.pk, states, attempted, ROUND_SIZE)
        attempted.update(listing.pk for listing in listings)
        for batch in batches(listings, connector.stock_batch_size):
            push_batch(connector, batch, result, call_log)
        if len(listings) < ROUND_SIZE:
            # Whatever became pending meanwhile asked for a drain, which makes this job go
            # round again (``jobs.run_job``): no need to look once more here.
            return result


def batches(listings: Sequence[Listing], size: int) -> list[list[Listing]]:
    """The listings in batches of at most ``size``, an item's variants kept together unless
    the item alone has more than ``size``.

    Channels like Shopee take one item per call, so an item split over two batches costs a
    call more; for channels that take any listings in one call, batches of single-variant
    items fill up as with plain chunks (first-fit decreasing, largest items first).
    """
    if size <= 1:
        return [[listing] for listing in listings]
    by_item: dict[str, list[Listing]] = defaultdict(list)
    for listing in listings:
        by_item[listing.external_item_id].append(listing)
    pieces = [piece for variants in by_item.values() for piece in chunked(variants, size)]
    pieces.sort(key=len, reverse=True)
    filled: list[list[Listing]] = []
    for piece in pieces:
        room = next((batch for batch in filled if len(batch) + len(piece) <= size), None)
        if room is None:
            filled.append(list(piece))
        else:
            room.extend(piece)
    return filled


def push_batch(
    connector: StockWriting,
    batch: Sequence[Listing],
    result: DrainResult,
    call_log: ApiCallLogRecorder,
) -> None:
    """Open the audit rows (submitted), send one batch, record each listing's answer; the
    batch's call log rows are written in the transaction that records the answers (or when
    the batch ends otherwise), not one commit per call."""
    pushes = [
        StockPush(
            tenant_id=listing.tenant_id,
            listing=listing,
            value=listing.target_qty,
            version=listing.push_version,
            state=StockPush.State.SUBMITTED,
        )
        for listing in batch
    ]
    insert_rows(pushes, key=["listing_id"])
    updates = [
        StockUpdate(
            external_item_id=listing.external_item_id,
            external_variant_id=listing.external_variant_id or None,
            quantity=max(0, push.value),
        )
        for listing, push in zip(batch, pushes, strict=True)
    ]
    result.batches += 1
    with call_log.holding() as calls:
        try:
            answers = connector.push_stock(updates)
        except ConnectorError as exc:
            for push in pushes:
                unanswered(push, {"error_code": exc.code, "message": exc.message})
            raise
        by_key = {(a.external_item_id, a.external_variant_id or ""): a for a in answers}
        accepted: list[StockPush] = []
        for listing, push in zip(batch, pushes, strict=True):
            answer = by_key.get((listing.external_item_id, listing.external_variant_id))
            if answer is None:
                unanswered(push, {"error_code": "no_answer", "message": "the channel said nothing"})
            elif answer.ok:
                accepted.append(push)
            else:
                refused(listing, push, answer)
                result.refused += 1
        record_successes(accepted, calls)
    result.pushed += len(accepted)


def record_successes(accepted: Sequence[StockPush], calls: list[ApiCallLog]) -> None:
    """Record a batch's accepted values and its ``calls`` in one transaction:
    ``outbox.record_push_result(push, SUCCESS)`` for many pushes, two statements per
    distinct value (usually one) instead of three per listing (``sql.record_pushed``).
    ``calls`` is emptied once written."""
    by_value: dict[int, list[StockPush]] = defaultdict(list)
    for push in accepted:
        by_value[push.value].append(push)
    with transaction.atomic():
        insert_rows(calls)
        for value, pushes in by_value.items():
            sql.record_pushed(value, [p.pk for p in pushes], [p.listing_id for p in pushes])
    calls.clear()


@transaction.atomic
def refused(listing: Listing, push: StockPush, answer: StockUpdateResult) -> None:
    """The channel refused this listing's value: record it and tell the tenant."""
    record_push_result(push, StockPush.State.ERROR, answer.model_dump(mode="json"))
    emit(
        listing.tenant,
        "stock.push_failed",
        "listing",
        listing.pk,
        {
            "connection_id": listing.connection_id,
            "external_item_id": listing.external_item_id,
            "external_variant_id": listing.external_variant_id,
            "sku": listing.product.sku if listing.product else None,
            "quantity": push.value,
            "error_code": answer.error_code,
            "error_message": answer.error_message,
        },
    )


@transaction.atomic
def unanswered(push: StockPush, answer: dict) -> None:
    """Record a push the channel never judged; its listing stays pending (nothing lost)."""
    record_push_result(push, StockPush.State.ERROR, answer)
    Listing.objects.filter(
        pk=push.listing_id, push_state=PushState.ERROR, push_version=push.version
    ).update(push_state=PushState.PENDING)


def reconcile_connection(connection: Connection) -> JobOutcome:
    """Read the channel's stock back as a job; drifted listings become pending and drain.

    A 200 does not mean the stock was applied (and sellers edit stock in Seller Centre):
    ``inventory.outbox.reconcile`` compares what the channel shows with each target.
    """

    def work(connection: Connection, state: SyncState) -> list[int]:
        connector = connector_for(connection)
        require(connector, "stock_read")
        drifted = reconcile(connection, connector.read_stock)  # type: ignore[attr-defined]
        if drifted:
            from omnichannel.channels.tasks import schedule_drains

            schedule_drains({connection.pk})
        return drifted

    return run_job(connection, RECONCILE_JOB, work)
