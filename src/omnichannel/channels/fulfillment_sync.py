"""Fulfilling channel orders through their connector: pickup or drop-off, tracking number,
the channel's label, seller cancellation and the answer to a buyer's cancellation request.

Each action asks the channel first and changes our records only once the channel agreed,
so a refusal leaves nothing half-done. Our order status then follows the channel's own
report (re-read and ingested), the one path that keeps orders forward-only and consistent
with pushes and pulls that may arrive at the same moment.

In ``auto`` fulfillment mode a paid order is arranged by its pickup rule as soon as it is
ingested ready to process (a job, after the commit); in ``wms`` mode the WMS calls the same
functions through the API.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from omnichannel.channels.models import Connection
from omnichannel.channels.transport import connector_for
from omnichannel.connectors.base import (
    Cancelling,
    Connector,
    ConnectorError,
    Fulfilling,
    require,
)
from omnichannel.errors import Conflict, Unprocessable
from omnichannel.fulfillment import labels
from omnichannel.fulfillment import services as shipments
from omnichannel.fulfillment.models import Shipment
from omnichannel.fulfillment.pickup import offered_from_channel
from omnichannel.orders.models import Order
from omnichannel.orders.models import OrderStatus as S
from omnichannel.orders.services import IngestResult
from omnichannel.unified.shipments import PickupAddress, ShippingOptions, ShipRequest

logger = logging.getLogger("omnichannel.fulfillment_sync")

ARRANGEABLE = {S.READY_TO_PROCESS, S.ACCEPTED, S.PACKED}
"""Our statuses from which a channel shipment may be arranged (paid, not yet handed over)."""
OPEN_SHIPMENT = [Shipment.Status.PENDING, Shipment.Status.FAILED]
"""Shipments that do not (yet) stand for an arrangement on the channel."""
Mode = Shipment.LogisticsMode


def channel_connector(order: Order, capability: str) -> Connector:
    """The connector of the order's channel shop, if it can do ``capability``."""
    connection = order.connection
    if connection is None or connection.app_id is None and not connection.credentials:
        raise Unprocessable(
            "This order is not from a connected channel shop.",
            code="order.not_channel_order",
            details={"order_id": order.pk},
        )
    connector = connector_for(connection)
    require(connector, capability)
    return connector


def _check_arrangeable(order: Order) -> None:
    if order.status not in ARRANGEABLE:
        raise Conflict(
            f"Cannot arrange the shipment of an order that is {order.status}.",
            code="order.invalid_transition",
            details={"status": order.status, "allowed_from": sorted(ARRANGEABLE)},
        )
    if order.shipments.exclude(status__in=OPEN_SHIPMENT).exists():
        raise Conflict("The shipment is already arranged.", code="shipment.already_arranged")


def pickup_address(options: ShippingOptions) -> PickupAddress:
    """The channel's default pickup address of the shop (or its first one)."""
    if not options.pickup_addresses:
        raise Unprocessable(
            "The channel offers no pickup for this order.", code="pickup.not_offered"
        )
    default = next((a for a in options.pickup_addresses if a.is_default), None)
    return default or options.pickup_addresses[0]


def arrange(order: Order, mode: str | None = None, slot_id: str | None = None) -> Shipment:
    """Arrange the order's shipment on the channel: pickup in the slot its pickup rule picks
    from the channel's offered ones (or ``slot_id``), or drop-off; ``mode`` None lets the
    rule decide. Our shipment records the choice with its reasons, the tracking number and
    the channel's label; our order status follows the channel's."""
    _check_arrangeable(order)
    connector = channel_connector(order, "fulfillment")
    assert isinstance(connector, Fulfilling)
    options = connector.shipping_options(order.external_id)
    shipment = order.shipments.filter(status__in=OPEN_SHIPMENT).first()
    shipment = shipment or shipments.create_shipment(order)
    offered = pickup_address(options) if mode != Mode.DROPOFF and options.pickup_addresses else None
    choice = shipments.plan_pickup(
        shipment, timezone.now(), offered_from_channel(offered.slots) if offered else None
    )
    mode = mode or choice.mode
    if mode == Mode.PICKUP:
        address = offered or pickup_address(options)
        if slot_id is None and choice.source == "none":
            raise Conflict(
                "None of the channel's pickup slots fits the pickup rule.",
                code="pickup.no_slot",
                details={"reasons": choice.reasons},
            )
        request = ShipRequest(
            pickup_address_id=address.id, pickup_slot_id=slot_id or choice.slot_id
        )
    else:
        request = ShipRequest(dropoff=True)
    connector.ship(order.external_id, request)
    return _arranged(shipment, connector, mode, slot_id)


def request_pickup(order: Order, slot_id: str | None = None) -> Shipment:
    """A courier pickup, in the rule's slot among those offered (or ``slot_id``)."""
    return arrange(order, Mode.PICKUP, slot_id)


