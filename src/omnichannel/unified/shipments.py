"""Unified shipment vocabulary: pickup slots, shipping options, tracking, labels."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from omnichannel.unified.base import AwareDatetime, UnifiedModel


class ShipmentStatus(StrEnum):
    PENDING = "pending"
    ARRANGED = "arranged"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED = "failed"
    RETURNING = "returning"
    RETURNED = "returned"


class PickupSlot(BaseModel):
    """One pickup window a channel offers; ``id`` is what we send back to book it."""

    id: str
    date: AwareDatetime | None = None
    text: str | None = None
    recommended: bool = False


class PickupAddress(UnifiedModel):
    id: str
    full: str | None = None
    is_default: bool = False
    slots: list[PickupSlot] = Field(default_factory=list)


class DropoffBranch(UnifiedModel):
    id: str
    name: str | None = None
    full: str | None = None


class ShippingOptions(UnifiedModel):
    """What the channel needs to arrange a package: which modes, addresses, slots, branches."""

    order_external_id: str
    package_external_id: str | None = None
    modes: list[str] = Field(default_factory=list)
    pickup_fields: list[str] = Field(default_factory=list)
    dropoff_fields: list[str] = Field(default_factory=list)
    pickup_addresses: list[PickupAddress] = Field(default_factory=list)
    dropoff_branches: list[DropoffBranch] = Field(default_factory=list)


class ShipRequest(BaseModel):
    """Arrange a shipment: either a pickup (address + slot) or a drop-off, never both."""

    pickup_address_id: str | None = None
    pickup_slot_id: str | None = None
    dropoff_branch_id: str | None = None
    sender_name: str | None = None
    tracking_number: str | None = None
    dropoff: bool = False

    @model_validator(mode="after")
    def _one_mode(self) -> ShipRequest:
        if self.dropoff and self.pickup_address_id:
            raise ValueError("choose pickup or dropoff, not both")
        if not self.dropoff and not self.pickup_address_id:
            raise ValueError("a pickup needs pickup_address_id (or set dropoff=True)")
        return self


class TrackingEvent(BaseModel):
    time: AwareDatetime
    status: ShipmentStatus
    text: str | None = None
    location: str | None = None
    channel_status: str | None = None


class Tracking(UnifiedModel):
    order_external_id: str
    package_external_id: str | None = None
    tracking_number: str | None = None
    status: ShipmentStatus | None = None
    events: list[TrackingEvent] = Field(default_factory=list)


class Label(BaseModel):
    """A shipping document as the channel gives it (usually a PDF)."""

    content: bytes
    content_type: str = "application/pdf"
    document_type: str | None = None


class Shipment(UnifiedModel):
    order_external_id: str
    package_external_id: str | None = None
    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    status: ShipmentStatus = ShipmentStatus.PENDING
    pickup_slot: PickupSlot | None = None
    events: list[TrackingEvent] = Field(default_factory=list)
