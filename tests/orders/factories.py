"""Building blocks for order tests: a shop with stock, and unified orders to feed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from omnichannel.catalog.models import Listing, Product
from omnichannel.channels.models import Connection
from omnichannel.inventory.models import ConnectionWarehouse, StockLevel, Warehouse
from omnichannel.unified.orders import OrderLine, OrderStatus, UnifiedOrder

T0 = datetime(2026, 12, 12, 0, 0, tzinfo=UTC)


def stock(warehouse: Warehouse, product: Product, on_hand: int) -> None:
    """Put stock in place directly: these tests are about orders, not the ledger."""
    StockLevel.objects.update_or_create(
        tenant=warehouse.tenant, warehouse=warehouse, product=product, defaults={"on_hand": on_hand}
    )


def shop(tenant, channel: str = "shopee", name: str = "Shop") -> Connection:
    return Connection.objects.create(
        tenant=tenant, channel=channel, name=name, external_shop_id=f"{channel}-{name}"
    )


def listing(connection: Connection, product: Product, item_id: str) -> Listing:
    return Listing.objects.create(
        tenant=connection.tenant,
        connection=connection,
        product=product,
        external_item_id=item_id,
        channel_sku=product.sku,
    )


def link(connection: Connection, warehouse: Warehouse, priority: int = 1) -> None:
    ConnectionWarehouse.objects.create(
        connection=connection, warehouse=warehouse, priority=priority
    )


def order(
    external_id: str = "2612120001",
    status: OrderStatus = OrderStatus.READY_TO_PROCESS,
    lines: list[tuple[str, int]] | None = None,
    minutes: int = 0,
    cancel_requested: bool = False,
    **extra,
) -> UnifiedOrder:
    """A unified order as a connector would hand it over; ``minutes`` after T0."""
    moment = T0 + timedelta(minutes=minutes)
    return UnifiedOrder(
        channel="shopee",
        external_id=external_id,
        status=status,
        channel_status=str(status).upper(),
        created_at=T0,
        updated_at=moment,
        currency="IDR",
        total=Decimal("150000"),
        cancel_requested=cancel_requested,
        lines=[
            OrderLine(
                external_line_id=f"L{n}",
                channel_sku=sku,
                external_item_id=None,
                name=sku,
                quantity=quantity,
                unit_price=Decimal("75000"),
            )
            for n, (sku, quantity) in enumerate(lines or [("TEE", 1)])
        ],
        **extra,
    )
