"""Channel side: push intake, order processing behind it, stock propagation to the channels.

    python bench/channel.py                        # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python bench/channel.py

1. Intake: signed Shopee order pushes — verify, store once under the provider identity,
   queue processing, acknowledge. (a) Through the Django test client, one at a time (the
   whole middleware stack of ``urls.py``); (b) over HTTP to the web server (granian) started as
   ``omni web --workers W --threads T`` (``wsgi.py``: the lean receiver path), with S
   concurrent keep-alive senders. Every push must be stored exactly once.
2. Processing: a backlog of stored pushes, one per sandbox order, drained by the real Huey
   consumer (``run_huey -w N -k process``): claims, detail batches of 50 over HTTP from
   the Shopee sandbox, ingest (routing, reservation, listing recompute, events), the stock
   drains it triggers. For 1, 2 and 4 workers (``BENCH_WORKERS``).
3. and 4. Stock propagation latency and marketplace calls per drain: ``channel_stock.py``.

Besides wall-clock rates (distorted when other work shares the cores), each figure comes
with the CPU time the service's processes spent per push or order (web server workers, Huey
workers and, on PostgreSQL, the database's server processes): that one does not depend on
the load, and cores / CPU per item bounds what this machine can do.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import threading
import time
from datetime import timedelta
from urllib.parse import urlparse

sys.path.insert(0, os.path.dirname(__file__))

from common import (  # noqa: E402
    analyze,
    machine_speed,
    median,
    percentile,
    rate,
    setup_django,
)

PUSHES = int(os.environ.get("BENCH_PUSHES", "3000"))
# A backlog of 3,000: at 600 orders the run lasts about a second, and the consumer's start
# (its first poll, the first claim) weighs on the rate as much as the work does.
ORDERS = int(os.environ.get("BENCH_CHANNEL_ORDERS", "3000"))
SENDERS = int(os.environ.get("BENCH_SENDERS", "16"))
WEB = [tuple(map(int, c.split("x"))) for c in os.environ.get("BENCH_WEB", "2x4,2x1").split(",")]
WORKERS = [int(n) for n in os.environ.get("BENCH_WORKERS", "1,2,4").split(",")]
PARTS = os.environ.get("BENCH_PARTS", "intake,processing,stock").split(",")
SKUS = 20
RATES = {"orders": 1000.0, "stock": 1000.0}
pushes_made = iter(range(10**9))


def build_world(sandbox_url: str, sim):  # noqa: ANN001, ANN201 - returns (app, connection)
    from omnichannel.catalog.models import Listing, Product
    from omnichannel.channels.models import ChannelApp
    from omnichannel.inventory.models import ConnectionWarehouse, StockLevel, Warehouse
    from omnichannel.sandbox.shopee.seed import DEMO_PARTNER_ID, DEMO_PARTNER_KEY, DEMO_SHOP_ID
    from omnichannel.tenants.models import Tenant

    tenant = Tenant.objects.create(name="bench")
    app = ChannelApp.objects.create(
        channel="shopee",
        name="bench",
        api_base_url=sandbox_url,
        credentials={"partner_id": str(DEMO_PARTNER_ID), "partner_key": DEMO_PARTNER_KEY},
    )
    connection = authorized_connection(sim, app, tenant, DEMO_SHOP_ID)
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


def authorized_connection(sim, app, tenant, shop_id: int):  # noqa: ANN001, ANN201
    """A connection of ``app`` to the sandbox shop, with tokens the sandbox issued."""
    from datetime import UTC, datetime

    from omnichannel.channels.models import Connection
    from omnichannel.channels.services import store_tokens
    from omnichannel.unified.auth import TokenSet

    raw = sim.issue_tokens(int(app.credentials["partner_id"]), shop_id)
    connection = Connection.objects.create(
        tenant=tenant, channel="shopee", app=app, name=f"shop {shop_id}",
        external_shop_id=str(shop_id),
    )  # fmt: skip
    now = datetime.now(UTC)
    tokens = TokenSet(
        access_token=raw["access_token"],
        refresh_token=raw["refresh_token"],
        access_expires_at=now + timedelta(seconds=raw["expire_in"]),
        refresh_expires_at=now + timedelta(days=30),
        shop_id=str(shop_id),
    )
    store_tokens(connection, tokens)
    return connection


def signed_push(app, order_sn: str, base_url: str = "http://testserver") -> tuple[bytes, str]:  # noqa: ANN001
    """A distinct order status push (its own timestamp), signed for ``base_url``."""
    from omnichannel.connectors.shopee.webhooks import push_signature

    body = json.dumps(
        {
            "data": {"ordersn": order_sn, "status": "READY_TO_SHIP", "update_time": 1_700_000_000},
            "shop_id": int(app.connections.get().external_shop_id),
            "code": 3,
            "timestamp": 1_700_000_000 + next(pushes_made),
        },
        separators=(",", ":"),
    ).encode()
    url = f"{base_url}/hooks/shopee/{app.pk}"
    return body, push_signature(app.credentials["partner_key"], url, body)


def hold_database_open():  # noqa: ANN201 - a connection or None
    """Keep one SQLite connection open for the run, as the service's other processes do.

    When the *last* connection to a WAL database closes, SQLite checkpoints and removes the
    WAL — a cost a running service (web workers, job workers) never pays per request.
    """
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    return sqlite3.connect(connection.settings_dict["NAME"])


# --- 1. intake -------------------------------------------------------------------------


def intake_in_process(app) -> None:  # noqa: ANN001
    from django.test import Client

    from omnichannel.channels.models import InboundWebhook

    client = Client()
    path = f"/hooks/shopee/{app.pk}"
    feed = iter([signed_push(app, f"IN-{n}") for n in range(PUSHES)])
    stored_before = InboundWebhook.objects.count()

    def one_push() -> None:
        body, signature = next(feed)
        answer = client.post(
            path, body, content_type="application/json", headers={"Authorization": signature}
        )
        assert answer.status_code == 200, answer.content

    started = time.process_time()
    per_second, durations = rate(PUSHES, one_push)
    cpu = (time.process_time() - started) / PUSHES
    assert InboundWebhook.objects.count() - stored_before == PUSHES
    body, signature = signed_push(app, "IN-again")
    again, _ = rate(500, lambda: client.post(
        path, body, content_type="application/json", headers={"Authorization": signature},
    ))  # fmt: skip
    p50, p99 = median(durations) * 1000, percentile(durations, 0.99) * 1000
    print(
        f"  test client, 1 at a time, {PUSHES} pushes: {per_second:,.0f}/s, p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms, CPU {cpu * 1000:.2f} ms/push (with the test client's own); "
        f"re-deliveries {again:,.0f}/s"
    )


def send(base_url: str, path: str, pushes: list[tuple[bytes, str]], latencies: list[float]) -> None:
    """POST ``pushes`` one after the other on one keep-alive connection."""
    address = urlparse(base_url)
    http_connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    for body, signature in pushes:
        began = time.perf_counter()
        http_connection.request(
            "POST", path, body, {"Content-Type": "application/json", "Authorization": signature}
        )
        answer = http_connection.getresponse()
        answer.read()
        assert answer.status == 200, answer.status
        latencies.append(time.perf_counter() - began)
    http_connection.close()


def intake_over_http(app, workers: int, threads: int) -> None:  # noqa: ANN001
    import services

    from omnichannel.channels.models import InboundWebhook

    with services.web(workers, threads) as web:
        path = f"/hooks/shopee/{app.pk}"
        send(web.url, path, [signed_push(app, f"WARM-{n}", web.url) for n in range(200)], [])
        pushes = [signed_push(app, f"HTTP-{n}", web.url) for n in range(PUSHES)]
        stored_before = InboundWebhook.objects.count()
        analyze()
        latencies: list[float] = []
        senders = [
            threading.Thread(target=send, args=(web.url, path, pushes[i::SENDERS], latencies))
            for i in range(SENDERS)
        ]
        meter = services.CpuMeter(lambda: web.pids() + services.database_backends())
        meter.start()
        started = time.perf_counter()
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        seconds = time.perf_counter() - started
        cpu = meter.stop() / PUSHES
    assert InboundWebhook.objects.count() - stored_before == PUSHES
    p50, p99 = median(latencies) * 1000, percentile(latencies, 0.99) * 1000
    print(
        f"  granian {workers} workers x {threads} threads, {SENDERS} senders: "
        f"{PUSHES / seconds:,.0f}/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms; server CPU "
        f"{cpu * 1000:.2f} ms/push (-> {os.cpu_count() / cpu:,.0f}/s on {os.cpu_count()} cores)"
    )


# --- 2. processing ---------------------------------------------------------------------


def store_backlog(sim, app, shop_id: int, orders: int) -> list[str]:  # noqa: ANN001
    """``orders`` paid sandbox orders, one stored (not yet due) push each; their numbers."""
    from django.utils import timezone

    from omnichannel.channels import webhooks
    from omnichannel.channels.models import InboundWebhook

    order_sns = []
    for n in range(orders):
        placed = sim.create_order(shop_id, [{"sku": f"SKU-{n % SKUS}", "quantity": 1}])
        sim.pay(placed.order_sn)
        order_sns.append(placed.order_sn)
        body, signature = signed_push(app, placed.order_sn)
        url = f"http://testserver/hooks/shopee/{app.pk}"
        webhooks.receive("shopee", app.pk, url, {"Authorization": signature}, body)
    later = timezone.now() + timedelta(days=1)  # held back until the consumer is up
    InboundWebhook.objects.filter(state=InboundWebhook.State.RECEIVED).update(next_attempt_at=later)
    return order_sns


def process_backlog(order_sns: list[str], workers: int) -> None:
    import services
    from huey.contrib.djhuey import HUEY

    from omnichannel.channels.models import InboundWebhook
    from omnichannel.channels.tasks import process_webhooks_task
    from omnichannel.orders.models import Order

    HUEY.flush()  # the intake's queued runs; the run below is the one measured
    analyze()
    with services.worker(workers, "process", max_delay=0.5) as consumer:
        time.sleep(4)  # Django set up in every worker
        meter = services.CpuMeter(lambda: consumer.pids() + services.database_backends())
        meter.start()
        started = time.perf_counter()
        InboundWebhook.objects.filter(state=InboundWebhook.State.RECEIVED).update(
            next_attempt_at=None
        )
        process_webhooks_task()
        while InboundWebhook.objects.filter(state=InboundWebhook.State.RECEIVED).exists():
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        cpu = meter.stop() / len(order_sns)
    stored = Order.objects.filter(external_id__in=order_sns).count()
    assert stored == len(order_sns), (stored, len(order_sns))
    print(
        f"  {workers} worker process(es): {len(order_sns)} orders in {seconds:.1f} s = "
        f"{len(order_sns) / seconds:,.0f} orders/s; CPU {cpu * 1000:.1f} ms/order (workers + "
        f"database) -> {os.cpu_count() / cpu:,.0f}/s on {os.cpu_count()} cores"
    )


def main() -> None:
    # Benchmark the pipeline, not our politeness towards one sandbox shop (inherited by the
    # service's processes the benchmark starts).
    os.environ.setdefault("OMNI_CHANNEL_RATES", json.dumps({"shopee": RATES}))
    label = setup_django()
    import channel_stock
    from huey.contrib.djhuey import HUEY

    from omnichannel.channels.models import InboundWebhook
    from omnichannel.sandbox.server import SandboxServer
    from omnichannel.sandbox.shopee.seed import DEMO_SHOP_ID, seed_demo
    from omnichannel.sandbox.shopee.simulator import ShopeeSimulator

    HUEY.immediate = False  # the real queue: intake pays for the enqueue, workers process
    keep_open = hold_database_open()
    sim = ShopeeSimulator()
    seed_demo(sim)
    print(
        f"{label}; {os.cpu_count()} cores; {machine_speed()};"
        f" load average at start {os.getloadavg()[0]:.1f}"
    )
    with SandboxServer(sim.app) as server:
        app, _ = build_world(server.url, sim)
        if "intake" in PARTS:
            print("1. push intake (verify, dedup-store, queue processing, acknowledge)")
            intake_in_process(app)
            for workers, threads in WEB:
                intake_over_http(app, workers, threads)
            InboundWebhook.objects.all().delete()  # intake pushes name no real orders
        if "processing" in PARTS:
            print("2. order processing (claims, detail batches of 50 over HTTP, ingest, drains)")
            for workers in WORKERS:
                process_backlog(store_backlog(sim, app, DEMO_SHOP_ID, ORDERS), workers)
        app.connections.update(status="disabled")  # its sandbox stops: no more pulls
    sim.close()
    if "stock" in PARTS:
        channel_stock.main()
    if keep_open is not None:
        keep_open.close()
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
