"""The unified order as the API shows it and as events carry it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from ninja import Schema

from omnichannel.inventory.models import Reservation
from omnichannel.orders.models import Order, OrderLine


class OrderLineOut(Schema):
    id: int
    external_line_id: str
    channel_sku: str
    sku: str | None
    external_item_id: str
    external_variant_id: str
    name: str
    variant_name: str
    quantity: int
    unit_price: Decimal
    paid_price: Decimal
    reserved: int

    @staticmethod
    def resolve_sku(obj: OrderLine) -> str | None:
        return obj.product.sku if obj.product else None

    @staticmethod
    def resolve_reserved(obj: OrderLine) -> int:
        return sum(r.quantity for r in obj.reservations.all() if r.state == "open")


class ShipmentSummary(Schema):
    id: int
    external_package_id: str
    carrier: str
    service: str
    tracking_number: str
    logistics_mode: str
    pickup_slot: dict | None
    status: str
    has_label: bool

    @staticmethod
    def resolve_has_label(obj) -> bool:  # noqa: ANN001 - a Shipment
        return bool(obj.label)


class OrderOut(Schema):
    id: int
    connection_id: int
    channel: str
    external_id: str
    external_number: str
    type: str
    fulfilled_by: str
    status: str
    channel_status: str
    hold_reason: str
    cancel_requested: bool
    cancel_reason: str
    cancelled_by: str
    placed_at: datetime | None
    paid_at: datetime | None
    ship_by: datetime | None
    cancelled_at: datetime | None
    currency: str
    subtotal: Decimal
    shipping_fee: Decimal
    discount_seller: Decimal
    discount_channel: Decimal
    total: Decimal
    cod: bool
    payment_method: str
    buyer: dict
    shipping_address: dict
    warehouse: str | None
    note: str
    lines: list[OrderLineOut]
    shipments: list[ShipmentSummary]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_warehouse(obj: Order) -> str | None:
        return obj.warehouse.code if obj.warehouse else None

    @staticmethod
    def resolve_lines(obj: Order) -> list[OrderLine]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_shipments(obj: Order) -> list:
        return list(obj.shipments.all())


def with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Everything ``OrderOut`` reads, in a fixed number of queries whatever the line count."""
    return orders.select_related("warehouse").prefetch_related(
        Prefetch("lines", OrderLine.objects.select_related("product")),
        Prefetch("lines__reservations", Reservation.objects.all()),
        "shipments",
    )


def order_data(order: Order) -> dict:
    """The order as JSON-ready data: what events carry and the API returns."""
    fresh = with_details(Order.objects.filter(pk=order.pk)).get()
    return OrderOut.from_orm(fresh).model_dump(mode="json")
