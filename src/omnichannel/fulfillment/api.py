"""Pickup rules (with a simulator) and shipments (tracking, labels)."""

from __future__ import annotations

from datetime import datetime, time

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.channels.models import Connection
from omnichannel.errors import Conflict, Unprocessable
from omnichannel.fulfillment import labels, services
from omnichannel.fulfillment.models import PickupRule, Shipment
from omnichannel.fulfillment.pickup import OfferedSlot, choose_slot, zone
from omnichannel.fulfillment.schemas import ShipmentOut
from omnichannel.inventory.models import Warehouse
from omnichannel.orders.models import Order
from omnichannel.unified.shipments import ShipmentStatus

pickup_rules_router = Router(tags=["pickup rules"])
shipments_router = Router(tags=["shipments"])

# --- pickup rules ----------------------------------------------------------------------


class PickupRuleFields(Schema):
    name: str | None = Field(None, max_length=200)
    mode: PickupRule.Mode | None = None
    timezone: str | None = Field(None, examples=["Asia/Jakarta"])
    cutoff_time: time | None = Field(None, examples=["14:00"])
    slot_preference: PickupRule.SlotPreference | None = None
    fixed_slot_time: time | None = Field(None, examples=["15:00"])
    pickup_window_start: time | None = Field(None, examples=["09:00"])
    pickup_window_end: time | None = Field(None, examples=["17:00"])
    preparation_minutes: int | None = Field(None, ge=0, le=7 * 24 * 60)
    courier_preferences: list[str] | None = Field(None, examples=[["JNE", "SiCepat"]])
    working_days: list[int] | None = Field(None, examples=[[1, 2, 3, 4, 5]])
    active: bool | None = None


class PickupRuleIn(PickupRuleFields):
    connection_id: int | None = Field(None, description="Empty: every connection")
    warehouse_id: int | None = Field(None, description="Empty: every warehouse")


class PickupRuleOut(Schema):
    id: int
    name: str
    scope: str
    connection_id: int | None
    warehouse_id: int | None
    mode: str
    timezone: str
    cutoff_time: time | None
    slot_preference: str
    fixed_slot_time: time | None
    pickup_window_start: time
    pickup_window_end: time
    preparation_minutes: int
    courier_preferences: list[str]
    working_days: list[int]
    active: bool
    created_at: datetime
    updated_at: datetime


NULLABLE = {"cutoff_time", "fixed_slot_time"}


def apply_fields(rule: PickupRule, payload: PickupRuleFields) -> PickupRule:
    """Set what the payload sends, then check the rule as a whole before it is saved."""
    for key, value in payload.dict(exclude_unset=True).items():
        if key in PickupRuleFields.model_fields and (value is not None or key in NULLABLE):
            setattr(rule, key, value)
    zone(rule.timezone)
    if rule.pickup_window_start >= rule.pickup_window_end:
        raise Unprocessable(
            "The pickup window must start before it ends.", code="pickup.invalid_window"
        )
    if not rule.working_days or not set(rule.working_days) <= set(range(1, 8)):
        raise Unprocessable(
            "working_days are ISO weekdays (Monday = 1 … Sunday = 7), at least one.",
            code="pickup.invalid_working_days",
        )
    rule.working_days = sorted(set(rule.working_days))
    if rule.slot_preference == PickupRule.SlotPreference.FIXED and rule.fixed_slot_time is None:
        raise Unprocessable(
            "A fixed slot preference needs fixed_slot_time.", code="pickup.fixed_slot_missing"
        )
    return rule


def save_rule(rule: PickupRule) -> PickupRule:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise Conflict(
            f"A pickup rule for this {rule.scope} exists; change it instead.",
            code="pickup.rule_exists",
            details={"connection_id": rule.connection_id, "warehouse_id": rule.warehouse_id},
        ) from exc
    return rule


