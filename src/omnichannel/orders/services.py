"""Orders: one ingest for every source, and the actions that move an order along.

Every function here runs in one transaction that also writes the order's reservations and
its outbox events, so an order change and what it must cause commit together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from omnichannel.channels.models import Connection
from omnichannel.errors import Conflict, DomainError
from omnichannel.fulfillment import services as shipments
from omnichannel.groupcommit import GroupCommit, outcome
from omnichannel.inventory import services as stock
from omnichannel.inventory import sql, targets
from omnichannel.inventory.levels import (
    BundleParts,
    bundle_parts,
    restored_on_error,
    written_once,
)
from omnichannel.inventory.models import Reservation
from omnichannel.notifications.services import emit, events_together, number_events_early
from omnichannel.orders import batch, lifecycle, routing
from omnichannel.orders.mapping import map_line
from omnichannel.orders.models import CancelledBy, Order, OrderLine
from omnichannel.orders.models import OrderStatus as S
from omnichannel.orders.preorders import preorder_listings
from omnichannel.orders.schemas import (
    OrderOut,
    order_data,
    order_snapshot,
    placed_order_snapshot,
)
from omnichannel.orders.sql import locked_orders, may_be_bundle
from omnichannel.unified.orders import UnifiedOrder

logger = logging.getLogger("omnichannel.orders")

Answer = TypeVar("Answer")

HOLD = Order.HoldReason
DIRECT_TYPES = {Order.Type.POS, Order.Type.O2O}
"""Sold over the counter: the goods are gone at once, there is nothing for the WMS to do."""

TEXT_FIELDS = {"external_number", "channel_status", "currency", "payment_method", "note"}
HEADER_FIELDS = (
    "external_number", "channel_status", "paid_at", "ship_by", "currency", "subtotal",
    "shipping_fee", "discount_seller", "discount_channel", "total", "cod", "payment_method",
    "note",
)  # fmt: skip


@dataclass
class IngestResult:
    order: Order
    created: bool
    changed: bool
    snapshot: OrderOut | None = None
    """A new order as its ``order.created`` event announced it (what the API answers)."""


def underlying_status(order: Order) -> str:
    """Where the order stands, looking through a hold."""
    return order.status_before_hold if order.status == S.ON_HOLD else order.status


def consumes_at_once(order: Order) -> bool:
    return order.type in DIRECT_TYPES or order.fulfilled_by == Order.FulfilledBy.CHANNEL


# --- ingest ---------------------------------------------------------------------------


@transaction.atomic
def ingest(connection: Connection, incoming: UnifiedOrder, raw: dict | None = None) -> IngestResult:
    """Insert or update one order from any source; safe to call any number of times.

    The unique key (connection, external id) decides first sight, never a prior lookup, so
    two deliveries of the same order racing each other still make one order.
    """
    known = locked_orders(connection.pk, [incoming.external_id])
    return upsert(connection, incoming, raw, known.get(incoming.external_id))


def ingest_batch(
    connection: Connection, orders: Sequence[UnifiedOrder]
) -> list[IngestResult | Exception]:
    """``ingest`` a channel's detail batch together; each order's result, or the error
    that stopped it.

    One transaction for the whole batch: its orders are read (and locked) in one
    statement, what they would read alike is read once (``orders.batch``, which also
    locks the stock levels they may touch), the new ones are inserted together
    (``insert_placed``), their levels, reservations and placed rows written together
    (``written_once``, ``batch.write_placed``), the listings they touched recomputed once
    and their events written together, at the end. On PostgreSQL that keeps the lock
    order of every other writer: orders, then stock levels, then listings, then the
    tenant's event numbers.

    Any error rolls the whole batch back, and its orders are ingested again one per
    transaction, so a bad order fails alone. (A savepoint per order would cost every
    batch two statements an order for the rare bad one.)
    """
    try:
        with placing_together():
            known = locked_orders(connection.pk, [order.external_id for order in orders])
            new: dict[str, UnifiedOrder] = {}
            for x in orders:  # a repeated order is an update of its first
                if x.external_id not in known:
                    new.setdefault(x.external_id, x)
            with placed_together(connection, list(new.values()), list(known.values())) as placed:
                return [
                    placed.get(id(x)) or upsert(connection, x, None, known.get(x.external_id))
                    for x in orders
                ]
    except Exception:
        return one_by_one(ingest, connection, orders)


@contextmanager
def placing_together() -> Iterator[None]:
    """The transaction of a batch of orders: their events written together, every listing
    they touch recomputed once, and their levels and reservations written once, as it
    ends (``events_together``, ``targets.recompute_once``, ``written_once``); on
    PostgreSQL its writes travel with its reads, its ``BEGIN`` with the first and its
    ``COMMIT`` with the last (``sql.pipelined_transaction``), and the numbers of its
    events are asked for with the listings' read (``number_events_early``)."""
    with (
        sql.pipelined_transaction(),
        events_together(),
        targets.recompute_once(),
        written_once(),
    ):
        yield
        number_events_early()


