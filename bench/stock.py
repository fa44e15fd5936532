"""Stock engine benchmark, through the real API (middleware, auth, idempotency, recompute).

    .venv/bin/python bench/stock.py                    # SQLite, in a throwaway directory
    DATABASE_URL=postgres://... .venv/bin/python bench/stock.py   # a throwaway database
    BENCH_SERVER=2x4 BENCH_CLIENTS=8 .venv/bin/python bench/stock.py   # also over HTTP

Measures movements/s for batches of 1 and of 500 with 1, 5 and 20 listings per SKU (a
quarter of them bundles), one request at a time through the Django test client (with the
CPU per request, test client included), each case after a few requests that are not
measured, and the cost of one recompute as listings per SKU grow. Jobs are queued as in
production (the drains each change asks for), not run. With ``BENCH_SERVER``, single
movements are also posted concurrently to the web server (``common.py``).
Results go to stdout; docs/performance.md records them.
"""

from __future__ import annotations

import itertools
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from common import (  # noqa: E402
    against_server,
    analyze,
    machine_speed,
    median,
    percentile,
    server_shape,
    setup_django,
)

SKUS = 40
SINGLES = int(os.environ.get("BENCH_SINGLE_MOVEMENTS", "300"))
WARM_UP = 20  # requests posted, not measured, before each single-movement case
ids = itertools.count()
AT = "2026-11-01T00:00:00+00:00"


def catalog(tenant, listings_per_sku: int, skus: int = SKUS) -> list:  # noqa: ANN001
    """``skus`` products, each sold by ``listings_per_sku`` listings on as many Shopee shops
    (each change queues their drains, as in production; no consumer runs them); a
    quarter of those listings sell a bundle of two units of the product."""
    from omnichannel.catalog.models import BundleComponent, Listing, Product
    from omnichannel.channels.models import Connection

    tag = next(ids)
    shops = [
        Connection.objects.create(
            tenant=tenant, channel="shopee", name=f"s{tag}-{i}", external_shop_id=f"s{tag}-{i}"
        )
        for i in range(listings_per_sku)
    ]
    products = []
    for number in range(skus):
        product = Product.objects.create(tenant=tenant, sku=f"P{tag}-{number}", name="p")
        bundle = Product.objects.create(tenant=tenant, sku=f"B{tag}-{number}", name="b")
        BundleComponent.objects.create(bundle=bundle, component=product, quantity=2)
        Listing.objects.bulk_create(
            Listing(
                tenant=tenant,
                connection=shop,
                product=bundle if i % 4 == 3 else product,
                external_item_id=f"{tag}-{number}-{i}",
            )
            for i, shop in enumerate(shops)
        )
        products.append(product)
    return products


def movement(product) -> dict:  # noqa: ANN001
    return {
        "id": f"m{next(ids)}",
        "type": "inbound",
        "warehouse": "W1",
        "sku": product.sku,
        "quantity": 3,
        "occurred_at": AT,
    }


def throughput(http, token: str, products: list, batch: int, total: int) -> tuple[float, float]:  # noqa: ANN001
    """Movements per second, and CPU milliseconds per request."""
    headers = {"Authorization": f"Bearer {token}"}
    cycle = itertools.cycle(products)

    def post() -> None:
        body = {"movements": [movement(next(cycle)) for _ in range(batch)]}
        response = http.post(
            "/api/v1/stock/movements", body, content_type="application/json", headers=headers
        )
        assert response.status_code == 200, response.content

    for _ in range(WARM_UP if batch == 1 else 1):  # imports, caches, statement parsing
        post()
    analyze()
    started, cpu = time.perf_counter(), time.process_time()
    requests = total // batch
    for _ in range(requests):
        post()
    cpu_ms = (time.process_time() - cpu) * 1000 / requests
    return total / (time.perf_counter() - started), cpu_ms


def recompute_cost(tenant, listings_per_sku: int, rounds: int = 20) -> float:  # noqa: ANN001
    """Median milliseconds to recompute every listing of one SKU (incl. its bundle's)."""
    from django.db import transaction

    from omnichannel.inventory.targets import recompute_products

    [product] = catalog(tenant, listings_per_sku, skus=1)
    analyze()
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        with transaction.atomic():
            recompute_products(tenant.pk, [product.pk])
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    database = setup_django()
    from django.test import Client

    from omnichannel.inventory.models import Warehouse
    from omnichannel.tenants.models import Tenant
    from omnichannel.tenants.services import create_client

    tenant = Tenant.objects.create(name="bench")
    Warehouse.objects.create(tenant=tenant, code="W1", name="W1")
    _, token = create_client(tenant, "bench", ["stock:write", "stock:read"])
    http = Client()
    print(
        f"# bench/stock.py — {database}; python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs; {platform.machine()} {platform.processor() or ''}; "
        f"{machine_speed()}"
    )
    print("\nmovements/s through POST /api/v1/stock/movements (test client, one at a time)")
    print("| listings/SKU | batch of 1 | CPU ms/request | batch of 500 | CPU ms/request |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    catalogs = {}
    for listings_per_sku in (1, 5, 20):
        products = catalogs[listings_per_sku] = catalog(tenant, listings_per_sku)
        one, one_cpu = throughput(http, token, products, batch=1, total=SINGLES)
        many, many_cpu = throughput(http, token, products, batch=500, total=5000)
        print(f"| {listings_per_sku} | {one:,.0f} | {one_cpu:.2f} | {many:,.0f} | {many_cpu:.1f} |")
    shape = server_shape()
    if shape is not None:
        print(
            f"\nsingle movements over HTTP: granian {shape[0]} workers x {shape[1]} threads,"
            " concurrent clients"
        )
        print("| listings/SKU | movements/s | p50 ms | p99 ms | server CPU ms/movement |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for listings_per_sku, products in catalogs.items():
            bodies = [{"movements": [movement(p)]} for p in products * (SINGLES // SKUS + 2)]
            run = against_server("/api/v1/stock/movements", token, bodies[:40], bodies[40:])
            print(
                f"| {listings_per_sku} | {run.per_second:,.0f} "
                f"| {median(run.durations) * 1000:.1f} "
                f"| {percentile(run.durations, 0.99) * 1000:.1f} "
                f"| {run.cpu_per_request * 1000:.2f} |"
            )
    print("\nrecompute of one SKU's listings (median of 20)")
    print("| listings | ms | µs/listing |")
    print("| ---: | ---: | ---: |")
    for listings_per_sku in (1, 10, 100, 1000):
        ms = recompute_cost(tenant, listings_per_sku)
        print(f"| {listings_per_sku} | {ms:.2f} | {ms * 1000 / listings_per_sku:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
