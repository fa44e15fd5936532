"""No table carries a second index on a column that another of its indexes (or unique
constraints) already starts with: every insert would write it for nothing, and a plan made
on stale statistics may pick it to walk all the rows of a tenant (decision 0013)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def indexes(table: str) -> list[tuple[str, tuple[str, ...], bool]]:
    """(name, columns, unique) of the table's indexes and unique constraints."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [
        (name, tuple(info["columns"]), bool(info["unique"]))
        for name, info in found.items()
        if (info["index"] or info["unique"]) and not info["primary_key"] and info["columns"]
    ]


def test_no_plain_index_on_a_column_another_index_starts_with():
    repeated = []
    for model in apps.get_models():
        if not model.__module__.startswith("omnichannel."):
            continue
        table = model._meta.db_table
        found = indexes(table)
        for name, columns, unique in found:
            if unique or len(columns) != 1 or name.endswith("_like"):
                continue
            wider = [other for other, cols, _ in found if len(cols) > 1 and cols[0] == columns[0]]
            if wider:
                repeated.append(f"{table}.{columns[0]} ({name}; {', '.join(wider)})")
    assert not repeated, repeated


# Every order writes a row of each of these tables (its status update too, and a status
# change is never a HOT update), so every order writes each of their indexes: each must be
# one a read uses. The columns of each table's indexes and unique constraints, pk aside.
WRITTEN_BY_EVERY_ORDER = {
    "orders_order": [
        ("connection_id", "external_id"),  # the ingest's idempotency key
        ("placed_at",),  # a tenant's orders by date
        ("placed_at",),  # held_orders_by_time: only held orders, for the retry job
        ("tenant_id", "status", "placed_at"),  # the API's lists and filters
        ("warehouse_id",),  # a warehouse's orders; deleting a warehouse
    ],
    "orders_orderline": [
        ("listing_id",),
        ("order_id", "external_line_id"),
        ("product_id",),  # GET /orders?sku=
    ],
    "inventory_reservation": [
        ("order_line_id", "product_id"),  # every read of reservations goes through the line
        ("product_id",),
        ("tenant_id",),
        ("warehouse_id",),
    ],
    "notifications_event": [
        ("subject_kind", "subject_id"),  # an order's events
        ("tenant_id", "sequence"),  # the feed and deliveries, types filtered within
    ],
}


@pytest.mark.parametrize("table", sorted(WRITTEN_BY_EVERY_ORDER))
def test_what_every_order_writes_carries_only_indexes_that_reads_use(table):
    """No index on a status, a channel, a state or a type by itself (a tenant's reads
    start with the tenant), and none for ``LIKE`` (PostgreSQL's ``_like`` twins)."""
    assert sorted(columns for _, columns, _ in indexes(table)) == WRITTEN_BY_EVERY_ORDER[table]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_the_retry_job_finds_held_orders_without_reading_every_order():
    from omnichannel.orders.models import Order
    from omnichannel.orders.tasks import RETRIED_HOLDS, OrderStatus

    held = Order.objects.filter(status=OrderStatus.ON_HOLD, hold_reason__in=RETRIED_HOLDS)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # as on a table of millions
        plan = held.order_by("placed_at", "pk")[:500].explain()
    assert "held_orders_by_time" in plan
