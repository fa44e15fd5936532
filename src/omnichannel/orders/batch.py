"""Reads and writes that every order of a detail batch would make alike, made once for
the batch.

``services.ingest_batch`` reads, before its first order: the mapping of every new order's
lines (listings and master SKUs), the connection's routing candidates and the pre-order
policies of the mapped listings. Once the new orders and their lines are inserted, and
before the first is placed, every stock level the batch may touch is read and locked
(``lock_levels_once``; on PostgreSQL in id order, so two batches, or a batch and a stock
movement, never wait on each other in a circle). Inside ``sharing(reads)`` the order path
takes what it needs from here and the new orders' rows, once placed, are updated together
(``write_placed``); outside a batch every function reads and writes for itself.

They are read as the batch's transaction starts: a change another request commits
meanwhile (a listing mapped, a rule edited) is seen by the next batch, as it would be by
an order whose own transaction had started at that moment.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from omnichannel.catalog.models import Listing, Product
from omnichannel.channels.models import Connection
from omnichannel.inventory.levels import bundle_parts, locked_levels
from omnichannel.inventory.models import Reservation, StockPolicy, Warehouse
from omnichannel.inventory.sql import (
    fetch,
    marks,
    prepared_values,
    table,
    update_fields,
    update_rows,
)
from omnichannel.orders import preorders, sql
from omnichannel.orders.mapping import LineKeys, map_lines
from omnichannel.orders.models import Order, OrderLine
from omnichannel.unified.orders import UnifiedOrder

Mapped = tuple[Listing | None, Product | None]


@dataclass
class BatchReads:
    connection_id: int
    mapped: dict[LineKeys, Mapped] = field(default_factory=dict)
    routing: list[Warehouse] = field(default_factory=list)
    listing_ids: set[int] = field(default_factory=set)
    """The listings whose pre-order policies are in ``preorder``."""
    preorder: list[StockPolicy] = field(default_factory=list)
    placed: list[list[Any]] = field(default_factory=list)
    """New orders' placed rows (``PLACED_FIELDS``' values, then the id), prepared as they
    were placed, to be updated together (``write_placed``)."""
    known: Collection[Order] = ()
    """The batch's orders seen before, whose reservations may change."""
    levels_locked: bool = False


_active = threading.local()


def line_keys(incoming: UnifiedOrder) -> list[LineKeys]:
    return [(x.external_item_id, x.external_variant_id, x.channel_sku) for x in incoming.lines]


def read_batch(
    connection: Connection, new: Sequence[UnifiedOrder], known: Collection[Order]
) -> BatchReads:
    """Everything the batch's orders share, read at once; their levels are locked later
    (``lock_levels_once``)."""
    keys = list(dict.fromkeys(key for incoming in new for key in line_keys(incoming)))
    reads = BatchReads(connection.pk, known=known)
    routing = sql.routing_candidates_later(connection.tenant_id, connection.pk)
    reads.mapped = dict(zip(keys, map_lines(connection, keys), strict=True)) if keys else {}
    reads.routing = routing()  # read with the mapping: one round trip for both
    listings = {x.pk: x for x, _ in reads.mapped.values() if x is not None}
    reads.listing_ids = set(listings)
    reads.preorder = preorders.preorder_policies(list(listings.values())) if listings else []
    return reads


def lock_levels_once(tenant_id: int) -> None:
    """In a batch, once: ``lock_levels``. Called when the batch's new orders and lines are
    inserted, just before the first order is placed, so that the levels' locks, which
    every other order and movement of those SKUs waits for, are held for the rest of the
    transaction only, not while its rows are built and inserted; and the batch takes its
    locks as every writer does: its orders' rows first, then stock levels."""
    reads = current()
    if reads is not None and not reads.levels_locked:
        reads.levels_locked = True
        lock_levels(tenant_id, reads)


def lock_levels(tenant_id: int, reads: BatchReads) -> None:
    """Read (and on PostgreSQL lock, in id order) the levels the batch may change: its new
    lines' products (and their bundles' components) in every routing candidate, and what
    its known orders hold. Inside ``levels.written_once`` each order's own
    ``locked_levels`` then finds them in hand."""
    products = {product for _, product in reads.mapped.values() if product is not None}
    parts = bundle_parts(product.pk for product in products if sql.may_be_bundle(product))
    stocked = {c for p in products for c, _ in parts.get(p.pk) or [(p.pk, 1)]}
    pairs = {(p, w.pk) for p in stocked for w in reads.routing}
    if reads.known:
        pairs |= set(
            fetch(
                f"SELECT reservation.product_id, reservation.warehouse_id"
                f" FROM {table(Reservation)} reservation"
                f" JOIN {table(OrderLine)} line ON line.id = reservation.order_line_id"
                f" WHERE line.order_id IN ({marks(reads.known)})",
                [order.pk for order in reads.known],
            )
        )
    if pairs:
        locked_levels(tenant_id, pairs)


@contextmanager
def sharing(reads: BatchReads) -> Iterator[None]:
    _active.reads = reads
    try:
        yield
    finally:
        _active.reads = None


def current() -> BatchReads | None:
    return getattr(_active, "reads", None)


PLACED_FIELDS = (
    "status", "status_before_hold", "hold_reason", "cancelled_by", "warehouse_id", "updated_at",
)  # fmt: skip
"""What placing a new order changes on its row."""


def save_placed(order: Order) -> None:
    """Write what placing a new order changed on its row; in a batch, with the batch's
    other new orders (``write_placed``). Either way the row's ``updated_at`` is stamped
    now, so that the order's answer and event show what is stored."""
    reads = current()
    if reads is None:
        update_fields(order, PLACED_FIELDS)
    else:
        fields = [Order._meta.get_field(name) for name in PLACED_FIELDS]
        reads.placed.append([*prepared_values(order, fields, adding=False), order.pk])


def write_placed() -> None:
    """The batch's placed orders' rows, updated in one statement."""
    reads = current()
    if reads is None or not reads.placed:
        return
    update_rows(Order, PLACED_FIELDS, reads.placed)
    reads.placed = []


def mapped_lines(connection: Connection, keys: Sequence[LineKeys]) -> list[Mapped]:
    """``map_lines``, from the batch's reads when it has every key."""
    reads = current()
    in_batch = reads is not None and reads.connection_id == connection.pk
    if in_batch and all(key in reads.mapped for key in keys):
        return [reads.mapped[key] for key in keys]
    return map_lines(connection, keys)


def routing_candidates(tenant_id: int, connection_id: int) -> list[Warehouse]:
    """``sql.routing_candidates``, from the batch's reads for its connection."""
    reads = current()
    if reads is not None and reads.connection_id == connection_id:
        return reads.routing
    return sql.routing_candidates(tenant_id, connection_id)


def preorder_policies_of(listings: Sequence[Listing]) -> list[StockPolicy]:
    """``preorders.preorder_policies``, from the batch's reads when it read them for
    every one of ``listings``."""
    reads = current()
    if reads is not None and all(x.pk in reads.listing_ids for x in listings):
        return reads.preorder
    return preorders.preorder_policies(listings)
