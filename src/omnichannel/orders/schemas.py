"""The unified order as the API shows it and as events carry it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from django.db.models import DateTimeField, DecimalField, Model, Prefetch, QuerySet
from ninja import Schema

from omnichannel.inventory.models import Reservation
from omnichannel.orders.models import Order, OrderLine
from omnichannel.orders.sql import stored_order


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


def order_snapshot(order: Order) -> OrderOut:
    """The order read back from the database, as the API shows it: what
    ``OrderOut.from_orm`` makes of it read ``with_details``, from three written-out
    statements (``orders.sql.stored_order``). Built with ``model_construct``, as
    ``placed_order_snapshot`` is: values read back are already what validation returns."""
    stored, lines, shipments = stored_order(order.pk)
    return OrderOut.model_construct(
        **stored_values(OrderOut, stored),
        warehouse=stored.warehouse_code,
        lines=[
            OrderLineOut.model_construct(
                **stored_values(OrderLineOut, line), sku=line.product_sku, reserved=line.open_units
            )
            for line in lines
        ],
        shipments=[
            ShipmentSummary.model_construct(
                **stored_values(ShipmentSummary, shipment),
                has_label=ShipmentSummary.resolve_has_label(shipment),
            )
            for shipment in shipments
        ],
    )


def order_data(order: Order) -> dict:
    """The order as JSON-ready data: what events carry and the API returns."""
    return order_snapshot(order).model_dump(mode="json")


def placed_order_snapshot(
    order: Order, lines: Sequence[OrderLine], reservations: Iterable[Reservation]
) -> OrderOut:
    """``order_snapshot`` of an order inserted in this transaction, from the objects in
    hand: the same answer without reading the order, its lines and reservations back.

    ``order`` and ``lines`` must be saved (they have their ids and timestamps) and
    ``reservations`` are the lines' open ones; a new order has no shipment yet.

    Built with ``model_construct``: once ``as_stored``, the values are what validation
    would return (text choices become plain text, as validation makes them), and
    validating them through Ninja's attribute getter cost more than the rest of the
    answer. The schemas' resolvers still compute the fields they resolve.
    """
    held: dict[int, list[Reservation]] = defaultdict(list)
    for reservation in reservations:
        held[reservation.order_line_id].append(reservation)
    for instance in (order, *lines):
        as_stored(instance)
    return OrderOut.model_construct(
        **stored_values(OrderOut, order),
        warehouse=OrderOut.resolve_warehouse(order),
        lines=[
            OrderLineOut.model_construct(
                **stored_values(OrderLineOut, line),
                sku=OrderLineOut.resolve_sku(line),
                reserved=OrderLineOut.resolve_reserved(_View(line, reservations=held[line.pk])),
            )
            for line in lines
        ],
        shipments=[],
    )


@cache
def stored_fields(schema: type[Schema]) -> tuple[tuple[str, bool], ...]:
    """The fields of ``schema`` read straight off the model (no ``resolve_<name>``), each
    with whether it is text."""
    return tuple(
        (name, field.annotation is str)
        for name, field in schema.model_fields.items()
        if not hasattr(schema, f"resolve_{name}")
    )


def stored_values(schema: type[Schema], instance: Model) -> dict[str, object]:
    values = {}
    for name, text in stored_fields(schema):
        value = getattr(instance, name)
        values[name] = str(value) if text and type(value) is not str else value
    return values


def as_stored(instance: Model) -> None:
    """Give ``instance`` the values a read from the database returns: decimals with their
    field's decimal places, times in UTC."""
    for attname, places in stored_conversions(type(instance)):
        value = getattr(instance, attname)
        if value is None:
            continue
        if places is not None:
            value = Decimal(value).quantize(places)
        else:
            value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        setattr(instance, attname, value)


@cache
def stored_conversions(model: type[Model]) -> tuple[tuple[str, Decimal | None], ...]:
    """``as_stored``'s fields of ``model``: each decimal's attname with its quantum, each
    time's with None."""
    return tuple(
        (field.attname, Decimal(1).scaleb(-field.decimal_places))
        if isinstance(field, DecimalField)
        else (field.attname, None)
        for field in model._meta.concrete_fields
        if isinstance(field, DecimalField | DateTimeField)
    )


class _Loaded:
    """Related rows in hand, read like a related manager."""

    def __init__(self, rows: Iterable[object]) -> None:
        self._rows = list(rows)

    def all(self) -> list[object]:
        return self._rows


class _View:
    """A saved row with some of its related rows in hand: ``OrderOut`` reads it like the
    model instance, without a query."""

    def __init__(self, row: Model, **related: Iterable[object]) -> None:
        self._row = row
        self._related = {name: _Loaded(rows) for name, rows in related.items()}

    def __getattr__(self, name: str) -> object:
        if name in self._related:
            return self._related[name]
        return getattr(self._row, name)
