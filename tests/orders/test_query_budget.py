"""Query budget of a manual order through the API: a regression guard (counts, not timings).
The count does not grow with the order's lines or with the shops listing its SKUs."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from omnichannel.catalog.models import Listing, Product
from omnichannel.channels.models import Connection
from omnichannel.inventory.models import StockLevel, Warehouse

from .factories import link

# Auth, connection, order, lines mapped (one statement, which also tells bundles apart) and
# inserted, routing (candidates; a lone candidate's stock is checked by the reservation),
# the reservation (level lock, insert, level update), the recompute (one read of the listings
# with their components, levels, warehouses and policies; one update, which also shows
# POS/manual listings' targets), the
# order's update, its event (number, which also tells whether any webhook subscription may
# want it, and row), and the transaction itself. An order with a bundle reads its
# components; a tenant with subscriptions reads them.
ORDER_BUDGET = 16


@pytest.fixture
def shop_with_stock(caller):  # noqa: ANN201 - the manual connection
    tenant = caller.tenant
    warehouse = Warehouse.objects.create(tenant=tenant, code="WH", name="WH")
    products = [Product.objects.create(tenant=tenant, sku=f"SKU-{n}", name="p") for n in range(5)]
    for product in products:
        StockLevel.objects.create(tenant=tenant, warehouse=warehouse, product=product, on_hand=100)
    manual = Connection.objects.create(
        tenant=tenant, channel="manual", name="Manual", external_shop_id="manual"
    )
    for n in range(5):
        shop = (
            manual
            if n == 0
            else Connection.objects.create(
                tenant=tenant, channel="shopee", name=f"S{n}", external_shop_id=f"s{n}"
            )
        )
        link(shop, warehouse)
        for product in products:
            Listing.objects.create(
                tenant=tenant, connection=shop, product=product, external_item_id=product.sku
            )
    return manual


def place(caller, manual, external_id: str, lines: int):  # noqa: ANN001, ANN201
    body = {
        "connection_id": manual.pk,
        "external_id": external_id,
        "lines": [{"sku": f"SKU-{n}", "quantity": 1, "unit_price": "10.00"} for n in range(lines)],
    }
    with CaptureQueriesContext(db_connection) as captured:
        response = caller.post("/api/v1/orders", body)
    assert response.status_code == 201, response.content
    return captured


def test_a_manual_order_stays_within_its_query_budget_whatever_its_lines(caller, shop_with_stock):
    place(caller, shop_with_stock, "warm-up", 1)

    one_line = place(caller, shop_with_stock, "A-1", 1)
    five_lines = place(caller, shop_with_stock, "A-2", 5)

    assert len(one_line) == ORDER_BUDGET, [q["sql"][:120] for q in one_line]
    assert len(five_lines) == len(one_line)
