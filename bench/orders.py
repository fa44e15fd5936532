"""Manual orders per second through the API, with reservation and listing recompute.

    python bench/orders.py                        # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python bench/orders.py
    BENCH_SERVER=2x4 BENCH_CLIENTS=8 python bench/orders.py   # also over HTTP, concurrently
    BENCH_SERVER=2x16 BENCH_CLIENTS=32 BENCH_ORDERS=2400 python bench/orders.py   # capacity

Over HTTP a web process places its orders in batches, one after the other (group commit),
and a batch's wall time hardly grows with its size: the rate follows the callers each
process has. Their keep-alive connections are split between the processes by the kernel's
hash, unevenly as often as not, so with 16 clients on 2 x 8 threads the 5-line rate on
PostgreSQL ranged from 263 to 359 per s by the split alone; the capacity run gives both
processes callers enough to keep their batches full (docs/performance.md).

Each order goes through the whole stack: auth, idempotency, ingest, routing, reservation,
the recompute of every listing of its SKUs (5 shops list each SKU), and its events. First
one request at a time through the Django test client (CPU per order included, test client
and all), after 50 unmeasured ones; with ``BENCH_SERVER`` also against the web server
(see ``common.py``).

The shop starts with a history of ``BENCH_HISTORY`` orders (default 5,000), as a live
database has: PostgreSQL then plans for tables of orders, lines and reservations, not for
the empty tables a fresh database starts with. Planned on empty tables, statements scan
the orders' and lines' tables whole and keep doing so as the tables grow during the
benchmark's seconds (seen: thousands of sequential scans of ``orders_order`` and
``orders_orderline``), which autovacuum's first ``ANALYZE`` ends on a live database
(decision 0013).
"""

from __future__ import annotations

import itertools
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from common import (  # noqa: E402
    against_server,
    machine_speed,
    median,
    percentile,
    rate,
    server_shape,
    setup_django,
)

ORDERS = int(os.environ.get("BENCH_ORDERS", "600"))
HISTORY = int(os.environ.get("BENCH_HISTORY", "5000"))
WARM_UP = 50  # orders placed, not measured, before each case
# Over HTTP, enough for each of the server's threads (2 x 8) to have run its statements on
# its own database connection a few times, as a long-running server has (prepared).
WARM_UP_SERVER = 200
SKUS = 50
SHOPS_PER_SKU = 5


def build_world():  # noqa: ANN201 - returns (client, token, manual connection id)
    from django.test import Client

    from omnichannel.catalog.models import Listing, Product
    from omnichannel.channels.models import Connection
    from omnichannel.inventory.models import ConnectionWarehouse, StockLevel, Warehouse
    from omnichannel.tenants.models import SCOPES, Tenant
    from omnichannel.tenants.services import create_client

    tenant = Tenant.objects.create(name="bench")
    _, token = create_client(tenant, "bench", list(SCOPES))
    warehouse = Warehouse.objects.create(tenant=tenant, code="WH", name="Bench")
    products = [
        Product.objects.create(tenant=tenant, sku=f"SKU-{n}", name=f"Product {n}")
        for n in range(SKUS)
    ]
    StockLevel.objects.bulk_create(
        StockLevel(tenant=tenant, warehouse=warehouse, product=p, on_hand=10_000_000)
        for p in products
    )
    manual = Connection.objects.create(
        tenant=tenant, channel="manual", name="Manual", external_shop_id="manual"
    )
    shops = [manual] + [
        Connection.objects.create(
            tenant=tenant, channel="shopee", name=f"Shop {n}", external_shop_id=f"shop-{n}"
        )
        for n in range(SHOPS_PER_SKU - 1)
    ]
    for shop in shops:
        ConnectionWarehouse.objects.create(connection=shop, warehouse=warehouse)
        Listing.objects.bulk_create(
            Listing(tenant=tenant, connection=shop, product=p, external_item_id=p.sku)
            for p in products
        )
    return Client(), token, manual.pk


def place_history(connection_id: int, count: int) -> None:
    """``count`` orders placed in batches through the service, before anything is measured."""
    from omnichannel.channels.models import Connection
    from omnichannel.orders.api import OrderIn, unified_order
    from omnichannel.orders.services import create_many

    connection = Connection.objects.select_related("tenant").get(pk=connection_id)
    for start in range(0, count, 100):
        orders = [
            unified_order(
                OrderIn(**order_body(connection_id, f"HIST-{n}", n, 1 + n % 5)), connection
            )
            for n in range(start, min(count, start + 100))
        ]
        answers = create_many(connection, orders)
        assert not any(isinstance(answer, Exception) for answer in answers), answers


def order_body(connection_id: int, external_id: str, n: int, lines: int) -> dict:
    return {
        "connection_id": connection_id,
        "external_id": external_id,
        "lines": [
            {"sku": f"SKU-{(n + k) % SKUS}", "quantity": 1, "unit_price": "10.00"}
            for k in range(lines)
        ],
    }


def main() -> None:
    database = setup_django()
    client, token, connection_id = build_world()
    place_history(connection_id, HISTORY)
    headers = {"Authorization": f"Bearer {token}"}
    numbers = itertools.count()
    print(
        f"# bench/orders.py — {database}, {ORDERS} orders per case after {HISTORY:,} placed;"
        f" {machine_speed()}"
    )
    print("| lines per order | orders/s | p50 ms | p99 ms | CPU ms/order |")
    print("| --- | --- | --- | --- | --- |")
    for lines in (1, 5):

        def place(lines: int = lines) -> None:
            n = next(numbers)
            body = order_body(connection_id, f"B-{n}", n, lines)
            response = client.post(
                "/api/v1/orders", body, content_type="application/json", headers=headers
            )
            assert response.status_code == 201, response.content

        rate(WARM_UP, place)  # first requests pay for imports, caches, statement parsing
        started = time.process_time()
        per_second, durations = rate(ORDERS, place)
        cpu = (time.process_time() - started) / ORDERS
        print(
            f"| {lines} | {per_second:,.0f} | {median(durations) * 1000:.1f} "
            f"| {percentile(durations, 0.99) * 1000:.1f} | {cpu * 1000:.2f} |"
        )
    shape = server_shape()
    if shape is None:
        return
    print(f"\n# over HTTP: granian {shape[0]} workers x {shape[1]} threads, concurrent clients")
    print("| lines per order | orders/s | p50 ms | p99 ms | server CPU ms/order |")
    print("| --- | --- | --- | --- | --- |")
    for lines in (1, 5):
        count = ORDERS + WARM_UP_SERVER
        bodies = [order_body(connection_id, f"H-{lines}-{n}", n, lines) for n in range(count)]
        run = against_server(
            "/api/v1/orders", token, bodies[:WARM_UP_SERVER], bodies[WARM_UP_SERVER:]
        )
        print(
            f"| {lines} | {run.per_second:,.0f} | {median(run.durations) * 1000:.1f} "
            f"| {percentile(run.durations, 0.99) * 1000:.1f} | {run.cpu_per_request * 1000:.2f} |"
        )


if __name__ == "__main__":
    main()
