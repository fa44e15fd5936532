"""Builders for stock tests: warehouses, products, bundles, shops, listings, order lines."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from omnichannel.catalog.models import BundleComponent, Listing, Product
from omnichannel.catalog.services import create_listing
from omnichannel.channels.models import Connection
from omnichannel.inventory.ledger import MovementInput, MovementResult, post_movements
from omnichannel.inventory.models import Warehouse
from omnichannel.orders.models import Order, OrderLine
from omnichannel.tenants.models import Tenant

WHEN = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
ids = itertools.count(1)


@pytest.fixture
def warehouse(tenant) -> Callable[..., Warehouse]:
    def make(code: str = "W1", allow_negative_stock: bool = False) -> Warehouse:
        return Warehouse.objects.create(
            tenant=tenant, code=code, name=code, allow_negative_stock=allow_negative_stock
        )

    return make


@pytest.fixture
def product(tenant) -> Callable[..., Product]:
    def make(sku: str, components: dict[Product, int] | None = None) -> Product:
        made = Product.objects.create(tenant=tenant, sku=sku, name=sku)
        for component, quantity in (components or {}).items():
            BundleComponent.objects.create(bundle=made, component=component, quantity=quantity)
        return made

    return make


@pytest.fixture
def shop(tenant) -> Callable[..., Connection]:
    """A marketplace shop we push stock to. Lazada: no connector yet, so its listings stay
    pending with nothing draining them, which is what the outbox tests look at."""

    def make(name: str = "shop") -> Connection:
        return Connection.objects.create(
            tenant=tenant, channel="lazada", name=name, external_shop_id=name
        )

    return make


@pytest.fixture
def listing() -> Callable[..., Listing]:
    def make(connection: Connection, product: Product | None) -> Listing:
        fields = {"external_item_id": f"item-{next(ids)}"}
        return create_listing(connection, fields, product.sku if product else None)

    return make


@pytest.fixture
def order_line(shop) -> Callable[..., OrderLine]:
    def make(product: Product, quantity: int, connection: Connection | None = None) -> OrderLine:
        connection = connection or Connection.objects.filter(tenant=product.tenant).first()
        connection = connection or shop()
        order = Order.objects.create(
            tenant=product.tenant,
            connection=connection,
            channel=connection.channel,
            external_id=f"order-{next(ids)}",
            status="ready_to_process",
        )
        return OrderLine.objects.create(
            order=order, external_line_id="1", product=product, quantity=quantity
        )

    return make


@pytest.fixture
def move(tenant: Tenant) -> Callable[..., MovementResult]:
    """``move("inbound", warehouse, product, 5)``: post one movement through the ledger."""

    def post(
        type: str,
        warehouse: Warehouse,
        product: Product,
        quantity: int,
        movement_id: str | None = None,
        to_warehouse: Warehouse | None = None,
    ) -> MovementResult:
        item = MovementInput(
            movement_id=movement_id or f"m-{next(ids)}",
            type=type,
            warehouse=warehouse.code,
            to_warehouse=to_warehouse.code if to_warehouse else None,
            sku=product.sku,
            quantity=quantity,
            occurred_at=WHEN,
        )
        return post_movements(tenant, [item])

    return post