@pickup_rules_router.get(
    "", response=Page[PickupRuleOut], auth=scope("orders:read"), summary="List pickup rules"
)
def list_rules(
    request: HttpRequest,
    connection_id: int | None = None,
    warehouse_id: int | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    rules = owned(PickupRule, request)
    if connection_id:
        rules = rules.filter(connection_id=connection_id)
    if warehouse_id:
        rules = rules.filter(warehouse_id=warehouse_id)
    return paginate(rules, cursor, limit)


@pickup_rules_router.post(
    "",
    response={201: PickupRuleOut},
    auth=scope("orders:write"),
    summary="Create a pickup rule",
    description=(
        "One rule per scope: connection + warehouse, connection, warehouse, or neither "
        "(the tenant default). The most specific active rule applies."
    ),
)
def create_rule(request: HttpRequest, payload: PickupRuleIn) -> Status:
    rule = PickupRule(tenant=tenant_of(request))
    if payload.connection_id is not None:
        rule.connection = get_owned(Connection, request, payload.connection_id)
    if payload.warehouse_id is not None:
        rule.warehouse = get_owned(Warehouse, request, payload.warehouse_id)
    return Status(201, save_rule(apply_fields(rule, payload)))


class OfferedSlotIn(Schema):
    id: str = Field(examples=["1772762400"])
    start: AwareDatetime
    end: AwareDatetime | None = Field(None, description="Empty: the slot lasts its whole day")
    text: str = ""


class SimulateIn(Schema):
    order_id: int | None = Field(None, description="Take connection and warehouse from it")
    connection_id: int | None = None
    warehouse_id: int | None = None
    ready_at: AwareDatetime | None = Field(None, description="Default: now")
    offered_slots: list[OfferedSlotIn] = Field(default_factory=list)
    carriers: list[str] | None = Field(None, description="Couriers the channel offers")


class SimulateOut(Schema):
    rule: PickupRuleOut | None = Field(description="Empty: no rule applies, built-in default")
    rule_scope: str
    fulfillment_mode: str | None
    ready_at: datetime
    mode: str
    source: str
    slot_id: str | None
    start: datetime | None
    end: datetime | None
    carrier: str | None
    reasons: list[str]


# Before "/{rule_id}", which would otherwise take "simulate" for an id.
@pickup_rules_router.post(
    "/simulate",
    response=SimulateOut,
    auth=scope("orders:read"),
    summary="Which pickup slot an order would get",
    description="Applies the pickup rules to an order (or a connection, warehouse and ready "
    "time) and explains the choice. Nothing is saved or booked.",
)
def simulate(request: HttpRequest, payload: SimulateIn) -> dict:
    connection_id, warehouse_id = payload.connection_id, payload.warehouse_id
    if payload.order_id is not None:
        order = get_owned(Order, request, payload.order_id)
        connection_id, warehouse_id = order.connection_id, order.warehouse_id
    connection = get_owned(Connection, request, connection_id) if connection_id else None
    if warehouse_id is not None:
        get_owned(Warehouse, request, warehouse_id)
    rule = services.applicable_rule(tenant_of(request), connection_id, warehouse_id)
    ready_at = payload.ready_at or timezone.now()
    offered = [OfferedSlot(s.id, s.start, s.end, s.text) for s in payload.offered_slots]
    choice = choose_slot(rule, ready_at, offered, payload.carriers)
    return {
        "rule": rule if rule.pk else None,
        "rule_scope": rule.scope if rule.pk else services.BUILT_IN_RULE_NAME,
        "fulfillment_mode": connection.fulfillment_mode if connection else None,
        "ready_at": ready_at,
        **choice.__dict__,
    }


@pickup_rules_router.get(
    "/{rule_id}", response=PickupRuleOut, auth=scope("orders:read"), summary="Get a pickup rule"
)
def get_rule(request: HttpRequest, rule_id: int) -> PickupRule:
    return get_owned(PickupRule, request, rule_id)


@pickup_rules_router.patch(
    "/{rule_id}",
    response=PickupRuleOut,
    auth=scope("orders:write"),
    summary="Change a pickup rule",
)
def patch_rule(request: HttpRequest, rule_id: int, payload: PickupRuleFields) -> PickupRule:
    return save_rule(apply_fields(get_owned(PickupRule, request, rule_id), payload))


@pickup_rules_router.delete(
    "/{rule_id}", response={204: None}, auth=scope("orders:write"), summary="Delete a pickup rule"
)
def delete_rule(request: HttpRequest, rule_id: int) -> Status:
    get_owned(PickupRule, request, rule_id).delete()
    return Status(204, None)


# --- shipments -------------------------------------------------------------------------


class ShipmentIn(Schema):
    order_id: int
    external_package_id: str = Field("", max_length=100)
    carrier: str = Field("", max_length=100, examples=["JNE"])
    service: str = Field("", max_length=100, examples=["REG"])
    tracking_number: str = Field("", max_length=100)
    logistics_mode: Shipment.LogisticsMode | None = None


class TrackingEventIn(Schema):
    status: ShipmentStatus
    time: AwareDatetime
    text: str = Field("", max_length=300)
    location: str = Field("", max_length=200)


@shipments_router.get(
    "", response=Page[ShipmentOut], auth=scope("orders:read"), summary="List shipments"
)
def list_shipments(
    request: HttpRequest,
    order_id: int | None = None,
    status: ShipmentStatus | None = None,
    tracking_number: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    shipments = owned(Shipment, request)
    if order_id:
        shipments = shipments.filter(order_id=order_id)
    if status:
        shipments = shipments.filter(status=status)
    if tracking_number:
        shipments = shipments.filter(tracking_number=tracking_number)
    return paginate(shipments, cursor, limit)


@shipments_router.post(
    "", response={201: ShipmentOut}, auth=scope("orders:write"), summary="Add a shipment"
)
def create_shipment(request: HttpRequest, payload: ShipmentIn) -> Status:
    order = get_owned(Order, request, payload.order_id)
    fields = payload.dict(exclude={"order_id"})
    fields["logistics_mode"] = fields["logistics_mode"] or ""
    return Status(201, services.create_shipment(order, **fields))


@shipments_router.get(
    "/{shipment_id}",
    response=ShipmentOut,
    auth=scope("orders:read"),
    summary="Get a shipment with its tracking events",
)
def get_shipment(request: HttpRequest, shipment_id: int) -> Shipment:
    return get_owned(Shipment, request, shipment_id)


@shipments_router.post(
    "/{shipment_id}/events",
    response=ShipmentOut,
    auth=scope("orders:write"),
    summary="Record a tracking event",
    description="The shipment takes the status of its latest event; a repeated event is kept once.",
)
def add_event(request: HttpRequest, shipment_id: int, payload: TrackingEventIn) -> Shipment:
    shipment = get_owned(Shipment, request, shipment_id)
    return services.add_tracking_event(
        shipment, str(payload.status), payload.time, payload.text, payload.location
    )


@shipments_router.get(
    "/{shipment_id}/label",
    auth=scope("orders:read"),
    summary="Download the shipping label (PDF)",
    description="The channel's label when it gives one; otherwise ours, drawn on the first "
    "request. 404 `shipment.label_not_available` while a channel label is not fetched.",
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def download_label(request: HttpRequest, shipment_id: int) -> HttpResponse:
    shipment = get_owned(Shipment, request, shipment_id)
    response = HttpResponse(labels.label_content(shipment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="label-{shipment.pk}.pdf"'
    return response
