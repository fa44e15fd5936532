"""Unified order: what every channel's order becomes (see UNIFIED.md, "Order").

Ours-only fields (database id, connection, mapped product, routed warehouse, stored
label) are added by the domain; a connector fills what the channel tells it.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from omnichannel.unified.base import AwareDatetime, UnifiedModel
from omnichannel.unified.shipments import PickupSlot


class OrderStatus(StrEnum):
    """The unified lifecycle. Shopee's READY_TO_SHIP is our ready_to_process."""

    PENDING_PAYMENT = "pending_payment"
    READY_TO_PROCESS = "ready_to_process"
    ACCEPTED = "accepted"
    PACKED = "packed"
    READY_TO_SHIP = "ready_to_ship"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    ON_HOLD = "on_hold"


class HoldReason(StrEnum):
    PRE_ORDER = "pre_order"
    MAPPING_ERROR = "mapping_error"
    INSUFFICIENT_STOCK = "insufficient_stock"
    PAYMENT = "payment"
    MANUAL = "manual"


class OrderType(StrEnum):
    MARKETPLACE = "marketplace"
    WEBSTORE = "webstore"
    POS = "pos"
    O2O = "o2o"
    MANUAL = "manual"


class FulfilledBy(StrEnum):
    """``channel`` means the marketplace ships it: consume stock, no WMS work."""

    SELLER = "seller"
    CHANNEL = "channel"


class LogisticsMode(StrEnum):
    PICKUP = "pickup"
    DROPOFF = "dropoff"
    SELLER_OWN = "seller_own"


class Buyer(BaseModel):
    """As masked as the channel gives it."""

    name: str | None = None
    username: str | None = None
    email: str | None = None
    phone: str | None = None


class Address(BaseModel):
    name: str | None = None
    phone: str | None = None
    line1: str | None = None
    line2: str | None = None
    district: str | None = None
    city: str | None = None
    province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    full: str | None = None


class BundleComponent(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


class OrderLine(UnifiedModel):
    external_line_id: str
    channel_sku: str | None = None
    external_item_id: str | None = None
    external_variant_id: str | None = None
    name: str
    variant_name: str | None = None
    quantity: int = Field(gt=0)
    unit_price: Decimal | None = None
    paid_price: Decimal | None = None
    bundle_components: list[BundleComponent] = Field(default_factory=list)


class OrderPackage(UnifiedModel):
    external_package_id: str
    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    logistics_mode: LogisticsMode | None = None
    pickup_slot: PickupSlot | None = None
    status: str | None = None
    external_line_ids: list[str] = Field(default_factory=list)


class UnifiedOrder(UnifiedModel):
    channel: str
    external_id: str
    external_number: str | None = None
    type: OrderType = OrderType.MARKETPLACE
    fulfilled_by: FulfilledBy = FulfilledBy.SELLER
    status: OrderStatus
    channel_status: str
    hold_reason: HoldReason | None = None
    cancel_requested: bool = False
    created_at: AwareDatetime
    updated_at: AwareDatetime
    paid_at: AwareDatetime | None = None
    ship_by: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None
    currency: str
    subtotal: Decimal | None = None
    shipping_fee: Decimal | None = None
    discount_seller: Decimal | None = None
    discount_channel: Decimal | None = None
    total: Decimal | None = None
    cod: bool = False
    payment_method: str | None = None
    buyer: Buyer = Field(default_factory=Buyer)
    shipping_address: Address | None = None
    lines: list[OrderLine] = Field(default_factory=list)
    packages: list[OrderPackage] = Field(default_factory=list)
    note: str | None = None
