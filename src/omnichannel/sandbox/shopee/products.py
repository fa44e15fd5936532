"""Catalog APIs: categories and attributes, item and model reads, publishing, stock.

Stock semantics: ``seller_stock[].stock`` is what the seller set minus what paid orders
took; ``total_reserved_stock`` is promotion-reserved stock, and ``update_stock`` refuses a
model whose new stock would fall below it ("Can not update item with stock less than
reserved stock") while the other models of the same call still succeed.
"""

from __future__ import annotations

from typing import Any

from omnichannel.sandbox.shopee.envelope import Reply, ShopeeError, param_error
from omnichannel.sandbox.shopee.gateway import SHOP, Api, Call, int_param
from omnichannel.sandbox.shopee.orders import comma_list
from omnichannel.sandbox.shopee.state import ITEM_STATUSES, Item, Model, StockUpdate

MAX_ITEM_BATCH = 50
MAX_STOCK_BATCH = 50
MAX_CATEGORY_BATCH = 20
RESERVED_STOCK_REASON = "Can not update item with stock less than reserved stock"


def get_category(call: Call) -> Reply:
    return Reply({"category_list": list(call.sim.state.categories)}, warning="")


def get_attribute_tree(call: Call) -> Reply:
    """Attribute trees for up to 20 categories."""
    ids = comma_list(call.params().get("category_id_list"))
    if not 1 <= len(ids) <= MAX_CATEGORY_BATCH:
        raise param_error("category_id_list should contain between 1 and 20 ids")
    result = []
    for text in ids:
        category_id = int_param(text, "category_id_list")
        assert category_id is not None
        tree = call.sim.state.attributes.get(category_id, [])
        result.append({"category_id": category_id, "attribute_tree": tree})
    return Reply({"list": result}, warning="")


def shop_item(call: Call, item_id: Any) -> Item:
    """The item ``item_id`` of the calling shop, or ``error_item_not_found``."""
    number = int_param(item_id, "item_id")
    item = call.sim.state.items.get(number or 0)
    if item is None or item.shop_id != call.shop_id:
        raise ShopeeError("error_item_not_found", "Item_id is not found.")
    return item


def get_item_list(call: Call) -> Reply:
    """Offset paging (``offset``, ``page_size`` ≤ 100) filtered by repeated ``item_status``."""
    request = call.request
    offset = int_param(request.arg("offset"), "offset")
    page_size = int_param(request.arg("page_size"), "page_size")
    assert offset is not None and page_size is not None
    if not 1 <= page_size <= 100:
        raise param_error("page_size should be between 1 and 100")
    statuses = [s for value in request.args("item_status") for s in comma_list(value)]
    if not statuses:
        raise param_error("item_status is required")
    if unknown := set(statuses) - set(ITEM_STATUSES):
        raise param_error(f"item_status {sorted(unknown)} is invalid")
    update_from = int_param(request.arg("update_time_from"), "update_time_from", required=False)
    update_to = int_param(request.arg("update_time_to"), "update_time_to", required=False)
    items = sorted(
        (
            item
            for item in call.sim.state.items_of_shop(call.shop_id)
            if item.item_status in statuses
            and (update_from is None or item.update_time >= update_from)
            and (update_to is None or item.update_time <= update_to)
        ),
        key=lambda item: item.item_id,
    )
    page = items[offset : offset + page_size]
    has_next = offset + page_size < len(items)
    return Reply(
        {
            "item": [
                {
                    "item_id": item.item_id,
                    "item_status": item.item_status,
                    "update_time": item.update_time,
                    "tag": {"kit": False},
                }
                for item in page
            ],
            "total_count": len(items),
            "has_next_page": has_next,
            "next_offset": offset + page_size if has_next else 0,
        },
        warning="",
    )


def stock_info(call: Call, holder: Item | Model) -> dict[str, Any]:
    """``stock_info_v2`` for an item without models or for one model."""
    location = call.sim.state.shops[call.shop_id].location_id
    return {
        "summary_info": {
            "total_reserved_stock": holder.reserved,
            "total_available_stock": holder.stock,
        },
        "seller_stock": [{"location_id": location, "stock": holder.stock, "if_saleable": True}],
        "shopee_stock": [],
    }


def price_info(call: Call, price: float) -> list[dict[str, Any]]:
    currency = call.sim.state.shops[call.shop_id].currency
    return [
        {
            "currency": currency,
            "original_price": price,
            "current_price": price,
            "inflated_price_of_original_price": price,
            "inflated_price_of_current_price": price,
        }
    ]


