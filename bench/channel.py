"""Channel side: push intake rate, and order processing rate behind it.

    python bench/channel.py                        # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python bench/channel.py

Intake: signed Shopee order pushes POSTed through the whole Django stack (middleware, the
receiver view, signature check against the URL, dedup insert, on-commit job enqueue to the
real job queue — the SQLite queue file, not in memory), one process, one at a time.

Processing: the stored pushes' orders read from the Shopee sandbox over real HTTP in
batches of 50, each ingested (routing, reservation, listing recompute, events) — what one
worker's ``process_due`` does. Stock drains it triggers are only enqueued (other workers).
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from common import median, percentile, rate, setup_django  # noqa: E402

PUSHES = int(os.environ.get("BENCH_PUSHES", "3000"))
ORDERS = int(os.environ.get("BENCH_CHANNEL_ORDERS", "1200"))
SKUS = 20


def build_world(sandbox_url: str, sim):  # noqa: ANN001, ANN201 - returns (app, connection)
    from django.conf import settings

    from omnichannel.catalog.models import Listing, Product
    from omnichannel.channels.models import ChannelApp, Connection
    from omnichannel.channels.services import store_tokens
    from omnichannel.connectors.shopee import mapping, schemas
    from omnichannel.connectors.transport import utc_now
    from omnichannel.inventory.models import ConnectionWarehouse, StockLevel, Warehouse
    from omnichannel.sandbox.shopee.seed import DEMO_PARTNER_ID, DEMO_PARTNER_KEY, DEMO_SHOP_ID
    from omnichannel.tenants.models import Tenant

    # Benchmark the pipeline, not our own politeness towards the channel.
    settings.OMNI_CHANNEL_RATES = {"shopee": {"orders": 1000.0, "stock": 1000.0, "auth": 10.0}}
    tenant = Tenant.objects.create(name="bench")
    app = ChannelApp.objects.create(
        channel="shopee",
        name="bench",
        api_base_url=sandbox_url,
        credentials={"partner_id": str(DEMO_PARTNER_ID), "partner_key": DEMO_PARTNER_KEY},
    )
    connection = Connection.objects.create(
        tenant=tenant, channel="shopee", app=app, name="bench", external_shop_id=str(DEMO_SHOP_ID)
    )
    raw = schemas.TokenResponse.model_validate(sim.issue_tokens(DEMO_PARTNER_ID, DEMO_SHOP_ID))
    store_tokens(connection, mapping.to_token_set(raw, str(DEMO_SHOP_ID), utc_now()))
    warehouse = Warehouse.objects.create(tenant=tenant, code="WH", name="Bench")
    ConnectionWarehouse.objects.create(connection=connection, warehouse=warehouse, priority=1)
    for n in range(SKUS):
        item = sim.add_item(DEMO_SHOP_ID, f"Bench {n}", item_sku=f"SKU-{n}", stock=1_000_000)
        product = Product.objects.create(tenant=tenant, sku=f"SKU-{n}", name=f"Bench {n}")
        Listing.objects.create(
            tenant=tenant,
            connection=connection,
            product=product,
            external_item_id=str(item.item_id),
            channel_sku=product.sku,
        )
        StockLevel.objects.create(
            tenant=tenant, warehouse=warehouse, product=product, on_hand=1_000_000
        )
    return app, connection


def signed_push(app, order_sn: str, n: int) -> tuple[bytes, str]:  # noqa: ANN001
    from omnichannel.connectors.shopee.webhooks import push_signature

    body = json.dumps(
        {
            "data": {"ordersn": order_sn, "status": "READY_TO_SHIP", "update_time": 1_700_000_000},
            "shop_id": int(app.connections.get().external_shop_id),
            "code": 3,
            "timestamp": 1_700_000_000 + n,
        },
        separators=(",", ":"),
    ).encode()
    url = f"http://testserver/hooks/shopee/{app.pk}"
    return body, push_signature(app.credentials["partner_key"], url, body)


def hold_database_open():  # noqa: ANN201 - a connection or None
    """Keep one SQLite connection open for the run, as the service's other processes do.

    Django closes the request's connection after each request; when the *last* connection
    to a WAL database closes, SQLite checkpoints and removes the WAL — a cost a running
    service (web workers, job workers) never pays per request, so neither does the bench.
    """
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    return sqlite3.connect(connection.settings_dict["NAME"])


def main() -> None:
    label = setup_django()
    from django.test import Client
    from huey.contrib.djhuey import HUEY

    from omnichannel.channels import webhooks
    from omnichannel.channels.models import InboundWebhook
    from omnichannel.orders.models import Order
    from omnichannel.sandbox.server import SandboxServer
    from omnichannel.sandbox.shopee.seed import DEMO_SHOP_ID, seed_demo
    from omnichannel.sandbox.shopee.simulator import ShopeeSimulator

    HUEY.immediate = False  # the real queue: intake pays for the enqueue, workers process
    keep_open = hold_database_open()
    sim = ShopeeSimulator()
    seed_demo(sim)
    with SandboxServer(sim.app) as server:
        app, _ = build_world(server.url, sim)
        order_sns = []
        for n in range(max(ORDERS, 1)):
            placed = sim.create_order(DEMO_SHOP_ID, [{"sku": f"SKU-{n % SKUS}", "quantity": 1}])
            sim.pay(placed.order_sn)
            order_sns.append(placed.order_sn)
        pushes = [signed_push(app, order_sns[n % len(order_sns)], n) for n in range(PUSHES)]
        client = Client()
        path = f"/hooks/shopee/{app.pk}"
        feed = iter(pushes)

        def one_push() -> None:
            body, signature = next(feed)
            answer = client.post(
                path, body, content_type="application/json", headers={"Authorization": signature}
            )
            assert answer.status_code == 200, answer.content

        per_second, durations = rate(PUSHES, one_push)
        assert InboundWebhook.objects.count() == PUSHES
        print(f"{label}: push intake (verify, dedup-store, enqueue, ack), {PUSHES} pushes")
        print(
            f"  {per_second:,.0f} pushes/s; latency p50 {median(durations) * 1000:.2f} ms, "
            f"p99 {percentile(durations, 0.99) * 1000:.2f} ms (target >= 1,500/s)"
        )

        duplicate_rate, _ = rate(500, lambda: client.post(
            path, pushes[0][0], content_type="application/json",
            headers={"Authorization": pushes[0][1]},
        ))  # fmt: skip
        print(f"  re-deliveries (answered 200, not stored): {duplicate_rate:,.0f}/s")

        def process_all() -> None:
            while webhooks.process_due():
                pass

        import time

        started = time.perf_counter()
        process_all()
        seconds = time.perf_counter() - started
        orders = Order.objects.count()
        assert orders == len(order_sns), (orders, len(order_sns))
        print(
            f"{label}: order processing (detail batches of 50 over HTTP, ingest, reserve, "
            f"recompute, events), one worker"
        )
        print(
            f"  {orders} orders from {PUSHES} pushes in {seconds:.1f} s: "
            f"{orders / seconds:,.0f} orders/s (target >= 600/s)"
        )
    sim.close()
    if keep_open is not None:
        keep_open.close()


if __name__ == "__main__":
    main()
