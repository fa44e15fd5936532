"""Shopee catalog: the category tree and attributes, reading items, publishing them.

Reads use the ``bulk`` lane so a full catalog pull never delays a stock push.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from omnichannel.connectors.base import CatalogReading, Publishing, chunked
from omnichannel.connectors.errors import InvalidRequest
from omnichannel.connectors.shopee import mapping, schemas
from omnichannel.connectors.shopee.client import (
    BULK,
    PAGE_SIZE,
    ShopeeClient,
    csv,
    json_ready,
)
from omnichannel.connectors.transport import Transport
from omnichannel.unified.catalog import (
    Attribute,
    Category,
    ChannelItem,
    ListingDraft,
    PublishResult,
)

ITEM_DETAIL_BATCH = 50  # get_item_base_info takes up to 50 ids
ATTRIBUTE_BATCH = 20  # get_attribute_tree takes up to 20 category ids


def fetch_items(
    client: ShopeeClient, item_ids: Sequence[int | str], lane: str
) -> list[ChannelItem]:
    """Items in full (base info, then the models of each item that has them)."""
    raw = client.call(
        "GET",
        "/api/v2/product/get_item_base_info",
        family="catalog",
        lane=lane,
        params=[("item_id_list", csv(item_ids))],
    )
    items = []
    for base in schemas.ItemBaseInfoResponse.model_validate(raw).item_list:
        models = _models(client, base.item_id, lane) if base.has_model else None
        items.append(mapping.to_channel_item(base, models))
    return items


def _models(client: ShopeeClient, item_id: int, lane: str) -> schemas.ModelList:
    raw = client.call(
        "GET",
        "/api/v2/product/get_model_list",
        family="catalog",
        lane=lane,
        params=[("item_id", item_id)],
    )
    return schemas.ModelList.model_validate(raw)


class ShopeeCatalogReading(CatalogReading):
    transport: Transport
    client: ShopeeClient

    def categories(self) -> list[Category]:
        raw = self.client.call(
            "GET",
            "/api/v2/product/get_category",
            family="catalog",
            lane=BULK,
            params=[("language", "en")],
        )
        return [
            mapping.to_category(schemas.CategoryEntry.model_validate(entry))
            for entry in raw.get("category_list", [])
        ]

    def attributes(self, category_ids: Sequence[str]) -> dict[str, list[Attribute]]:
        """get_attribute_tree, ``ATTRIBUTE_BATCH`` categories a call."""
        found: dict[str, list[Attribute]] = {str(category_id): [] for category_id in category_ids}
        for batch in chunked(list(found), ATTRIBUTE_BATCH):
            raw = self.client.call(
                "GET",
                "/api/v2/product/get_attribute_tree",
                family="catalog",
                lane=BULK,
                params=[("category_id_list", csv(batch)), ("language", "en")],
            )
            for entry in raw.get("list", []):
                tree = schemas.CategoryAttributes.model_validate(entry)
                if str(tree.category_id) in found:
                    found[str(tree.category_id)] = [
                        mapping.to_attribute(a) for a in tree.attribute_tree
                    ]
        return found

    def iter_items(self, updated_since: datetime | None = None) -> Iterator[ChannelItem]:
        """get_item_list (offset pages) → get_item_base_info (≤50) → get_model_list."""
        for item_ids in chunked(self._iter_item_ids(updated_since), ITEM_DETAIL_BATCH):
            yield from fetch_items(self.client, item_ids, lane=BULK)

    def _iter_item_ids(self, updated_since: datetime | None) -> Iterator[int]:
        offset = 0
        while True:
            params: list[tuple[str, object]] = [("offset", offset), ("page_size", PAGE_SIZE)]
            params += [("item_status", status) for status in ("NORMAL", "UNLIST")]
            if updated_since is not None:
                params += [
                    ("update_time_from", mapping.to_timestamp(updated_since)),
                    ("update_time_to", mapping.to_timestamp(self.transport.clock())),
                ]
            raw = self.client.call(
                "GET", "/api/v2/product/get_item_list", family="catalog", lane=BULK, params=params
            )
            page = schemas.ItemListPage.model_validate(raw)
            yield from (entry.item_id for entry in page.item)
            if not page.has_next_page or not page.item:
                return
            offset = page.next_offset


class ShopeePublishing(Publishing):
    client: ShopeeClient

    def publish(self, draft: ListingDraft) -> PublishResult:
        raw = self.client.call(
            "POST",
            "/api/v2/product/add_item",
            family="catalog",
            body=json_ready(mapping.add_item_payload(draft)),
        )
        item_id = int(raw["item_id"])
        variant_ids: dict[str, str] = {}
        if draft.variants:
            tiers = self.client.call(
                "POST",
                "/api/v2/product/init_tier_variation",
                family="catalog",
                body=json_ready(mapping.init_tier_variation_payload(item_id, draft)),
            )
            variant_ids = {
                model["model_sku"]: str(model["model_id"])
                for model in tiers.get("model", [])
                if model.get("model_sku")
            }
        return PublishResult(external_item_id=str(item_id), variant_ids_by_sku=variant_ids)

    def update(self, external_item_id: str, draft: ListingDraft) -> PublishResult:
        """update_item with the content, then update_price: Shopee keeps prices apart.

        Variants are matched to the item's models by SKU; one the item lacks is refused
        before anything changes (adding variants is a tier change, not an update).
        """
        item_id = int(external_item_id)
        model_ids = {
            model.model_sku: model.model_id
            for model in _models(self.client, item_id, "default").model
        }
        unknown = sorted(v.sku for v in draft.variants if v.sku not in model_ids)
        if unknown:
            raise InvalidRequest(f"item {item_id} has no model with SKU {', '.join(unknown)}")
        self.client.call(
            "POST",
            "/api/v2/product/update_item",
            family="catalog",
            body=json_ready(mapping.update_item_payload(item_id, draft)),
            safe_to_retry=True,  # setting the same content twice is harmless
        )
        raw = self.client.call(
            "POST",
            "/api/v2/product/update_price",
            family="catalog",
            body=json_ready(mapping.update_price_payload(item_id, draft, model_ids)),
            safe_to_retry=True,  # absolute prices
        )
        for failure in raw.get("failure_list", []):
            raise InvalidRequest(failure.get("failed_reason", "price refused"))
        return PublishResult(
            external_item_id=external_item_id,
            variant_ids_by_sku={v.sku: str(model_ids[v.sku]) for v in draft.variants},
        )

    def set_active(self, external_item_id: str, active: bool) -> None:
        raw = self.client.call(
            "POST",
            "/api/v2/product/unlist_item",
            family="catalog",
            safe_to_retry=True,
            body={"item_list": [{"item_id": int(external_item_id), "unlist": not active}]},
        )
        for failure in raw.get("failure_list", []):
            raise InvalidRequest(failure.get("failed_reason", "unlist refused"))