def request_dropoff(order: Order) -> Shipment:
    """A drop-off: the seller hands the parcel in at the courier."""
    return arrange(order, Mode.DROPOFF)


def _arranged(shipment: Shipment, connector: Connector, mode: str, slot_id: str | None) -> Shipment:
    """Record the arrangement the channel accepted, then follow its status and get the label."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().select_related("order").get(pk=shipment.pk)
        shipment.logistics_mode = mode
        shipment.status = Shipment.Status.ARRANGED
        if slot_id and shipment.pickup_slot:
            shipment.pickup_slot = {**shipment.pickup_slot, "id": slot_id, "source": "caller"}
        shipment.save(update_fields=["logistics_mode", "status", "pickup_slot", "updated_at"])
        shipments.announce(shipment)
    refresh_from_channel(shipment.order, connector)
    # The channel has arranged it: a slow tracking number or label must not undo that;
    # both are fetched again on demand (GET …/label) or by the next push.
    try:
        update_tracking(shipment, connector)
        fetch_label(shipment, connector)
    except ConnectorError as exc:
        logger.warning(
            "tracking or label not yet available",
            extra={"order": shipment.order_id, "error": str(exc)},
        )
    return shipment


def refresh_from_channel(order: Order, connector: Connector) -> None:
    """Re-read the order from the channel and ingest it: our status follows theirs."""
    from omnichannel.channels.order_sync import ingest_orders

    report = ingest_orders(order.connection, connector, [order.external_id])
    if report.failed:
        logger.warning("order refresh failed", extra={"order": order.pk, **report.failed})


def update_tracking(shipment: Shipment, connector: Connector) -> Shipment:
    """Copy the channel's tracking number (it may be empty until a courier is assigned)."""
    assert isinstance(connector, Fulfilling)
    tracking = connector.tracking(shipment.order.external_id, shipment.external_package_id or None)
    if tracking.tracking_number and tracking.tracking_number != shipment.tracking_number:
        with transaction.atomic():
            shipment.tracking_number = tracking.tracking_number
            shipment.save(update_fields=["tracking_number", "updated_at"])
            shipments.announce(shipment)
    return shipment


def fetch_label(shipment: Shipment, connector: Connector | None = None) -> Shipment:
    """Fetch the channel's shipping label and store it on the shipment (served by
    ``GET /api/v1/shipments/{id}/label``)."""
    connector = connector or channel_connector(shipment.order, "fulfillment")
    assert isinstance(connector, Fulfilling)
    label = connector.label(shipment.order.external_id, shipment.external_package_id or None)
    return labels.store_label(shipment, label.content)


def label_of(order: Order) -> Shipment:
    """The order's arranged shipment with its label, fetched from the channel if missing."""
    shipment = order.shipments.exclude(status__in=OPEN_SHIPMENT).order_by("-pk").first()
    if shipment is None:
        raise Conflict(
            "Arrange the shipment (pickup or drop-off) before asking for its label.",
            code="shipment.not_arranged",
        )
    if not shipment.label:
        fetch_label(shipment)
    return shipment


def cancel_on_channel(order: Order, reason: str = "OUT_OF_STOCK") -> Order:
    """The seller cancels: the channel first (it may refuse), then our order follows."""
    connector = channel_connector(order, "cancel")
    assert isinstance(connector, Cancelling)
    lines = [
        (line.external_item_id, line.external_variant_id)
        for line in order.lines.all()
        if line.external_item_id
    ]
    connector.cancel(order.external_id, reason, lines)
    refresh_from_channel(order, connector)
    return Order.objects.get(pk=order.pk)


def answer_cancellation(order: Order, accept: bool) -> Order:
    """Accept or reject the buyer's cancellation request on the channel, then follow it."""
    if not order.cancel_requested:
        raise Conflict(
            "The buyer has not asked to cancel this order.", code="order.no_cancel_request"
        )
    connector = channel_connector(order, "cancel")
    assert isinstance(connector, Cancelling)
    connector.answer_cancellation(order.external_id, accept)
    refresh_from_channel(order, connector)
    return Order.objects.get(pk=order.pk)


# --- automatic mode ---------------------------------------------------------------------


def after_ingest(connection: Connection, result: IngestResult) -> None:
    """In auto mode, queue the pickup of an order that just became ready to process."""
    order = result.order
    if (
        connection.fulfillment_mode == Connection.FulfillmentMode.AUTO
        and result.changed
        and order.status == S.READY_TO_PROCESS
    ):
        from omnichannel.channels.tasks import auto_fulfill_task

        transaction.on_commit(lambda: auto_fulfill_task(order.pk))


def auto_fulfill(order_id: int) -> Shipment | None:
    """Arrange a ready order the way its pickup rule says (pickup, or drop-off)."""
    order = Order.objects.select_related("connection").get(pk=order_id)
    if (
        order.status not in ARRANGEABLE
        or order.shipments.exclude(status__in=OPEN_SHIPMENT).exists()
    ):
        return None
    return arrange(order)
