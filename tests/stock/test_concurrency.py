"""Races on real connections: many threads reserving the last units of a SKU, and many
batches moving the same level, never lose or invent stock (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnichannel.catalog.models import Product
from omnichannel.channels.models import Connection
from omnichannel.errors import Conflict
from omnichannel.inventory import services
from omnichannel.inventory.ledger import CountInput, MovementInput, apply_counts, post_movements
from omnichannel.inventory.models import Reservation, StockLevel, Warehouse
from omnichannel.orders.models import Order, OrderLine
from omnichannel.tenants.models import Tenant

THREADS = 12
WHEN = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def scene(db):
    tenant = Tenant.objects.create(name="race")
    warehouse = Warehouse.objects.create(tenant=tenant, code="W1", name="W1")
    shirt = Product.objects.create(tenant=tenant, sku="SHIRT", name="SHIRT")
    shop = Connection.objects.create(
        tenant=tenant, channel="manual", name="s", external_shop_id="s"
    )
    return tenant, warehouse, shirt, shop


@pytest.mark.django_db(transaction=True)
def test_threads_racing_for_the_last_units_never_reserve_more_than_exists(scene, at_once):
    tenant, warehouse, shirt, shop = scene
    apply_counts(tenant, [CountInput("W1", "SHIRT", 5)], WHEN)
    lines = []
    for i in range(THREADS):
        order = Order.objects.create(
            tenant=tenant,
            connection=shop,
            channel="manual",
            external_id=f"o{i}",
            status="ready_to_process",
        )
        lines.append(
            OrderLine.objects.create(order=order, external_line_id="1", product=shirt, quantity=1)
        )

    failures = at_once(THREADS, lambda i: services.reserve(lines[i], warehouse))

    assert all(isinstance(f, Conflict) and f.code == "stock.insufficient" for f in failures)
    assert len(failures) == THREADS - 5
    assert Reservation.objects.filter(state="open").count() == 5
    assert StockLevel.objects.get().reserved == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_on_one_level_lose_no_update(scene, at_once):
    tenant, warehouse, shirt, shop = scene

    def inbound(i: int) -> None:
        post_movements(tenant, [MovementInput(f"in-{i}", "inbound", "W1", "SHIRT", 1, WHEN)])

    assert at_once(THREADS, inbound) == []
    assert StockLevel.objects.get().on_hand == THREADS


@pytest.mark.django_db(transaction=True)
def test_the_same_movement_posted_concurrently_is_applied_once(scene, at_once):
    tenant, warehouse, shirt, shop = scene
    item = MovementInput("grn-1", "inbound", "W1", "SHIRT", 3, WHEN)

    assert at_once(THREADS, lambda i: post_movements(tenant, [item])) == []
    assert StockLevel.objects.get().on_hand == 3
