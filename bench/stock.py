"""Stock engine benchmark, through the real API (middleware, auth, idempotency, recompute).

    .venv/bin/python bench/stock.py                    # SQLite, in a throwaway directory
    DATABASE_URL=postgres://... .venv/bin/python bench/stock.py   # a throwaway test_ database

Measures movements/s for batches of 1 and of 500 with 1, 5 and 20 listings per SKU (a
quarter of them bundles), and the cost of one recompute as listings per SKU grow.
Results go to stdout; docs/performance.md records them.
"""

from __future__ import annotations

import itertools
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

os.environ["OMNI_VAR_DIR"] = tempfile.mkdtemp(prefix="omni-bench-")  # never ./var
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnichannel.settings")
os.environ["HUEY_IMMEDIATE"] = "1"
os.environ["OMNI_API_RATE_PER_MINUTE"] = "0"
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from omnichannel.catalog.models import BundleComponent, Listing, Product  # noqa: E402
from omnichannel.channels.models import Connection  # noqa: E402
from omnichannel.inventory.models import Warehouse  # noqa: E402
from omnichannel.inventory.targets import recompute_products  # noqa: E402
from omnichannel.tenants.models import Tenant  # noqa: E402
from omnichannel.tenants.services import create_client  # noqa: E402

SKUS = 40
ids = itertools.count()
AT = datetime(2026, 11, 1, tzinfo=UTC).isoformat()


def catalog(tenant: Tenant, listings_per_sku: int, skus: int = SKUS) -> list[Product]:
    """``skus`` products, each sold by ``listings_per_sku`` listings on as many shops; a
    quarter of those listings sell a bundle of two units of the product."""
    tag = next(ids)
    shops = [
        Connection.objects.create(
            tenant=tenant, channel="manual", name=f"s{tag}-{i}", external_shop_id=f"s{tag}-{i}"
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


def movement(product: Product) -> dict:
    return {
        "id": f"m{next(ids)}",
        "type": "inbound",
        "warehouse": "W1",
        "sku": product.sku,
        "quantity": 3,
        "occurred_at": AT,
    }


def throughput(http: Client, token: str, products: list[Product], batch: int, total: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    cycle = itertools.cycle(products)
    started = time.perf_counter()
    for _ in range(total // batch):
        body = {"movements": [movement(next(cycle)) for _ in range(batch)]}
        response = http.post(
            "/api/v1/stock/movements", body, content_type="application/json", headers=headers
        )
        assert response.status_code == 200, response.content
    return total / (time.perf_counter() - started)


def recompute_cost(tenant: Tenant, listings_per_sku: int, rounds: int = 20) -> float:
    """Median milliseconds to recompute every listing of one SKU (incl. its bundle's)."""
    [product] = catalog(tenant, listings_per_sku, skus=1)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        recompute_products(tenant.pk, [product.pk])
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        tenant = Tenant.objects.create(name="bench")
        Warehouse.objects.create(tenant=tenant, code="W1", name="W1")
        _, token = create_client(tenant, "bench", ["stock:write", "stock:read"])
        http = Client()
        print(
            f"database: {connection.vendor}; python {platform.python_version()}; "
            f"{os.cpu_count()} CPUs; {platform.machine()} {platform.processor() or ''}"
        )
        print("\nmovements/s through POST /api/v1/stock/movements")
        print(f"{'listings/SKU':>12} {'batch of 1':>12} {'batch of 500':>14}")
        for listings_per_sku in (1, 5, 20):
            products = catalog(tenant, listings_per_sku)
            one = throughput(http, token, products, batch=1, total=300)
            many = throughput(http, token, products, batch=500, total=5000)
            print(f"{listings_per_sku:>12} {one:>12,.0f} {many:>14,.0f}")
        print("\nrecompute of one SKU's listings (median of 20)")
        print(f"{'listings':>9} {'ms':>8} {'µs/listing':>11}")
        for listings_per_sku in (1, 10, 100, 1000):
            ms = recompute_cost(tenant, listings_per_sku)
            print(f"{listings_per_sku:>9} {ms:>8.2f} {ms * 1000 / listings_per_sku:>11.1f}")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
