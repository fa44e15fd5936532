"""Unified catalog: master products, listings as a channel shows them, categories, attributes."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from omnichannel.unified.base import AwareDatetime, UnifiedModel
from omnichannel.unified.orders import BundleComponent


class ListingStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    BANNED = "banned"
    DELETED = "deleted"
    REVIEWING = "reviewing"


class Product(UnifiedModel):
    """A master SKU as the seller defines it."""

    sku: str
    name: str
    description: str = ""
    brand: str | None = None
    category: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    weight_g: int | None = None
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    price: Decimal | None = None
    images: list[str] = Field(default_factory=list)
    barcode: str | None = None
    active: bool = True
    bundle_components: list[BundleComponent] = Field(default_factory=list)


class ChannelVariant(UnifiedModel):
    """One sellable variant (Shopee model) of a channel item."""

    external_variant_id: str
    channel_sku: str | None = None
    name: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    stock: int | None = None
    reserved: int | None = None
    status: ListingStatus = ListingStatus.ACTIVE


class ChannelItem(UnifiedModel):
    """A listing as read from a channel, with its variants (empty when it has none)."""

    external_item_id: str
    channel_sku: str | None = None
    name: str
    description: str | None = None
    status: ListingStatus
    channel_status: str | None = None
    category_id: str | None = None
    attributes: dict[str, list[str]] = Field(default_factory=dict)
    images: list[str] = Field(default_factory=list)
    price: Decimal | None = None
    currency: str | None = None
    stock: int | None = None
    weight_g: int | None = None
    updated_at: AwareDatetime | None = None
    variants: list[ChannelVariant] = Field(default_factory=list)


class AttributeValue(BaseModel):
    id: str
    name: str
    unit: str | None = None


class Attribute(UnifiedModel):
    id: str
    name: str
    mandatory: bool = False
    input_type: str | None = None
    values: list[AttributeValue] = Field(default_factory=list)


class Category(UnifiedModel):
    id: str
    parent_id: str | None = None
    name: str
    has_children: bool = False


class ListingVariantDraft(BaseModel):
    """A variant to publish: its option name, SKU, price and opening stock."""

    sku: str
    option: str
    price: Decimal
    quantity: int = Field(ge=0)


class ListingDraft(UnifiedModel):
    """What we ask a channel to publish or update for one product.

    ``image_ids`` are channel-side image ids (uploaded beforehand); channel-specific
    required inputs (e.g. Shopee ``logistic_info``) go in ``channel_data``.
    """

    product: Product
    category_id: str
    attributes: dict[str, list[str]] = Field(default_factory=dict)
    image_ids: list[str] = Field(default_factory=list)
    price: Decimal
    quantity: int = Field(ge=0, default=0)
    active: bool = True
    variant_tier_name: str = "Variant"
    variants: list[ListingVariantDraft] = Field(default_factory=list)


class PublishResult(UnifiedModel):
    external_item_id: str
    variant_ids_by_sku: dict[str, str] = Field(default_factory=dict)
