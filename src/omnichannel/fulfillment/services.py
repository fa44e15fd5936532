"""Shipments: create them, record tracking, and plan their pickup by the applicable rule.

Each change saves the shipment and writes its ``shipment.updated`` event in one
transaction. Returns live in ``fulfillment.returns``; labels in ``fulfillment.labels``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from omnichannel.fulfillment.models import PickupRule, Shipment
from omnichannel.fulfillment.pickup import OfferedSlot, SlotChoice, choose_slot, most_specific
from omnichannel.fulfillment.schemas import shipment_data
from omnichannel.notifications.services import emit
from omnichannel.orders.models import Order
from omnichannel.orders.models import OrderStatus as S
from omnichannel.tenants.models import Tenant

BUILT_IN_RULE_NAME = "built-in default"

WAITING = {Shipment.Status.PENDING, Shipment.Status.ARRANGED}
ON_THE_WAY = {
    *WAITING,
    Shipment.Status.PICKED_UP,
    Shipment.Status.IN_TRANSIT,
    Shipment.Status.OUT_FOR_DELIVERY,
}
ORDER_STEPS: dict[str, tuple[str, set[str]]] = {
    S.SHIPPED: (Shipment.Status.PICKED_UP, WAITING),
    S.DELIVERED: (Shipment.Status.DELIVERED, ON_THE_WAY),
    S.COMPLETED: (Shipment.Status.DELIVERED, ON_THE_WAY),
}
"""Order status → the step its shipments took, and the shipment statuses still behind it."""


def applicable_rule(
    tenant: Tenant, connection_id: int | None, warehouse_id: int | None
) -> PickupRule:
    """The tenant's most specific active rule for the connection and warehouse; without
    any, an unsaved built-in default (pickup, Monday–Friday 09:00–17:00, Jakarta time)."""
    candidates = PickupRule.objects.filter(tenant=tenant, active=True)
    found = most_specific(candidates, connection_id, warehouse_id)
    return found or PickupRule(tenant=tenant, name=BUILT_IN_RULE_NAME)


def announce(shipment: Shipment) -> None:
    emit(shipment.tenant, "shipment.updated", "shipment", shipment.pk, shipment_data(shipment))


@transaction.atomic
def create_shipment(order: Order, **fields: str) -> Shipment:
    """A package of ``order`` (carrier, service, tracking number, logistics mode, …)."""
    shipment = Shipment.objects.create(tenant=order.tenant, order=order, **fields)
    announce(shipment)
    return shipment


@transaction.atomic
def add_tracking_event(
    shipment: Shipment,
    status: str,
    time: datetime,
    text: str = "",
    location: str = "",
) -> Shipment:
    """Append a tracking event; the shipment takes the status of its latest event, so an
    event reported late does not move it back. The same event twice is kept once."""
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    event = {"time": time.isoformat(), "status": status, "text": text, "location": location}
    if event in shipment.events:
        return shipment
    shipment.events = sorted(
        [*shipment.events, event], key=lambda item: datetime.fromisoformat(item["time"])
    )
    shipment.status = shipment.events[-1]["status"]
    shipment.save(update_fields=["events", "status", "updated_at"])
    announce(shipment)
    return shipment


def follow_order(order: Order, status: str) -> None:
    """The order's shipments catch up with it: a channel that says the order shipped or was
    delivered rarely sends a tracking event for it, and a shipment left ``arranged`` on a
    delivered order misleads the warehouse. The step is a tracking event, so events the
    carrier reports later still sort by time."""
    step = ORDER_STEPS.get(status)
    if step is None:
        return
    shipment_status, behind = step
    for shipment in order.shipments.filter(status__in=behind):
        add_tracking_event(shipment, shipment_status, timezone.now(), text=f"order {status}")


@transaction.atomic
def plan_pickup(
    shipment: Shipment,
    ready_at: datetime,
    offered_slots: Sequence[OfferedSlot] | None = None,
    carriers: Sequence[str] | None = None,
) -> SlotChoice:
    """Apply the order's pickup rule to the shipment: store the chosen mode, slot and (if
    none is set yet) carrier. Booking the slot with the channel is the connector's job."""
    shipment = Shipment.objects.select_for_update().select_related("order").get(pk=shipment.pk)
    order = shipment.order
    rule = applicable_rule(order.tenant, order.connection_id, order.warehouse_id)
    choice = choose_slot(rule, ready_at, offered_slots, carriers)
    shipment.logistics_mode = choice.mode
    shipment.pickup_slot = slot_json(choice)
    shipment.carrier = shipment.carrier or choice.carrier or ""
    shipment.save(update_fields=["logistics_mode", "pickup_slot", "carrier", "updated_at"])
    announce(shipment)
    return choice


def slot_json(choice: SlotChoice) -> dict:
    return {
        "id": choice.slot_id,
        "source": choice.source,
        "start": choice.start.isoformat() if choice.start else None,
        "end": choice.end.isoformat() if choice.end else None,
        "reasons": choice.reasons,
    }
