"""Stock propagation to the channels, and marketplace calls per drain (run by channel.py).

World: ``SHOPS`` (50) Shopee sandbox shops, each a connection served by one warehouse;
``STOCK_SKUS`` SKUs, each listed ``LISTINGS_PER_SHOP`` (5) times on every shop (five
single-model items), so a movement of one SKU changes 250 listings on 50 connections.

3. Latency: ``POST /api/v1/stock/movements`` (one unit in) through the test client; the
   Huey consumer — a separate process, as ``omni worker`` runs it — runs the drains the
   commit triggered; the sandbox's WSGI app is wrapped to note when each item shows the
   new quantity. Per listing and per movement (all 250 shown), p50 and p99, with a pause
   between movements so the consumer idles as it does between real stock changes.
4. Calls per drain: ``update_stock`` calls per connection per movement, against
   ceil(changed listings / batch size) and against Shopee's own floor (one call per item);
   then one shop whose items have many models (3 x 30), all changed at once.
"""

from __future__ import annotations

import itertools
import math
import os
import statistics
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from common import percentile

SHOPS = int(os.environ.get("BENCH_SHOPS", "50"))
LISTINGS_PER_SHOP = 5
STOCK_SKUS = 4
MOVEMENTS = int(os.environ.get("BENCH_MOVEMENTS", "20"))
PAUSE_SECONDS = float(os.environ.get("BENCH_PAUSE", "2"))
# workers x kind [@ max poll delay]: as omni worker runs it (4 threads, Huey's default
# back-off to 10 s between polls when idle), the same polling at most every 0.2 s, and two
# worker processes (two cores for Python code).
CONSUMERS = os.environ.get("BENCH_CONSUMERS", "4xthread,4xthread@0.2,2xprocess@0.2").split(",")
TIMEOUT_SECONDS = 60.0
AT = datetime(2026, 11, 1, tzinfo=UTC).isoformat()
movement_ids = itertools.count()


class StockWatch:
    """The sandbox app, noting when each item was set to what by ``update_stock``."""

    def __init__(self, sim) -> None:  # noqa: ANN001
        self.sim = sim
        self.lock = threading.Lock()
        self.seen = 0
        self.shown: dict[tuple[int, int], tuple[int, float]] = {}
        self.calls: Counter[int] = Counter()  # per shop

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204 - WSGI
        answer = self.sim.app(environ, start_response)
        if environ.get("PATH_INFO") == "/api/v2/product/update_stock":
            now = time.perf_counter()
            with self.lock:
                updates = self.sim.state.stock_updates[self.seen :]
                self.seen += len(updates)
                for update in updates:
                    if update.success:
                        key = (update.item_id, update.model_id)
                        self.shown[key] = (update.requested_stock, now)
                if updates:
                    self.calls[updates[0].shop_id] += 1
        return answer


