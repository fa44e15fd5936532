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
from datetime import datetime

from django.core.files.base import ContentFile
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
from omnichannel.fulfillment.models import PickupRule, Shipment
from omnichannel.fulfillment.pickup import choose_slot, most_specific, offered_from_channel
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


def rule_for(order: Order) -> PickupRule | None:
    """The most specific active pickup rule for the order's shop and warehouse."""
    rules = PickupRule.objects.filter(tenant_id=order.tenant_id, active=True)
    return most_specific(rules, order.connection_id, order.warehouse_id)


def choose_pickup(
    order: Order, options: ShippingOptions, now: datetime
) -> tuple[PickupAddress, str | None, list[str]]:
    """The address and offered slot to book, by the order's pickup rule (or the channel's
    earliest slot when the tenant has no rule), with the reasons."""
    if not options.pickup_addresses:
        raise Unprocessable(
            "The channel offers no pickup for this order.", code="pickup.not_offered"
        )
    address = next((a for a in options.pickup_addresses if a.is_default), None)
    address = address or options.pickup_addresses[0]
    rule = rule_for(order)
    if rule is None:
        slot = min(address.slots, key=lambda s: (s.date is None, s.date), default=None)
        return address, slot.id if slot else None, ["no pickup rule: the earliest offered slot"]
    choice = choose_slot(rule, now, offered_from_channel(address.slots))
    if choice.source == "none":
        raise Conflict(
            "None of the channel's pickup slots fits the pickup rule.",
            code="pickup.no_slot",
            details={"reasons": choice.reasons},
        )
    return address, choice.slot_id, choice.reasons


def request_pickup(order: Order, slot_id: str | None = None) -> Shipment:
    """Arrange a courier pickup on the channel: the slot the rule picks from those offered
    (or ``slot_id``), then record the shipment with its tracking number and label."""
    _check_arrangeable(order)
    connector = channel_connector(order, "fulfillment")
    assert isinstance(connector, Fulfilling)
    options = connector.shipping_options(order.external_id)
    address, chosen, reasons = choose_pickup(order, options, timezone.now())
    if slot_id:
        chosen, reasons = slot_id, ["slot given by the caller"]
    connector.ship(
        order.external_id, ShipRequest(pickup_address_id=address.id, pickup_slot_id=chosen)
    )
    slot = next((s for s in address.slots if s.id == chosen), None)
    pickup_slot = {
        "id": chosen,
        "date": slot.date.isoformat() if slot and slot.date else None,
        "text": slot.text if slot else None,
        "address_id": address.id,
        "reasons": reasons,
    }
    return _arranged(order, connector, Mode.PICKUP, pickup_slot)


def request_dropoff(order: Order, branch_id: str | None = None) -> Shipment:
    """Arrange a drop-off: the seller hands the parcel in at a branch of the courier."""
    _check_arrangeable(order)
    connector = channel_connector(order, "fulfillment")
    assert isinstance(connector, Fulfilling)
    connector.ship(order.external_id, ShipRequest(dropoff=True, dropoff_branch_id=branch_id))
    return _arranged(order, connector, Mode.DROPOFF, None)


def _arranged(order: Order, connector: Connector, mode: str, pickup_slot: dict | None) -> Shipment:
    """Record the arrangement the channel accepted, then follow its status and get the label."""
    assert isinstance(connector, Fulfilling)
    with transaction.atomic():
        shipment = order.shipments.filter(status=Shipment.Status.PENDING).first() or Shipment(
            tenant_id=order.tenant_id, order=order
        )
        shipment.logistics_mode = mode
        shipment.pickup_slot = pickup_slot
        shipment.status = Shipment.Status.ARRANGED
        shipment.save()
    refresh_from_channel(order, connector)
    # The channel has arranged it: a slow tracking number or label must not undo that;
    # both are fetched again on demand (GET …/label) or by the next push.
    try:
        update_tracking(shipment, connector)
        store_label(shipment, connector)
    except ConnectorError as exc:
        logger.warning(
            "tracking or label not yet available", extra={"order": order.pk, "error": str(exc)}
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
        shipment.tracking_number = tracking.tracking_number
        shipment.save(update_fields=["tracking_number"])
    return shipment


def store_label(shipment: Shipment, connector: Connector | None = None) -> Shipment:
    """Fetch the channel's shipping label and store it on the shipment."""
    connector = connector or channel_connector(shipment.order, "fulfillment")
    assert isinstance(connector, Fulfilling)
    label = connector.label(shipment.order.external_id, shipment.external_package_id or None)
    extension = "pdf" if "pdf" in label.content_type else "bin"
    shipment.label.save(
        f"{shipment.order.channel}-{shipment.order.external_id}.{extension}",
        ContentFile(label.content),
        save=True,
    )
    return shipment


def label_of(order: Order) -> Shipment:
    """The order's arranged shipment with its label, fetched from the channel if missing."""
    shipment = order.shipments.exclude(status=Shipment.Status.PENDING).order_by("-pk").first()
    if shipment is None:
        raise Conflict(
            "Arrange the shipment (pickup or drop-off) before asking for its label.",
            code="shipment.not_arranged",
        )
    if not shipment.label:
        store_label(shipment)
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
    rule = rule_for(order)
    if rule is not None and rule.mode == PickupRule.Mode.DROPOFF:
        return request_dropoff(order)
    return request_pickup(order)
