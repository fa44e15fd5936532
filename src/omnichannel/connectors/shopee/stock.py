"""Shopee stock: absolute pushes (update_stock, one item per call) and read-back.

Both use the ``realtime`` lane: a buyer must never see stale stock because a catalog pull
is spending the budget.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from omnichannel.connectors.base import StockReading, StockWriting, chunked
from omnichannel.connectors.errors import InvalidRequest, NotFound
from omnichannel.connectors.shopee import mapping, schemas
from omnichannel.connectors.shopee.catalog import ITEM_DETAIL_BATCH, fetch_items
from omnichannel.connectors.shopee.client import REALTIME, ShopeeClient
from omnichannel.unified.stock import ChannelStock, StockUpdate, StockUpdateResult

MAX_MODELS_PER_STOCK_CALL = 50


class ShopeeStockWriting(StockWriting):
    client: ShopeeClient
    # update_stock takes one item and up to 50 of its models per call.
    stock_batch_size = MAX_MODELS_PER_STOCK_CALL

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockUpdateResult]:
        """One update_stock per item (≤50 models each). A refusal of one item becomes failed
        results for its models; auth, rate and availability errors propagate to the drain."""
        by_item: dict[str, list[StockUpdate]] = defaultdict(list)
        for update in updates:
            by_item[update.external_item_id].append(update)
        calls = [
            (item_id, chunk)
            for item_id, item_updates in by_item.items()
            for chunk in chunked(item_updates, MAX_MODELS_PER_STOCK_CALL)
        ]
        self.client.transport.reserve("stock", REALTIME, len(calls))
        results: list[StockUpdateResult] = []
        for item_id, chunk in calls:
            results.extend(self._push_item_stock(item_id, chunk))
        return results

    def _push_item_stock(
        self, item_id: str, updates: Sequence[StockUpdate]
    ) -> list[StockUpdateResult]:
        payload = mapping.stock_update_payload(item_id, updates)
        try:
            raw = self.client.call(
                "POST",
                "/api/v2/product/update_stock",
                family="stock",
                lane=REALTIME,
                body=payload.model_dump(mode="json", exclude_none=True),
                safe_to_retry=True,  # absolute values: setting twice is the same as once
            )
        except (InvalidRequest, NotFound) as refused:
            return [
                StockUpdateResult(
                    external_item_id=u.external_item_id,
                    external_variant_id=u.external_variant_id,
                    quantity=u.quantity,
                    ok=False,
                    error_code=refused.channel_code or refused.code,
                    error_message=refused.message,
                )
                for u in updates
            ]
        response = schemas.UpdateStockResponse.model_validate(raw)
        return mapping.to_stock_results(updates, response)


class ShopeeStockReading(StockReading):
    client: ShopeeClient

    def read_stock(self, external_item_ids: Sequence[str]) -> list[ChannelStock]:
        stock: list[ChannelStock] = []
        for chunk in chunked(external_item_ids, ITEM_DETAIL_BATCH):
            for item in fetch_items(self.client, chunk, lane=REALTIME):
                stock.extend(mapping.to_channel_stock(item))
        return stock