def item_base_info(call: Call, item: Item) -> dict[str, Any]:
    info: dict[str, Any] = {
        "item_id": item.item_id,
        "category_id": item.category_id,
        "item_name": item.item_name,
        "description": item.description,
        "item_sku": item.item_sku,
        "create_time": item.create_time,
        "update_time": item.update_time,
        "attribute_list": item.attribute_list,
        "image": {
            "image_url_list": [
                f"https://sandbox.shopee.local/file/{i}" for i in item.image_id_list
            ],
            "image_id_list": list(item.image_id_list),
        },
        "weight": f"{item.weight:g}",
        "dimension": dict(item.dimension),
        "logistic_info": item.logistic_info,
        "pre_order": {"is_pre_order": False, "days_to_ship": item.days_to_ship},
        "condition": item.condition,
        "item_status": item.item_status,
        "has_model": item.has_model,
        "brand": dict(item.brand),
        "item_dangerous": 0,
        "description_type": "normal",
    }
    if not item.has_model:
        info["price_info"] = price_info(call, item.price)
        info["stock_info_v2"] = stock_info(call, item)
    return info


def get_item_base_info(call: Call) -> Reply:
    """Up to 50 items of the shop; unknown ids are skipped with a warning."""
    ids = [part for value in call.request.args("item_id_list") for part in comma_list(value)]
    if not 1 <= len(ids) <= MAX_ITEM_BATCH:
        raise param_error("item_id_list should contain between 1 and 50 ids")
    found, missing = [], []
    for text in ids:
        item = call.sim.state.items.get(int_param(text, "item_id_list") or 0)
        if item is None or item.shop_id != call.shop_id:
            missing.append(text)
        else:
            found.append(item_base_info(call, item))
    warning = f"item_id {','.join(missing)} not found" if missing else ""
    return Reply({"item_list": found}, warning=warning)


def model_info(call: Call, model: Model) -> dict[str, Any]:
    return {
        "model_id": model.model_id,
        "tier_index": list(model.tier_index),
        "promotion_id": 0,
        "has_promotion": False,
        "model_sku": model.model_sku,
        "model_status": model.status,
        "price_info": price_info(call, model.price),
        "stock_info_v2": stock_info(call, model),
        "pre_order": {"is_pre_order": False, "days_to_ship": 2},
        "gtin_code": "",
    }


def get_model_list(call: Call) -> Reply:
    item = shop_item(call, call.params().get("item_id"))
    return Reply(
        {
            "tier_variation": item.tier_variation,
            "model": [model_info(call, model) for model in item.models.values()],
            "standardise_tier_variation": [],
        },
        warning="",
    )


def update_stock(call: Call) -> Reply:
    """One item, 1–50 models; each model succeeds or fails on its own."""
    params = call.params()
    item = shop_item(call, params.get("item_id"))
    stock_list = params.get("stock_list")
    if not isinstance(stock_list, list) or not 1 <= len(stock_list) <= MAX_STOCK_BATCH:
        raise param_error("stock_list length should be between 1 and 50")
    shop = call.sim.state.shops[call.shop_id]
    now = call.sim.clock.timestamp()
    successes, failures = [], []
    for entry in stock_list:
        model_id = int_param(entry.get("model_id", 0), "model_id") or 0
        seller_stock = entry.get("seller_stock")
        if not isinstance(seller_stock, list) or not seller_stock:
            raise param_error("seller_stock is required")
        location = seller_stock[0].get("location_id")
        stock = int_param(seller_stock[0].get("stock"), "stock")
        assert stock is not None
        holder: Item | Model | None = item.models.get(model_id) if model_id else None
        reason = ""
        if model_id and holder is None:
            reason = "Wrong model_id."
        elif not model_id and item.has_model:
            reason = "Can't to edit item stock directly while item has models."
        elif location not in (None, "", shop.location_id):
            reason = (
                "The location_id input is not matched the shop's location_id(more/wrong). "
                "Please double check."
            )
        elif stock < 0:
            reason = "Stock should not be negative."
        else:
            holder = holder or item
            if stock < holder.reserved:
                reason = RESERVED_STOCK_REASON
        call.sim.state.stock_updates.append(
            StockUpdate(
                now, call.shop_id, item.item_id, model_id, stock, location, not reason, reason
            )
        )
        if reason:
            failures.append({"model_id": model_id, "failed_reason": reason})
            continue
        assert holder is not None
        holder.stock = stock
        successes.append({"model_id": model_id, "location_id": shop.location_id, "stock": stock})
    if successes:
        item.update_time = now
    return Reply({"failure_list": failures, "success_list": successes}, warning="")


APIS = [
    Api("GET", "/api/v2/product/get_category", SHOP, get_category),
    Api("GET", "/api/v2/product/get_attribute_tree", SHOP, get_attribute_tree),
    Api("GET", "/api/v2/product/get_item_list", SHOP, get_item_list),
    Api("GET", "/api/v2/product/get_item_base_info", SHOP, get_item_base_info),
    Api("GET", "/api/v2/product/get_model_list", SHOP, get_model_list),
    Api("POST", "/api/v2/product/update_stock", SHOP, update_stock),
]