def build_world(sim, sandbox_url: str):  # noqa: ANN001, ANN201 - (tenant, token, products)
    from channel import authorized_connection

    from omnichannel.catalog.models import Listing, Product
    from omnichannel.channels.models import ChannelApp
    from omnichannel.inventory.models import ConnectionWarehouse, StockLevel, Warehouse
    from omnichannel.inventory.targets import recompute_products
    from omnichannel.tenants.models import Tenant
    from omnichannel.tenants.services import create_client

    tenant = Tenant.objects.create(name=f"stock bench {next(movement_ids)}")
    _, token = create_client(tenant, "wms", ["stock:write", "stock:read"])
    partner = sim.create_partner(name="stock bench")
    app = ChannelApp.objects.create(
        channel="shopee", name="stock bench", api_base_url=sandbox_url,
        credentials={"partner_id": str(partner.partner_id), "partner_key": partner.partner_key},
    )  # fmt: skip
    warehouse = Warehouse.objects.create(tenant=tenant, code="WH", name="Bench")
    products = [
        Product.objects.create(tenant=tenant, sku=f"STOCK-{n}", name=f"Stock {n}")
        for n in range(STOCK_SKUS)
    ]
    StockLevel.objects.bulk_create(
        StockLevel(tenant=tenant, warehouse=warehouse, product=p, on_hand=1000) for p in products
    )
    for number in range(SHOPS):
        shop = sim.create_shop(shop_name=f"Bench shop {number}")
        connection = authorized_connection(sim, app, tenant, shop.shop_id)
        ConnectionWarehouse.objects.create(connection=connection, warehouse=warehouse, priority=1)
        listings = []
        for product in products:
            for copy in range(LISTINGS_PER_SHOP):
                item = sim.add_item(shop.shop_id, f"{product.sku} #{copy}", stock=1000)
                listings.append(
                    Listing(
                        tenant=tenant, connection=connection, product=product,
                        external_item_id=str(item.item_id), channel_sku=product.sku,
                    )
                )  # fmt: skip
        Listing.objects.bulk_create(listings)
    recompute_products(tenant.pk, [p.pk for p in products])
    Listing.objects.filter(tenant=tenant).update(push_state=Listing.PushState.IN_SYNC)
    for listing in Listing.objects.filter(tenant=tenant):
        Listing.objects.filter(pk=listing.pk).update(last_pushed_qty=listing.target_qty)
    return tenant, token, products