@contextmanager
def placed_together(
    connection: Connection, new: Sequence[UnifiedOrder], known: Sequence[Order] = ()
) -> Iterator[dict[int, IngestResult]]:
    """Inside ``placing_together``: what the batch's orders share read once
    (``batch.read_batch``), the ``new`` ones inserted, the levels the batch may touch
    locked, the new ones placed (``insert_placed``) and their rows written together.
    Yields their results; the block runs with the batch's reads still shared (for the
    ``known`` orders' updates)."""
    reads = batch.read_batch(connection, new, known)
    with batch.sharing(reads):
        placed = insert_placed(connection, [(x, None) for x in new])
        batch.write_placed()
        yield placed


def one_by_one(
    function: Callable[[Connection, UnifiedOrder], Answer],
    connection: Connection,
    orders: Sequence[UnifiedOrder],
) -> list[Answer | Exception]:
    """After a batch failed (rolled back, logged here): ``function`` for each order in a
    transaction of its own, so that a bad order fails alone; each answer, or its error."""
    logger.warning(
        "batch of orders failed; taking them one by one",
        exc_info=True,
        extra={"connection": connection.pk, "orders": len(orders), "step": function.__name__},
    )
    return [outcome(function, connection, x) for x in orders]


def insert_placed(
    connection: Connection, new: Sequence[tuple[UnifiedOrder, dict | None]]
) -> dict[int, IngestResult]:
    """Insert new orders (each with its raw payload) and then their lines, a statement
    for all of each, and place each order; the results by ``id()`` of the incoming order.
    On PostgreSQL the lines' ids come back with the batch's stock levels
    (``sql.insert_rows_later``).

    The unique key decides in the ``INSERT`` itself: an order the connection already has
    (another delivery inserted it since it was looked up) is left out, and the caller
    takes it as known."""
    incoming_of = {incoming.external_id: incoming for incoming, _ in new}
    orders = [new_order(connection, incoming, raw) for incoming, raw in new]
    inserted = sql.insert_new(orders, ORDER_KEY)
    lines = {
        order.pk: new_lines(order, connection, incoming_of[order.external_id]) for order in inserted
    }
    give_ids = sql.insert_rows_later([x for each in lines.values() for x in each], key=LINE_KEY)
    batch.lock_levels_once(connection.tenant_id)  # its read brings the lines' ids too
    give_ids()
    results = {}
    for order in inserted:
        incoming = incoming_of[order.external_id]
        snapshot = place(order, str(incoming.status), lines[order.pk])
        results[id(incoming)] = IngestResult(order, created=True, changed=True, snapshot=snapshot)
    return results


def upsert(
    connection: Connection, incoming: UnifiedOrder, raw: dict | None, order: Order | None
) -> IngestResult:
    """``ingest`` once the order's row has been read and locked (None: not seen yet)."""
    if order is None:
        placed = insert_placed(connection, [(incoming, raw)])
        if placed:
            return placed[id(incoming)]
        # Another delivery inserted it since we looked (PostgreSQL waited for its commit).
        order = locked_orders(connection.pk, [incoming.external_id])[incoming.external_id]
    order.connection, order.tenant = connection, connection.tenant
    changed = apply_channel_update(order, incoming, raw)
    return IngestResult(order, created=False, changed=changed)


