"""Shopee catalog: categories and attributes, items with their models as channel items,
and the add_item / init_tier_variation bodies of a listing draft."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from omnichannel.connectors.shopee import schemas
from omnichannel.connectors.shopee.mapping.common import from_timestamp, none_if_blank
from omnichannel.unified.catalog import (
    Attribute,
    AttributeValue,
    Category,
    ChannelItem,
    ChannelVariant,
    ListingDraft,
    ListingStatus,
)


def to_category(entry: schemas.CategoryEntry) -> Category:
    return Category(
        id=str(entry.category_id),
        parent_id=str(entry.parent_category_id) if entry.parent_category_id else None,
        name=entry.display_category_name or entry.original_category_name,
        has_children=entry.has_children,
        channel_data=entry.extras(),
    )


def to_attribute(entry: schemas.AttributeEntry) -> Attribute:
    input_type = entry.attribute_info.get("input_type")
    return Attribute(
        id=str(entry.attribute_id),
        name=entry.name,
        mandatory=entry.mandatory,
        input_type=str(input_type) if input_type is not None else None,
        values=[
            AttributeValue(id=str(v.value_id), name=v.name, unit=none_if_blank(v.value_unit))
            for v in entry.attribute_value_list
        ],
        channel_data={**entry.extras(), "attribute_info": entry.attribute_info},
    )


def _listing_status(item_status: str) -> ListingStatus:
    return {
        "NORMAL": ListingStatus.ACTIVE,
        "UNLIST": ListingStatus.INACTIVE,
        "BANNED": ListingStatus.BANNED,
        "REVIEWING": ListingStatus.REVIEWING,
        "SELLER_DELETE": ListingStatus.DELETED,
        "SHOPEE_DELETE": ListingStatus.DELETED,
    }.get(item_status, ListingStatus.INACTIVE)


def _seller_stock(stock: schemas.StockInfo | None) -> tuple[int | None, int | None]:
    """(quantity we set, reserved) from stock_info_v2; the sum over seller locations."""
    if stock is None:
        return None, None
    quantity = sum(entry.stock for entry in stock.seller_stock)
    return quantity, stock.summary_info.total_reserved_stock


def _variant_name(model: schemas.Model, tiers: Sequence[schemas.TierVariation]) -> str | None:
    options = [
        tiers[tier].option_list[index].option
        for tier, index in enumerate(model.tier_index)
        if tier < len(tiers) and index < len(tiers[tier].option_list)
    ]
    return ",".join(options) or None


def to_channel_item(
    base: schemas.ItemBaseInfo, models: schemas.ModelList | None = None
) -> ChannelItem:
    """An item (get_item_base_info) with its models (get_model_list) as one listing."""
    price = base.price_info[0] if base.price_info else None
    quantity, _ = _seller_stock(base.stock_info_v2)
    variants = []
    for model in models.model if models else []:
        model_price = model.price_info[0] if model.price_info else None
        model_quantity, reserved = _seller_stock(model.stock_info_v2)
        variants.append(
            ChannelVariant(
                external_variant_id=str(model.model_id),
                channel_sku=none_if_blank(model.model_sku),
                name=_variant_name(model, models.tier_variation),
                price=model_price.current_price if model_price else None,
                currency=model_price.currency if model_price else None,
                stock=model_quantity,
                reserved=reserved,
                status=(
                    ListingStatus.ACTIVE
                    if model.model_status == "MODEL_NORMAL"
                    else ListingStatus.INACTIVE
                ),
                channel_data=model.extras(),
            )
        )
    return ChannelItem(
        external_item_id=str(base.item_id),
        channel_sku=none_if_blank(base.item_sku),
        name=base.item_name,
        description=base.description,
        status=_listing_status(base.item_status),
        channel_status=base.item_status,
        category_id=str(base.category_id) if base.category_id else None,
        attributes={
            str(a.attribute_id): [v.original_value_name for v in a.attribute_value_list]
            for a in base.attribute_list
        },
        images=base.image.image_url_list if base.image else [],
        price=price.current_price if price else None,
        currency=price.currency if price else None,
        stock=quantity,
        weight_g=int(base.weight * 1000) if base.weight is not None else None,
        updated_at=from_timestamp(base.update_time),
        variants=variants,
        channel_data=base.extras(),
    )


def add_item_payload(draft: ListingDraft) -> dict[str, Any]:
    """add_item body. Shopee wants kg and an image id list; logistic_info comes from the
    draft's channel_data because it depends on the shop's enabled channels."""
    product = draft.product
    body: dict[str, Any] = {
        "item_name": product.name,
        "description": product.description,
        "item_sku": product.sku,
        "original_price": draft.price,
        "category_id": int(draft.category_id),
        "weight": Decimal(product.weight_g or 0) / 1000,
        "image": {"image_id_list": draft.image_ids},
        "item_status": "NORMAL" if draft.active else "UNLIST",
        "seller_stock": [{"stock": draft.quantity}],
        "attribute_list": [
            {"attribute_id": int(attribute_id), "attribute_value_list": _attribute_values(values)}
            for attribute_id, values in draft.attributes.items()
        ],
        **draft.channel_data,
    }
    if product.length_mm and product.width_mm and product.height_mm:
        body["dimension"] = {
            "package_length": _cm(product.length_mm),
            "package_width": _cm(product.width_mm),
            "package_height": _cm(product.height_mm),
        }
    return body


def update_item_payload(item_id: int, draft: ListingDraft) -> dict[str, Any]:
    """update_item body: the draft's content only. Stock moves through update_stock, the
    price through update_price, and listed/unlisted through unlist_item, so a content
    update never relists an item or overwrites what buyers see in stock."""
    body = add_item_payload(draft)
    for owned_elsewhere in ("seller_stock", "original_price", "item_status"):
        body.pop(owned_elsewhere)
    return {"item_id": item_id, **body}


def update_price_payload(
    item_id: int, draft: ListingDraft, model_ids_by_sku: dict[str, int]
) -> dict[str, Any]:
    """update_price body. Variants are priced by their SKU's model; a draft without
    variants prices the item (model 0), or every model of an item that has them."""
    if draft.variants:
        prices = [(model_ids_by_sku[v.sku], v.price) for v in draft.variants]
    elif model_ids_by_sku:
        prices = [(model_id, draft.price) for model_id in model_ids_by_sku.values()]
    else:
        prices = [(0, draft.price)]
    return {
        "item_id": item_id,
        "price_list": [
            {"model_id": model_id, "original_price": price} for model_id, price in prices
        ],
    }


def _cm(millimetres: int) -> int:
    return max(1, round(millimetres / 10))


def _attribute_values(values: list[str]) -> list[dict[str, Any]]:
    """Numeric values are Shopee value ids; anything else is free text (value_id 0)."""
    return [
        {"value_id": int(value)}
        if value.isdigit()
        else {"value_id": 0, "original_value_name": value}
        for value in values
    ]


def init_tier_variation_payload(item_id: int, draft: ListingDraft) -> dict[str, Any]:
    """One tier whose options are the draft's variants, one model per option."""
    return {
        "item_id": item_id,
        "tier_variation": [
            {
                "name": draft.variant_tier_name,
                "option_list": [{"option": variant.option} for variant in draft.variants],
            }
        ],
        "model": [
            {
                "tier_index": [index],
                "original_price": variant.price,
                "model_sku": variant.sku,
                "seller_stock": [{"stock": variant.quantity}],
            }
            for index, variant in enumerate(draft.variants)
        ],
    }