def move_one(client, token: str, sku: str) -> None:  # noqa: ANN001
    movement = {
        "id": f"bench-{next(movement_ids)}", "type": "inbound", "warehouse": "WH",
        "sku": sku, "quantity": 1, "occurred_at": AT,
    }  # fmt: skip
    answer = client.post(
        "/api/v1/stock/movements", {"movements": [movement]},
        content_type="application/json", headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.content


def wait_until_shown(watch: StockWatch, expected: dict[tuple[int, int], int]) -> list[float]:
    """Times (perf_counter) at which each expected quantity was shown; raises on timeout."""
    deadline = time.perf_counter() + TIMEOUT_SECONDS
    while time.perf_counter() < deadline:
        with watch.lock:
            shown = [watch.shown.get(key) for key in expected]
        if all(s is not None and s[0] == expected[k] for s, k in zip(shown, expected, strict=True)):
            return [s[1] for s in shown if s is not None]
        time.sleep(0.01)
    raise TimeoutError("the channel did not show every new quantity in time")


def propagation(sim, watch: StockWatch, consumer: str) -> None:  # noqa: ANN001
    import services
    from django.test import Client

    from omnichannel.catalog.models import Listing
    from omnichannel.channels.models import Connection

    tenant, token, products = build_world(sim, watch.url)
    workers, rest = consumer.split("x")
    kind, _, max_delay = rest.partition("@")
    client = Client()
    per_listing: list[float] = []
    per_movement: list[float] = []
    calls_per_shop: list[int] = []
    consumer_cpu = here_cpu = 0.0
    with services.worker(int(workers), kind, float(max_delay) if max_delay else None) as huey:
        time.sleep(4)  # Django set up in the consumer
        meter = services.CpuMeter(huey.pids)
        for number in range(MOVEMENTS):
            product = products[number % len(products)]
            calls_before = watch.calls.copy()
            meter.start()
            cpu_before = time.process_time()
            started = time.perf_counter()
            move_one(client, token, product.sku)
            listings = Listing.objects.filter(tenant=tenant, product=product)
            expected = {(int(x.external_item_id), 0): x.target_qty for x in listings}
            shown_at = wait_until_shown(watch, expected)
            per_listing += [at - started for at in shown_at]
            per_movement.append(max(shown_at) - started)
            consumer_cpu += meter.stop()
            here_cpu += time.process_time() - cpu_before
            calls = watch.calls - calls_before
            calls_per_shop += [calls[shop] for shop in calls]
            time.sleep(PAUSE_SECONDS)
    # Its sandbox stops with the run: the next runs' consumers must not pull from it.
    Connection.objects.filter(tenant=tenant).update(status=Connection.Status.DISABLED)
    listings_per_movement = len(expected)
    print(
        f"  consumer {workers} {kind}(s), max poll delay {max_delay or 'Huey default (10)'} s, "
        f"{MOVEMENTS} movements, pause {PAUSE_SECONDS} s:"
    )
    print(
        f"    per listing p50 {statistics.median(per_listing):.2f} s, "
        f"p99 {percentile(per_listing, 0.99):.2f} s; all {listings_per_movement} listings of a "
        f"movement p50 {statistics.median(per_movement):.2f} s, "
        f"p99 {percentile(per_movement, 0.99):.2f} s, max {max(per_movement):.2f} s"
    )
    print(
        f"    CPU per movement: consumer {consumer_cpu / MOVEMENTS:.2f} s; the request, the "
        f"sandbox answering and this polling {here_cpu / MOVEMENTS:.2f} s"
    )
    print(
        f"    update_stock calls per shop per movement: mean {statistics.mean(calls_per_shop):.2f}"
        f", max {max(calls_per_shop)} (changed listings {LISTINGS_PER_SHOP}: "
        f"ceil({LISTINGS_PER_SHOP}/50) = {math.ceil(LISTINGS_PER_SHOP / 50)}; "
        f"Shopee's floor, one call per item = {LISTINGS_PER_SHOP})"
    )


def calls_for_many_models(sim, sandbox_url: str) -> None:  # noqa: ANN001
    """One shop, 3 items of 30 models each, all 90 listings changed: calls of one drain."""
    from channel import authorized_connection

    from omnichannel.catalog.models import Listing, Product
    from omnichannel.channels.models import ApiCallLog, ChannelApp
    from omnichannel.channels.stock_sync import drain
    from omnichannel.tenants.models import Tenant

    tenant = Tenant.objects.create(name="models bench")
    partner = sim.create_partner(name="models bench")
    app = ChannelApp.objects.create(
        channel="shopee", name="models bench", api_base_url=sandbox_url,
        credentials={"partner_id": str(partner.partner_id), "partner_key": partner.partner_key},
    )  # fmt: skip
    shop = sim.create_shop(shop_name="Many models")
    connection = authorized_connection(sim, app, tenant, shop.shop_id)
    listings = []
    for item_number in range(3):
        models = [{"sku": f"M{item_number}-{n}", "option": str(n)} for n in range(30)]
        item = sim.add_item(shop.shop_id, f"Item {item_number}", models=models)
        for model in item.models.values():
            product = Product.objects.create(tenant=tenant, sku=model.model_sku, name="m")
            listings.append(
                Listing(
                    tenant=tenant, connection=connection, product=product,
                    external_item_id=str(item.item_id), external_variant_id=str(model.model_id),
                    target_qty=7, push_state=Listing.PushState.PENDING,
                )
            )  # fmt: skip
    Listing.objects.bulk_create(listings)
    result = drain(connection)
    calls = ApiCallLog.objects.filter(connection=connection, endpoint__contains="update_stock")
    print(
        f"  3 items x 30 models, 90 listings changed: {calls.count()} update_stock calls, "
        f"{result.pushed} pushed (ceil(90/50) = 2; Shopee's floor, one call per item = 3)"
    )


def main() -> None:
    from omnichannel.sandbox.server import SandboxServer
    from omnichannel.sandbox.shopee.simulator import ShopeeSimulator

    print("3./4. stock propagation (WMS movement -> every listing shows it on the sandbox)")
    for consumer in CONSUMERS:
        sim = ShopeeSimulator()
        watch = StockWatch(sim)
        with SandboxServer(watch) as server:
            watch.url = server.url
            propagation(sim, watch, consumer)
        sim.close()
    sim = ShopeeSimulator()
    with SandboxServer(sim.app) as server:
        calls_for_many_models(sim, server.url)
    sim.close()
