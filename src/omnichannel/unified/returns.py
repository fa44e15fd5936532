"""Unified returns."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from omnichannel.unified.base import AwareDatetime, UnifiedModel


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    QC_PASSED = "qc_passed"
    QC_FAILED = "qc_failed"
    REFUNDED = "refunded"
    CLOSED = "closed"


class ReturnLine(UnifiedModel):
    sku: str | None = None
    external_item_id: str | None = None
    external_variant_id: str | None = None
    name: str | None = None
    quantity: int = Field(gt=0)
    reason: str | None = None
    refund_amount: Decimal | None = None


class Return(UnifiedModel):
    channel: str
    external_id: str
    order_external_id: str
    status: ReturnStatus
    channel_status: str
    reason: str | None = None
    lines: list[ReturnLine] = Field(default_factory=list)
    return_tracking_number: str | None = None
    refund_amount: Decimal | None = None
    currency: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    qc_note: str | None = None


class ReturnPage(BaseModel):
    returns: list[Return]
    next_cursor: str | None = None
