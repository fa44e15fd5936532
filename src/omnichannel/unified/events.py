"""Inbound channel events (webhooks) in one shape, whatever the channel sent."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from omnichannel.unified.base import AwareDatetime


class WebhookKind(StrEnum):
    ORDER_STATUS = "order.status"
    ORDER_TRACKING = "order.tracking_number"
    SHIPPING_DOCUMENT = "order.shipping_document"
    SHOP_AUTHORIZED = "shop.authorized"
    SHOP_DEAUTHORIZED = "shop.deauthorized"
    AUTHORIZATION_EXPIRING = "shop.authorization_expiring"
    ITEM_BANNED = "item.banned"
    RESERVED_STOCK = "stock.reserved_changed"
    OTHER = "other"


class WebhookEvent(BaseModel):
    """A change signal from a channel: always re-read the subject through the API.

    ``dedup_key`` is the provider's identity of this delivery; store it under a unique
    key before acknowledging, so retried deliveries collapse into one row.
    """

    channel: str
    kind: WebhookKind
    channel_code: str
    dedup_key: str
    shop_id: str | None = None
    order_ids: list[str] = Field(default_factory=list)
    status: str | None = None
    occurred_at: AwareDatetime | None = None
    raw: dict[str, Any]