def create(connection: Connection, incoming: UnifiedOrder) -> OrderOut:
    """Insert a new order (POS, manual): refused with ``order.exists`` when the connection
    already has its external id, never merged into it. The unique key decides.

    Returns the order as its ``order.created`` event announced it. One order is a batch
    of one (``placed_together``): its mapping and routing candidates are read in one
    round trip on PostgreSQL, before its row is inserted."""
    with placing_together(), placed_together(connection, [incoming]) as placed:
        if id(incoming) not in placed:
            raise order_exists(incoming)
        return placed[id(incoming)].snapshot


def order_exists(incoming: UnifiedOrder) -> Conflict:
    return Conflict(
        f"Order '{incoming.external_id}' exists on this connection.",
        code="order.exists",
        details={"external_id": incoming.external_id},
    )


def create_many(
    connection: Connection, orders: Sequence[UnifiedOrder]
) -> list[OrderOut | Exception]:
    """``create`` for orders that arrived together; each order's answer, or the error that
    stopped it (``order.exists`` for an external id the connection has, or that an earlier
    order of the batch took).

    One transaction, as ``ingest_batch`` makes one: what the orders read alike is read
    once, and their rows, levels, listings and events are written together. Any error
    rolls the batch back and its orders are created again one per transaction, so a bad
    order fails alone. One order alone is ``create``."""
    if len(orders) == 1:
        return [outcome(create, connection, orders[0])]
    first: dict[str, UnifiedOrder] = {}
    for x in orders:
        first.setdefault(x.external_id, x)
    try:
        with placing_together(), placed_together(connection, list(first.values())) as placed:
            return [placed[id(x)].snapshot if id(x) in placed else order_exists(x) for x in orders]
    except Exception:
        return one_by_one(create, connection, orders)


creations: GroupCommit[UnifiedOrder, OrderOut] = GroupCommit(create_many, parallel=1)
"""This process's batches of new orders, one line per connection (a model's instances
compare by primary key: each request's own copy of the connection finds the same line).
One batch of a connection at a time: the orders of a shop's flash sale want the same
SKUs, so a second batch beside the first mostly waits for its stock levels' locks, and
the batches are smaller (decision 0014: 262–277 vs 313–333 orders/s with 1 line)."""


def create_together(connection: Connection, incoming: UnifiedOrder) -> OrderOut:
    """``create``, in one transaction with the orders that other threads of this process
    create on the same connection at the same moment (``omnichannel.groupcommit``): what
    the API calls, so that concurrent callers share reads, writes and commits."""
    return creations.submit(connection, incoming)


def header_values(incoming: UnifiedOrder) -> dict[str, Any]:
    """The header fields the channel reported; an unknown amount or time keeps ours."""
    values: dict[str, Any] = {}
    for field in HEADER_FIELDS:
        value = getattr(incoming, field)
        if value is None and field not in TEXT_FIELDS:
            continue
        values[field] = value if value is not None else ""
    return values


ORDER_KEY = ("connection_id", "external_id")
LINE_KEY = ("order_id", "external_line_id")


def new_order(connection: Connection, incoming: UnifiedOrder, raw: dict | None) -> Order:
    """The order's row, not inserted yet (``insert_placed`` inserts it)."""
    return sql.built(
        Order,
        tenant=connection.tenant,
        connection=connection,
        channel=incoming.channel,
        external_id=incoming.external_id,
        type=str(incoming.type),
        fulfilled_by=str(incoming.fulfilled_by),
        status=S.PENDING_PAYMENT,
        cancel_requested=incoming.cancel_requested,
        placed_at=incoming.created_at,
        channel_updated_at=incoming.updated_at,
        cancelled_at=incoming.cancelled_at,
        buyer=incoming.buyer.model_dump(mode="json", exclude_none=True),
        shipping_address=(
            incoming.shipping_address.model_dump(mode="json", exclude_none=True)
            if incoming.shipping_address
            else {}
        ),
        channel_data=incoming.model_dump(mode="json", include={"channel_data"})["channel_data"],
        raw=raw or {},
        **header_values(incoming),
    )


