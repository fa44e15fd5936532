"""Shipments and returns as the API shows them and as events carry them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema

from omnichannel.fulfillment.models import Return, ReturnLine, Shipment


class TrackingEventOut(Schema):
    time: datetime
    status: str
    text: str | None = None
    location: str | None = None


class ShipmentOut(Schema):
    id: int
    order_id: int
    external_package_id: str
    carrier: str
    service: str
    tracking_number: str
    logistics_mode: str
    pickup_slot: dict | None
    status: str
    has_label: bool
    events: list[TrackingEventOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_has_label(obj: Shipment) -> bool:
        return bool(obj.label)


class ReturnLineOut(Schema):
    id: int
    order_line_id: int | None
    sku: str
    quantity: int
    reason: str
    qc_result: str
    passed_quantity: int
    failed_quantity: int
    qc_note: str
    restock_warehouse: str | None

    @staticmethod
    def resolve_restock_warehouse(obj: ReturnLine) -> str | None:
        return obj.restock_warehouse.code if obj.restock_warehouse else None


class ReturnOut(Schema):
    id: int
    order_id: int
    connection_id: int
    external_id: str
    status: str
    channel_status: str
    reason: str
    return_tracking_number: str
    refund_status: str
    refund_amount: Decimal | None
    qc_note: str
    received_at: datetime | None
    qc_at: datetime | None
    refunded_at: datetime | None
    lines: list[ReturnLineOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_connection_id(obj: Return) -> int:
        return obj.order.connection_id

    @staticmethod
    def resolve_lines(obj: Return) -> list[ReturnLine]:
        return list(obj.lines.all())


def shipment_data(shipment: Shipment) -> dict:
    """The shipment as JSON-ready data, for ``shipment.updated`` events."""
    return ShipmentOut.from_orm(shipment).model_dump(mode="json")


def return_data(return_request: Return) -> dict:
    """The return as JSON-ready data, for ``return.updated`` events."""
    return ReturnOut.from_orm(return_request).model_dump(mode="json")
