"""Shopee returns (get_return_list / get_return_detail) as unified returns."""

from __future__ import annotations

from omnichannel.connectors.shopee import schemas, vocab
from omnichannel.connectors.shopee.mapping.common import CHANNEL, from_timestamp, none_if_blank
from omnichannel.unified.returns import Return, ReturnLine


def to_unified_return(detail: schemas.ReturnDetail) -> Return:
    return Return(
        channel=CHANNEL,
        external_id=detail.return_sn,
        order_external_id=detail.order_sn,
        status=vocab.return_status(detail.status),
        channel_status=detail.status,
        reason=detail.reason,
        lines=[
            ReturnLine(
                sku=none_if_blank(item.variation_sku) or none_if_blank(item.item_sku),
                external_item_id=str(item.item_id),
                external_variant_id=str(item.model_id) if item.model_id else None,
                name=item.name or None,
                quantity=item.amount,
                reason=detail.reason,
                refund_amount=item.refund_amount,
                channel_data=item.extras(),
            )
            for item in detail.item
        ],
        return_tracking_number=none_if_blank(detail.tracking_number),
        refund_amount=detail.refund_amount,
        currency=detail.currency,
        created_at=from_timestamp(detail.create_time),
        updated_at=from_timestamp(detail.update_time),
        channel_data={**detail.extras(), "text_reason": detail.text_reason},
    )