def new_lines(order: Order, connection: Connection, incoming: UnifiedOrder) -> list[OrderLine]:
    """The lines of an inserted order, mapped, not inserted yet."""
    mapped = batch.mapped_lines(connection, batch.line_keys(incoming))
    return [
        sql.built(
            OrderLine,
            order=order,
            external_line_id=line.external_line_id,
            channel_sku=line.channel_sku or "",
            product=product,
            listing=listing,
            external_item_id=line.external_item_id or "",
            external_variant_id=line.external_variant_id or "",
            name=line.name,
            variant_name=line.variant_name or "",
            quantity=line.quantity,
            unit_price=line.unit_price or 0,
            paid_price=line.paid_price if line.paid_price is not None else line.unit_price or 0,
        )
        for line, (listing, product) in zip(incoming.lines, mapped, strict=True)
    ]


def place(order: Order, reported: str, lines: list[OrderLine] | None = None) -> OrderOut:
    """First sight: set the status, then reserve (or hold) and announce the order.

    ``lines`` are the order's lines just inserted; with them the announcement is built
    from the objects in hand instead of reading the order back. Returns it.
    """
    order.status = reported
    held: list[Reservation] = []
    if reported == S.CANCELLED:
        order.cancelled_by = order.cancelled_by or CancelledBy.CHANNEL
    elif reported != S.RETURNED:  # a return first seen has nothing left to take
        held = allocate(order, lines) or []
    batch.save_placed(order)
    in_hand = lines is not None and all(line.pk is not None for line in lines)
    snapshot = placed_order_snapshot(order, lines, held) if in_hand else order_snapshot(order)
    data = snapshot.model_dump(mode="json")
    emit(order.tenant, "order.created", "order", order.pk, data)
    if order.status == S.ON_HOLD:
        emit(order.tenant, "order.on_hold", "order", order.pk, data)
    return snapshot


def allocate(order: Order, lines: list[OrderLine] | None = None) -> list[Reservation] | None:
    """Route and reserve, or hold the order saying why.

    Returns the reservations left open (none when the order consumed its stock at once),
    or None when the order is held. ``lines``: the order's lines when in hand, just
    inserted (they hold nothing yet).
    """
    new_lines = lines is not None
    if lines is None:
        lines = list(order.lines.select_related("product", "listing"))
    if any(line.product is None for line in lines):
        return hold_in_place(order, HOLD.MAPPING_ERROR)
    if preorder_listings(lines, timezone.now()):
        return hold_in_place(order, HOLD.PRE_ORDER)
    parts = bundle_parts_of(lines)  # read once: for routing and for reserving
    warehouse = routing.choose_warehouse(
        order, [(line.product, line.quantity) for line in lines], parts
    )
    if warehouse is None:
        return hold_in_place(order, HOLD.INSUFFICIENT_STOCK)
    wanted = [(line, line.quantity) for line in lines]
    try:
        if consumes_at_once(order) or underlying_status(order) in lifecycle.CONSUMED:
            with restored_on_error(), transaction.atomic():  # reserved and consumed, or neither
                stock.reserve_lines(wanted, warehouse, parts=parts, new_lines=new_lines)
                stock.consume_lines(lines)
            held = []
        else:  # refused: nothing changed
            held = stock.reserve_lines(wanted, warehouse, parts=parts, new_lines=new_lines)
    except DomainError:
        return hold_in_place(order, HOLD.INSUFFICIENT_STOCK)
    order.warehouse = warehouse
    if order.status == S.ON_HOLD:
        order.status, order.status_before_hold, order.hold_reason = order.status_before_hold, "", ""
    return held


def bundle_parts_of(lines: list[OrderLine]) -> BundleParts:
    """The lines' ``bundle_parts``; none of them a bundle (``may_be_bundle``), no
    statement."""
    return bundle_parts(line.product_id for line in lines if may_be_bundle(line.product))


