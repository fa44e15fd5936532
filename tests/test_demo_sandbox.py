"""The demo's Shopee shop: connected to a running sandbox through the real authorization
flow, reconnected on every start (the sandbox forgets everything when it stops), and a
buyer's order placed with ``omni sandbox order`` flows into the service."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from omnichannel.catalog.models import Listing
from omnichannel.channels.models import ChannelApp, Connection
from omnichannel.channels.webhooks import forget_verifiers
from omnichannel.cli import main
from omnichannel.demo import INITIAL_STOCK, PRODUCTS, ensure_demo
from omnichannel.fulfillment.models import PickupRule
from omnichannel.inventory.ledger import MovementInput, post_movements
from omnichannel.inventory.models import ConnectionWarehouse, Reservation, StockLevel
from omnichannel.orders.models import Order, OrderStatus
from omnichannel.sandbox.clock import Clock
from omnichannel.sandbox.server import SandboxServer
from omnichannel.sandbox.shopee import DEMO_PARTNER_ID, DEMO_SHOP_ID, seed_demo
from omnichannel.sandbox.shopee.simulator import ShopeeSimulator
from omnichannel.tenants.models import Tenant

SERVICE_URL = "http://127.0.0.1:8000"
DEMO_SKUS = sorted(product["sku"] for product in PRODUCTS)


class Sandbox:
    """A seeded sandbox on a real local port, as ``omni up --demo`` runs it."""

    def __init__(self, sim: ShopeeSimulator, server: SandboxServer) -> None:
        self.sim, self.server = sim, server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> str:
        return self.url.rsplit(":", 1)[1]

    def stock(self) -> dict[str, int]:
        return {row["sku"]: row["stock"] for row in self.sim.stock_levels(DEMO_SHOP_ID)}

    def delivered(self) -> None:
        assert self.sim.wait_for_pushes(timeout=30)
        assert {push.status for push in self.sim.pushes()} == {"delivered"}


@contextmanager
def running_sandbox() -> Iterator[Sandbox]:
    sim = ShopeeSimulator(clock=Clock(), push_retry_delays=(0.2, 0.5, 1.0), push_timeout=10.0)
    seed_demo(sim)
    try:
        with SandboxServer(sim.app) as server:
            yield Sandbox(sim, server)
    finally:
        sim.close()
        forget_verifiers()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as running:
        yield running


def demo_shop() -> Connection:
    return Connection.objects.get(tenant__name="Demo Brand", channel="shopee")


def demo_rows() -> dict[str, int]:
    models = [Connection, ChannelApp, ConnectionWarehouse, Listing, PickupRule, Order]
    return {model.__name__: model.objects.count() for model in models}


# --- connecting the shop ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_authorizes_the_sandbox_shop_maps_its_items_and_pushes_the_demo_stock(sandbox):
    ensure_demo(SERVICE_URL, sandbox.url)

    shop = demo_shop()
    assert shop.status == Connection.Status.ACTIVE
    assert shop.external_shop_id == str(DEMO_SHOP_ID)
    assert shop.access_token in sandbox.sim.state.access_tokens  # the sandbox issued it
    assert shop.fulfillment_mode == Connection.FulfillmentMode.AUTO
    assert shop.app.api_base_url == sandbox.url
    assert list(shop.warehouse_links.values_list("warehouse__code", flat=True)) == ["DEMO-WH"]
    listings = Listing.objects.filter(connection=shop).select_related("product")
    assert sorted((x.channel_sku, x.product.sku) for x in listings) == [
        (sku, sku) for sku in DEMO_SKUS
    ]
    assert sandbox.stock() == dict.fromkeys(DEMO_SKUS, INITIAL_STOCK)
    push_url = sandbox.sim.state.partners[DEMO_PARTNER_ID].push_callback_url
    assert push_url == f"{SERVICE_URL}/hooks/shopee/{shop.app_id}"
    assert PickupRule.objects.get(connection=shop).working_days == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.django_db
def test_every_sandbox_sku_is_a_demo_product_so_the_whole_catalog_maps(sandbox):
    seeded = {row["sku"] for row in sandbox.sim.stock_levels(DEMO_SHOP_ID)}

    assert seeded == set(DEMO_SKUS)


@pytest.mark.django_db
def test_a_second_start_reauthorizes_the_same_connection_and_creates_nothing(sandbox, capsys):
    ensure_demo(SERVICE_URL, sandbox.url)
    rows, first_token = demo_rows(), demo_shop().access_token

    ensure_demo(SERVICE_URL, sandbox.url)

    assert demo_rows() == rows
    assert demo_shop().access_token != first_token
    assert demo_shop().status == Connection.Status.ACTIVE


@pytest.mark.django_db
def test_a_restarted_sandbox_gets_the_same_connection_new_tokens_and_our_stock(sandbox):
    ensure_demo(SERVICE_URL, sandbox.url)
    tenant = Tenant.objects.get(name="Demo Brand")
    sold = MovementInput("pos-sale-1", "outbound", "DEMO-WH", "DEMO-MUG", 3, datetime.now(UTC))
    post_movements(tenant, [sold])
    rows = demo_rows()
    sandbox.server.stop()  # `omni up --demo` stops, and its sandbox with it

    with running_sandbox() as fresh:
        assert fresh.stock()["DEMO-MUG"] == 40  # the seed's, not ours
        ensure_demo(SERVICE_URL, fresh.url)

        assert demo_rows() == rows
        shop = demo_shop()
        assert shop.status == Connection.Status.ACTIVE
        assert shop.access_token in fresh.sim.state.access_tokens
        assert shop.app.api_base_url == fresh.url
        expected = dict.fromkeys(DEMO_SKUS, INITIAL_STOCK) | {"DEMO-MUG": INITIAL_STOCK - 3}
        assert fresh.stock() == expected
        assert fresh.sim.state.partners[DEMO_PARTNER_ID].push_callback_url


def test_a_restarted_sandbox_does_not_hand_out_the_order_numbers_of_its_last_run():
    def first_order_sn() -> str:
        sim = ShopeeSimulator(clock=Clock(start=1_700_000_000))
        seed_demo(sim)
        try:
            return sim.create_order(DEMO_SHOP_ID, [{"sku": "DEMO-MUG", "quantity": 1}]).order_sn
        finally:
            sim.close()

    assert len({first_order_sn() for _ in range(5)}) == 5


# --- a buyer's order --------------------------------------------------------------------


def omni(*args: str) -> None:
    """Run an ``omni`` command in-process; it must succeed."""
    assert main(list(args)) == 0


@pytest.mark.django_db(transaction=True)
def test_an_order_placed_with_omni_sandbox_order_is_reserved_arranged_and_shipped(
    sandbox, live_server, capsys
):
    service_port = live_server.url.rsplit(":", 1)[1]
    ensure_demo(live_server.url, sandbox.url)
    ports = ("--sandbox-port", sandbox.port, "--port", service_port)
    capsys.readouterr()

    omni("sandbox", "order", "--sku", "DEMO-TEE-M", "--qty", "2", "--pay", *ports)
    printed = capsys.readouterr().out
    order_sn = re.search(r"Sandbox order (\w+): READY_TO_SHIP", printed)[1]
    assert f"/admin/orders/order/?q={order_sn}" in printed
    sandbox.delivered()

    order = Order.objects.get(connection=demo_shop(), external_id=order_sn)
    assert Reservation.objects.get(order_line__order=order).quantity == 2
    level = StockLevel.objects.get(product__sku="DEMO-TEE-M", warehouse__code="DEMO-WH")
    assert (level.on_hand, level.reserved) == (INITIAL_STOCK, 2)
    pos = Listing.objects.filter(
        connection__channel="pos", product__sku__in=["DEMO-TEE-M", "GIFT-SET"]
    )
    assert {x.product.sku: x.target_qty for x in pos} == {
        "DEMO-TEE-M": INITIAL_STOCK - 2,
        "GIFT-SET": INITIAL_STOCK - 2,
    }
    # Auto mode: the pickup rule arranged the courier pickup and the label was fetched.
    assert order.status == OrderStatus.READY_TO_SHIP
    shipment = order.shipments.get()
    assert shipment.logistics_mode == "pickup" and shipment.label
    assert shipment.tracking_number == sandbox.sim.order(order_sn).tracking_number

    omni("sandbox", "ship", order_sn, *ports)
    sandbox.delivered()

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (INITIAL_STOCK - 2, 0)
    assert sandbox.stock()["DEMO-TEE-M"] == INITIAL_STOCK - 2


def test_omni_sandbox_order_says_so_when_no_sandbox_runs(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])

    code = main(["sandbox", "order", "--sku", "DEMO-MUG", "--sandbox-port", port])

    assert code == 2
    assert "Is `omni up --demo` running?" in capsys.readouterr().err
