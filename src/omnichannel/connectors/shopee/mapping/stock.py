"""Shopee stock: update_stock bodies, their per-model answers, and read-back rows."""

from __future__ import annotations

from collections.abc import Sequence

from omnichannel.connectors.shopee import schemas
from omnichannel.unified.catalog import ChannelItem
from omnichannel.unified.stock import ChannelStock, StockUpdate, StockUpdateResult

NO_MODEL = 0  # Shopee's model_id for an item without variations


def stock_update_payload(
    item_id: str, updates: Sequence[StockUpdate]
) -> schemas.UpdateStockRequest:
    """One update_stock call for one item; an item without models uses model_id 0."""
    return schemas.UpdateStockRequest(
        item_id=int(item_id),
        stock_list=[
            schemas.ModelStock(
                model_id=int(update.external_variant_id or NO_MODEL),
                seller_stock=[
                    schemas.StockTarget(location_id=update.location_id, stock=update.quantity)
                ],
            )
            for update in updates
        ],
    )


def to_stock_results(
    updates: Sequence[StockUpdate], response: schemas.UpdateStockResponse
) -> list[StockUpdateResult]:
    """One result per update. Shopee lists failures by model; a model absent from both
    lists is not confirmed, so it is reported as failed for the drain to retry."""
    failed = {failure.model_id: failure.failed_reason for failure in response.failure_list}
    succeeded = {success.model_id for success in response.success_list}
    results = []
    for update in updates:
        model_id = int(update.external_variant_id or NO_MODEL)
        ok = model_id in succeeded and model_id not in failed
        reason = failed.get(model_id, "" if ok else "not confirmed by Shopee")
        results.append(
            StockUpdateResult(
                external_item_id=update.external_item_id,
                external_variant_id=update.external_variant_id,
                quantity=update.quantity,
                ok=ok,
                error_code=None if ok else "stock.rejected",
                error_message=None if ok else reason,
            )
        )
    return results


def to_channel_stock(item: ChannelItem) -> list[ChannelStock]:
    """Read-back rows: one per variant, or one for an item without variants."""
    if not item.variants:
        return [
            ChannelStock(
                external_item_id=item.external_item_id,
                channel_sku=item.channel_sku,
                quantity=item.stock or 0,
            )
        ]
    return [
        ChannelStock(
            external_item_id=item.external_item_id,
            external_variant_id=variant.external_variant_id,
            channel_sku=variant.channel_sku,
            quantity=variant.stock or 0,
            reserved=variant.reserved,
        )
        for variant in item.variants
    ]