def hold_in_place(order: Order, reason: str) -> None:
    if order.status != S.ON_HOLD:
        order.status_before_hold = order.status
        order.status = S.ON_HOLD
    order.hold_reason = reason


# --- channel updates -----------------------------------------------------------------


def apply_channel_update(order: Order, incoming: UnifiedOrder, raw: dict | None) -> bool:
    """Merge a channel's view: the status only moves forward; the header and the buyer's
    cancellation request follow the most recent report, so replays of old ones change nothing."""
    fresh = order.channel_updated_at is None or incoming.updated_at >= order.channel_updated_at
    asked_to_cancel = fresh and incoming.cancel_requested and not order.cancel_requested
    if fresh:
        for field, value in header_values(incoming).items():
            setattr(order, field, value)
        order.channel_updated_at = incoming.updated_at
        order.cancel_requested = incoming.cancel_requested
        if raw:
            order.raw = raw
    before = underlying_status(order)
    after = lifecycle.merged_status(before, str(incoming.status))
    if after != before:
        move(order, after, CancelledBy.CHANNEL)
    else:
        order.save()
    if asked_to_cancel and order.status != S.CANCELLED:
        emit(order.tenant, "order.cancel_requested", "order", order.pk, order_data(order))
    return fresh or after != before


def move(order: Order, target: str, cancelled_by: str = "", reason: str = "") -> None:
    """Change the underlying status with its stock effect, save, and write the event."""
    before = underlying_status(order)
    if target in (S.CANCELLED, S.RETURNED):
        stock.release_lines(list(order.lines.all()))
        order.status, order.status_before_hold, order.hold_reason = target, "", ""
    if target == S.CANCELLED:
        order.cancelled_at = order.cancelled_at or timezone.now()
        order.cancelled_by = cancelled_by or order.cancelled_by
        order.cancel_reason = reason or order.cancel_reason
        order.cancel_requested = False
    elif target == S.RETURNED:
        pass
    elif order.status == S.ON_HOLD:
        order.status_before_hold = target  # the stock effect waits for the release
    elif target in lifecycle.CONSUMED and before in lifecycle.OPEN:
        stock.consume_lines(list(order.lines.all()))
        order.status = target
    else:
        order.status = target
    order.save()
    if order.status == target:
        shipments.follow_order(order, target)
    emit(
        order.tenant,
        "order.status_changed",
        "order",
        order.pk,
        {"from": before, "to": target, "order": order_data(order)},
    )


# --- actions -------------------------------------------------------------------------


@transaction.atomic
def perform(order: Order, action: str, *, cancelled_by: str = "", reason: str = "") -> Order:
    """Run one lifecycle action (accept, pack, ship, cancel, …) after checking it is allowed."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    target = lifecycle.target_of(action, order.status)
    move(order, target, cancelled_by or CancelledBy.SELLER, reason)
    return order


@transaction.atomic
def hold(order: Order, reason: str = HOLD.MANUAL) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in lifecycle.OPEN:
        raise Conflict(
            f"Cannot hold an order that is {order.status}.",
            code="order.invalid_transition",
            details={"action": "hold", "status": order.status},
        )
    stock.release_lines(list(order.lines.all()))
    order.warehouse = None
    hold_in_place(order, reason)
    order.save()
    emit(order.tenant, "order.on_hold", "order", order.pk, order_data(order))
    return order


@transaction.atomic
def release(order: Order) -> Order:
    """Try to take an order off hold: it must map, be out of pre-order, and find stock."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != S.ON_HOLD:
        raise Conflict(
            "The order is not on hold.",
            code="order.invalid_transition",
            details={"action": "release", "status": order.status},
        )
    refresh_mapping(order)
    if allocate(order) is not None:
        order.save()
        emit(order.tenant, "order.released", "order", order.pk, order_data(order))
    else:
        order.save()
    return order


def refresh_mapping(order: Order) -> None:
    for line in order.lines.filter(product__isnull=True):
        listing, product = map_line(
            order.connection, line.external_item_id, line.external_variant_id, line.channel_sku
        )
        line.listing, line.product = listing, product
        line.save(update_fields=["listing", "product"])
