"""The push outbox: which listings must show a new quantity, and what happened when we told
the channel. The connector drain (a later issue) uses these functions:

1. ``pending_listings(connection)`` — listings whose target differs from what the channel
   was last told (pending), or whose last push failed (error);
2. ``start_push(listing)`` — a ``StockPush`` row with the current target and version;
3. ``record_push_result(push, state, answer)`` — submitted, success or error.

Reconciliation reads the channel's quantities back (a 200 does not mean the stock was
applied) and re-marks every listing that drifted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from omnichannel.catalog.models import Listing
from omnichannel.channels.models import Connection
from omnichannel.inventory.models import StockPush
from omnichannel.inventory.targets import listings_pending, recompute

PushState = Listing.PushState


def pending_listings(connection: Connection) -> QuerySet[Listing]:
    """The connection's listings that need a push, oldest change first."""
    return Listing.objects.filter(
        connection=connection,
        push_state__in=[PushState.PENDING, PushState.ERROR],
        target_qty__isnull=False,
    ).order_by("updated_at", "pk")


def start_push(listing: Listing) -> StockPush:
    """Open the audit row for sending the listing's current target (newest value wins)."""
    return StockPush.objects.create(
        tenant_id=listing.tenant_id,
        listing=listing,
        value=listing.target_qty,
        version=listing.push_version,
    )


def record_push_result(push: StockPush, state: str, answer: dict | None = None) -> None:
    """Record the channel's answer; on success the listing remembers what it shows.

    A success for an older version still updates ``last_pushed_qty`` (that is what the
    channel shows now), but the listing stays pending when its target has moved since.
    """
    with transaction.atomic():
        push.state = state
        push.answer = answer or {}
        if state in (StockPush.State.SUCCESS, StockPush.State.ERROR):
            push.finished_at = timezone.now()
        push.save(update_fields=["state", "answer", "finished_at", "updated_at"])
        listing = Listing.objects.select_for_update().get(pk=push.listing_id)
        if state == StockPush.State.SUCCESS:
            listing.last_pushed_qty = push.value
            listing.last_pushed_at = push.finished_at
            in_sync = listing.target_qty in (None, push.value)
            listing.push_state = PushState.IN_SYNC if in_sync else PushState.PENDING
        elif state == StockPush.State.ERROR and listing.push_version == push.version:
            listing.push_state = PushState.ERROR
        listing.save(
            update_fields=["last_pushed_qty", "last_pushed_at", "push_state", "updated_at"]
        )


def force_repush(tenant_id: int, listing_filter: Q) -> int:
    """Recompute the matching listings, then mark every one with a target pending even if
    the channel should already show it: the admin's "recompute and re-push". Their shops
    are told at once (``listings_pending``): channels' drains are queued, and POS and
    manual shops, with nothing to push to, show the targets again."""
    with transaction.atomic():
        recompute(tenant_id, listing_filter)
        marked = Listing.objects.filter(
            listing_filter, tenant_id=tenant_id, target_qty__isnull=False
        )
        count = marked.update(
            push_state=PushState.PENDING,
            push_version=F("push_version") + 1,
            updated_at=timezone.now(),
        )
        connection_ids = set(marked.values_list("connection_id", flat=True))
        if connection_ids:
            listings_pending.send(sender=Listing, connection_ids=connection_ids)
        return count


class ReportedStock(Protocol):
    """What a channel says one item shows (``unified.stock.ChannelStock`` fits)."""

    external_item_id: str
    external_variant_id: str | None
    quantity: int


StockReader = Callable[[Sequence[str]], Iterable[ReportedStock]]


def reconcile(connection: Connection, read_stock: StockReader, batch_size: int = 100) -> list[int]:
    """Compare what the channel shows with each target; re-mark the listings that drifted.

    ``read_stock`` takes external item ids and returns what the channel shows (a
    connector's ``read_stock``). A drifted listing gets the channel's figure as its last
    pushed value and becomes pending again; a listing the channel does not report is left
    alone (absence is not evidence). Returns the ids of the drifted listings.
    """
    drifted: list[int] = []
    listings = Listing.objects.filter(connection=connection, target_qty__isnull=False).order_by(
        "pk"
    )
    last = 0
    while True:
        chunk = list(listings.filter(pk__gt=last)[:batch_size])
        if not chunk:
            return drifted
        last = chunk[-1].pk
        reported = {
            (item.external_item_id, item.external_variant_id or ""): item.quantity
            for item in read_stock(sorted({listing.external_item_id for listing in chunk}))
        }
        with transaction.atomic():
            for listing in Listing.objects.select_for_update().filter(
                pk__in=[x.pk for x in chunk], target_qty__isnull=False
            ):
                shown = reported.get((listing.external_item_id, listing.external_variant_id))
                if shown is None:
                    continue
                if shown != listing.target_qty:
                    listing.push_version += 1
                    listing.push_state = PushState.PENDING
                    drifted.append(listing.pk)
                elif listing.push_state == PushState.PENDING:
                    listing.push_state = PushState.IN_SYNC
                listing.last_pushed_qty = shown
                listing.save(
                    update_fields=["last_pushed_qty", "push_state", "push_version", "updated_at"]
                )
