"""Channel fulfillment actions on orders (mounted under /api/v1/orders beside the order
lifecycle): arrange a pickup or drop-off on the channel, get the channel's label, cancel on
the channel, answer a buyer's cancellation request. Labels are served by the shipments API
(``GET /api/v1/shipments/{id}/label``); ``…/label`` here only fetches a missing one first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from omnichannel.api.auth import scope
from omnichannel.api.scoping import get_owned
from omnichannel.channels import fulfillment_sync
from omnichannel.fulfillment import labels
from omnichannel.fulfillment.models import Shipment
from omnichannel.fulfillment.schemas import ShipmentOut
from omnichannel.orders.api import get_order
from omnichannel.orders.models import Order
from omnichannel.orders.schemas import OrderOut

router = Router(tags=["orders"])


class PickupIn(Schema):
    slot_id: str | None = Field(
        None, description="One of the channel's offered slots; empty: the pickup rule picks"
    )


class ChannelCancelIn(Schema):
    reason: str = Field(
        "OUT_OF_STOCK",
        description="The channel's reason code (Shopee: OUT_OF_STOCK, CUSTOMER_REQUEST, "
        "UNDELIVERABLE_AREA, COD_NOT_SUPPORTED)",
    )


class CancellationAnswerIn(Schema):
    accept: bool


def shipment_out(shipment: Shipment) -> Shipment:
    return Shipment.objects.get(pk=shipment.pk)


@router.post(
    "/{order_id}/request-pickup",
    response=ShipmentOut,
    auth=scope("orders:write"),
    summary="Arrange a courier pickup on the channel",
    description="Books the slot the pickup rule picks among the channel's offered slots (or "
    "`slot_id`), stores the tracking number and the channel's label, and the order follows "
    "the channel to ready_to_ship. 409 `pickup.no_slot` when no offered slot fits the rule.",
)
def request_pickup(request: HttpRequest, order_id: int, payload: PickupIn) -> Shipment:
    order = get_owned(Order, request, order_id)
    return shipment_out(fulfillment_sync.request_pickup(order, payload.slot_id))


@router.post(
    "/{order_id}/dropoff",
    response=ShipmentOut,
    auth=scope("orders:write"),
    summary="Arrange a drop-off on the channel",
)
def request_dropoff(request: HttpRequest, order_id: int) -> Shipment:
    order = get_owned(Order, request, order_id)
    return shipment_out(fulfillment_sync.request_dropoff(order))


@router.get(
    "/{order_id}/label",
    auth=scope("orders:read"),
    summary="The order's shipping label (PDF), fetched from the channel if not yet stored",
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def order_label(request: HttpRequest, order_id: int) -> HttpResponse:
    shipment = fulfillment_sync.label_of(get_owned(Order, request, order_id))
    response = HttpResponse(labels.label_content(shipment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="label-{shipment.pk}.pdf"'
    return response


@router.post(
    "/{order_id}/channel-cancel",
    response=OrderOut,
    auth=scope("orders:write"),
    summary="Cancel the order on the channel (seller cancellation)",
)
def channel_cancel(request: HttpRequest, order_id: int, payload: ChannelCancelIn) -> HttpResponse:
    fulfillment_sync.cancel_on_channel(get_owned(Order, request, order_id), payload.reason)
    return get_order(request, order_id)


@router.post(
    "/{order_id}/answer-cancellation",
    response=OrderOut,
    auth=scope("orders:write"),
    summary="Accept or reject the buyer's cancellation request on the channel",
)
def answer_cancellation(
    request: HttpRequest, order_id: int, payload: CancellationAnswerIn
) -> HttpResponse:
    fulfillment_sync.answer_cancellation(get_owned(Order, request, order_id), payload.accept)
    return get_order(request, order_id)
