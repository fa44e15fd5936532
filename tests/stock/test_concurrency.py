"""Races on real connections: many threads reserving the last units of a SKU, and many
batches moving the same level, never lose or invent stock (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import connection

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


def run_together(work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(i)`` in THREADS threads released at once; return what they raised."""
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


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
def test_threads_racing_for_the_last_units_never_reserve_more_than_exists(scene):
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

    failures = run_together(lambda i: services.reserve(lines[i], warehouse))

    assert all(isinstance(f, Conflict) and f.code == "stock.insufficient" for f in failures)
    assert len(failures) == THREADS - 5
    assert Reservation.objects.filter(state="open").count() == 5
    assert StockLevel.objects.get().reserved == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_on_one_level_lose_no_update(scene):
    tenant, warehouse, shirt, shop = scene

    def inbound(i: int) -> None:
        post_movements(tenant, [MovementInput(f"in-{i}", "inbound", "W1", "SHIRT", 1, WHEN)])

    assert run_together(inbound) == []
    assert StockLevel.objects.get().on_hand == THREADS


@pytest.mark.django_db(transaction=True)
def test_the_same_movement_posted_concurrently_is_applied_once(scene):
    tenant, warehouse, shirt, shop = scene
    item = MovementInput("grn-1", "inbound", "W1", "SHIRT", 3, WHEN)

    assert run_together(lambda i: post_movements(tenant, [item])) == []
    assert StockLevel.objects.get().on_hand == 3
