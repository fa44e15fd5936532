"""Unified stock push and read-back: absolute quantities per listing variant."""

from __future__ import annotations

from pydantic import BaseModel, Field

from omnichannel.unified.base import UnifiedModel


class StockUpdate(BaseModel):
    """Set one listing's sellable quantity to an absolute value (never a delta)."""

    external_item_id: str
    external_variant_id: str | None = None
    quantity: int = Field(ge=0)
    location_id: str | None = None


class StockUpdateResult(UnifiedModel):
    """What the channel said about one StockUpdate; ``ok=False`` carries its reason."""

    external_item_id: str
    external_variant_id: str | None = None
    quantity: int
    ok: bool
    error_code: str | None = None
    error_message: str | None = None


class ChannelStock(UnifiedModel):
    """Stock as the channel currently shows it, for reconciliation."""

    external_item_id: str
    external_variant_id: str | None = None
    channel_sku: str | None = None
    quantity: int
    reserved: int | None = None
