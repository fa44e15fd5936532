"""Orders: create POS/manual orders, find orders, and drive their lifecycle."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator

from omnichannel.api.answers import rendered
from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.channels.models import DIRECT_CHANNELS, Connection
from omnichannel.errors import Unprocessable
from omnichannel.orders import services
from omnichannel.orders.models import CancelledBy, Order, OrderStatus
from omnichannel.orders.schemas import OrderOut, order_snapshot, with_details
from omnichannel.unified import orders as unified

router = Router(tags=["orders"])


class BodyIn(Schema):
    """A request body: JSON, so a dict, validated as it is.

    Ninja's Schema wraps any input in a DjangoGetter (for ORM objects and resolvers),
    and pydantic then reads each field through its ``__getattr__``: for a dict that is
    the same answer at about twice the cost."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: object, handler: ModelWrapValidatorHandler, info: ValidationInfo
    ) -> object:
        if isinstance(values, dict):
            return handler(values)
        return super()._run_root_validator(values, handler, info)


class LineIn(BodyIn):
    sku: str = Field(min_length=1, examples=["TEE-RED-M"])
    quantity: int = Field(ge=1, le=100_000, examples=[2])
    unit_price: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    name: str = ""


class OrderIn(BodyIn):
    connection_id: int = Field(description="A POS or manual connection")
    external_id: str = Field("", max_length=100, description="Your order id; generated if empty")
    type: unified.OrderType = unified.OrderType.MANUAL
    status: unified.OrderStatus = Field(
        unified.OrderStatus.READY_TO_PROCESS,
        description="ready_to_process for orders to ship; completed for counter sales",
    )
    currency: str = Field("IDR", min_length=3, max_length=3)
    shipping_fee: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    discount: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    payment_method: str = ""
    cod: bool = False
    buyer: unified.Buyer = Field(default_factory=unified.Buyer)
    shipping_address: unified.Address | None = None
    note: str = ""
    lines: list[LineIn] = Field(min_length=1, max_length=500)


class CancelIn(Schema):
    reason: str = Field("", max_length=300)
    by: CancelledBy = CancelledBy.SELLER


class OrderFilters(Schema):
    status: OrderStatus | None = None
    connection_id: int | None = None
    channel: str | None = None
    external_id: str | None = Field(None, description="The channel's order id (Shopee order_sn)")
    hold_reason: Order.HoldReason | None = None
    sku: str | None = None
    placed_after: datetime | None = None
    placed_before: datetime | None = None


def unified_order(payload: OrderIn, connection: Connection) -> unified.UnifiedOrder:
    now = timezone.now()
    lines = [
        unified.OrderLine(
            external_line_id=str(number),
            channel_sku=line.sku,
            name=line.name or line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            paid_price=line.unit_price,
        )
        for number, line in enumerate(payload.lines, start=1)
    ]
    subtotal = sum((line.unit_price * line.quantity for line in payload.lines), Decimal("0"))
    return unified.UnifiedOrder(
        channel=connection.channel,
        external_id=payload.external_id or uuid.uuid4().hex,
        type=payload.type,
        status=payload.status,
        channel_status=str(payload.status),
        created_at=now,
        updated_at=now,
        paid_at=now if payload.status != unified.OrderStatus.PENDING_PAYMENT else None,
        currency=payload.currency.upper(),
        subtotal=subtotal,
        shipping_fee=payload.shipping_fee,
        discount_seller=payload.discount,
        total=subtotal + payload.shipping_fee - payload.discount,
        cod=payload.cod,
        payment_method=payload.payment_method or None,
        buyer=payload.buyer,
        shipping_address=payload.shipping_address,
        lines=lines,
        note=payload.note or None,
    )


@router.post(
    "",
    response={201: OrderOut},
    auth=scope("orders:write"),
    summary="Create a POS or manual order",
    description=(
        "Stock is reserved in the routed warehouse (or consumed at once for POS and O2O "
        "sales), and every channel's listings are updated."
    ),
)
def create_order(request: HttpRequest, payload: OrderIn) -> HttpResponse:
    connection = get_owned(Connection, request, payload.connection_id)
    connection.tenant = tenant_of(request)  # the same row: spares reading it again
    if connection.channel not in DIRECT_CHANNELS:
        raise Unprocessable(
            "Orders are created directly only on POS and manual connections.",
            code="order.channel_not_direct",
            details={"channel": connection.channel},
        )
    placed = services.create_together(connection, unified_order(payload, connection))
    # The order as its order.created event announced it: no second read.
    return rendered(request, placed.model_dump(), status=201)


@router.get("", response=Page[OrderOut], auth=scope("orders:read"), summary="List orders")
def list_orders(
    request: HttpRequest,
    filters: Query[OrderFilters],
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    orders = owned(Order, request)
    for field in ("status", "connection_id", "channel", "external_id", "hold_reason"):
        value = getattr(filters, field)
        if value:
            orders = orders.filter(**{field: value})
    if filters.sku:
        orders = orders.filter(lines__product__sku=filters.sku).distinct()
    if filters.placed_after:
        orders = orders.filter(placed_at__gte=filters.placed_after)
    if filters.placed_before:
        orders = orders.filter(placed_at__lt=filters.placed_before)
    return paginate(with_details(orders), cursor, limit)


@router.get("/{order_id}", response=OrderOut, auth=scope("orders:read"), summary="Get an order")
def get_order(request: HttpRequest, order_id: int) -> HttpResponse:
    return rendered(request, order_snapshot(get_owned(Order, request, order_id)).model_dump())


def action_endpoint(action: str, summary: str) -> None:
    path = action.replace("_", "-")

    def run(request: HttpRequest, order_id: int) -> HttpResponse:
        services.perform(get_owned(Order, request, order_id), action)
        return get_order(request, order_id)

    run.__name__ = f"{action}_order"
    router.post(
        f"/{{order_id}}/{path}", response=OrderOut, auth=scope("orders:write"), summary=summary
    )(run)


for _action, _summary in [
    ("accept", "Accept an order"),
    ("pack", "Mark an order packed"),
    ("ready_to_ship", "Mark an order ready to ship (shipment arranged)"),
    ("ship", "Mark an order shipped (handed to the courier)"),
    ("deliver", "Mark an order delivered"),
    ("complete", "Mark an order completed"),
    ("return", "Mark an order returned"),
]:
    action_endpoint(_action, _summary)


@router.post(
    "/{order_id}/cancel", response=OrderOut, auth=scope("orders:write"), summary="Cancel an order"
)
def cancel_order(request: HttpRequest, order_id: int, payload: CancelIn) -> HttpResponse:
    order = get_owned(Order, request, order_id)
    services.perform(order, "cancel", cancelled_by=payload.by, reason=payload.reason)
    return get_order(request, order_id)


@router.post(
    "/{order_id}/hold",
    response=OrderOut,
    auth=scope("orders:write"),
    summary="Put an order on hold",
)
def hold_order(request: HttpRequest, order_id: int) -> HttpResponse:
    services.hold(get_owned(Order, request, order_id))
    return get_order(request, order_id)


@router.post(
    "/{order_id}/release",
    response=OrderOut,
    auth=scope("orders:write"),
    summary="Take an order off hold",
    description="Maps its lines again and routes it; it stays on hold if stock is still short.",
)
def release_order(request: HttpRequest, order_id: int) -> HttpResponse:
    services.release(get_owned(Order, request, order_id))
    return get_order(request, order_id)
