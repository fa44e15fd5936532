"""Publishing APIs: ``add_item``, ``init_tier_variation``, ``update_item``, ``update_price``,
``unlist_item``.

As on Shopee, an item is created without variations; its models come from a following
``init_tier_variation`` call (which is refused once the item has models).
"""

from __future__ import annotations

from typing import Any

from omnichannel.sandbox.shopee.envelope import Reply, ShopeeError, param_error
from omnichannel.sandbox.shopee.gateway import SHOP, Api, Call, int_param
from omnichannel.sandbox.shopee.products import item_base_info, shop_item
from omnichannel.sandbox.shopee.state import Item, Model

REQUIRED_ADD_FIELDS = (
    "original_price", "description", "weight", "item_name", "logistic_info", "category_id", "image",
)  # fmt: skip
MAX_MODELS = 50


def _check_category(call: Call, category_id: Any) -> int:
    number = int_param(category_id, "category_id")
    known = {entry["category_id"]: entry for entry in call.sim.state.categories}
    entry = known.get(number)
    if entry is None or entry["has_children"]:
        raise ShopeeError("error_invalid_category", f"Invalid category ID {number}")
    assert number is not None
    return number


def _check_attributes(call: Call, category_id: int, attributes: list[dict[str, Any]]) -> None:
    """Mandatory attributes present; chosen ``value_id`` (≠ 0) known for the attribute."""
    tree = {node["attribute_id"]: node for node in call.sim.state.attributes.get(category_id, [])}
    given = {int(entry.get("attribute_id", 0)): entry for entry in attributes}
    for attribute_id, node in tree.items():
        if node.get("mandatory") and not given.get(attribute_id, {}).get("attribute_value_list"):
            raise ShopeeError("error_invalid_attribute", "Mandatory attribute information required")
    for attribute_id, entry in given.items():
        node = tree.get(attribute_id)
        if node is None:
            raise ShopeeError(
                "error_invalid_category_attribute", "Category and attribute not match."
            )
        known_values = {value["value_id"] for value in node.get("attribute_value_list", [])}
        for value in entry.get("attribute_value_list", []):
            value_id = int(value.get("value_id", 0))
            if value_id and value_id not in known_values:
                raise ShopeeError("error_invalid_attribute_value", "Invalid attribute value.")
            if not value_id and not value.get("original_value_name"):
                raise param_error("original_value_name is required when value_id is 0")


def _price(value: Any) -> float:
    try:
        price = float(value)
    except (TypeError, ValueError):
        price = 0.0
    if price <= 0:
        raise ShopeeError("error_invalid_price", "Invalid price, please use the correct format")
    return price


def _images(value: Any) -> list[str]:
    ids = value.get("image_id_list") if isinstance(value, dict) else None
    if not ids:
        raise param_error("image.image_id_list is required")
    return [str(image_id) for image_id in ids]


def _stock(value: Any) -> int:
    if not value:
        return 0
    stock = int_param(value[0].get("stock"), "seller_stock.stock") or 0
    if stock < 0:
        raise param_error("stock should not be negative")
    return stock


def _reply_for(call: Call, item: Item) -> Reply:
    info = item_base_info(call, item)
    info["images"] = info.pop("image")
    info["price_info"] = {"original_price": item.price, "current_price": item.price}
    info["attribute"] = info.pop("attribute_list")
    info["seller_stock"] = [
        {"location_id": call.sim.state.shops[call.shop_id].location_id, "stock": item.stock}
    ]
    return Reply(info, warning="")


def add_item(call: Call) -> Reply:
    """Create a listing in the calling shop."""
    params = call.params()
    for name in REQUIRED_ADD_FIELDS:
        if params.get(name) in (None, "", []):
            raise param_error(f"{name} is required")
    if not str(params["item_name"]).strip():
        raise ShopeeError("error_item_name_empty", "Item name could not be empty.")
    category_id = _check_category(call, params["category_id"])
    attributes = params.get("attribute_list") or []
    _check_attributes(call, category_id, attributes)
    status = params.get("item_status") or "NORMAL"
    if status not in ("NORMAL", "UNLIST"):
        raise param_error("item_status should be NORMAL or UNLIST")
    now = call.sim.clock.timestamp()
    item = Item(
        item_id=call.sim.new_item_id(),
        shop_id=call.shop_id,
        category_id=category_id,
        item_name=str(params["item_name"]),
        description=str(params["description"]),
        item_sku=str(params.get("item_sku") or ""),
        item_status=status,
        price=_price(params["original_price"]),
        stock=_stock(params.get("seller_stock")),
        weight=float(params["weight"]),
        image_id_list=_images(params["image"]),
        attribute_list=attributes,
        logistic_info=list(params["logistic_info"]),
        condition=params.get("condition") or "NEW",
        create_time=now,
        update_time=now,
    )
    if isinstance(params.get("dimension"), dict):
        item.dimension = dict(params["dimension"])
    if isinstance(params.get("brand"), dict):
        item.brand = dict(params["brand"])
    call.sim.state.items[item.item_id] = item
    return _reply_for(call, item)


def _tiers(params: dict[str, Any]) -> Any:
    """Variations from the current ``standardise_tier_variation`` or legacy ``tier_variation``.

    Both become the ``tier_variation`` shape ``get_model_list`` returns:
    ``[{"name", "option_list": [{"option", "image"?}]}]``.
    """
    standard = params.get("standardise_tier_variation")
    if not isinstance(standard, list):
        return params.get("tier_variation")
    tiers = []
    for tier in standard:
        options = []
        for option in tier.get("variation_option_list", []):
            converted: dict[str, Any] = {"option": option.get("variation_option_name", "")}
            if option.get("image_id"):
                image_id = option["image_id"]
                converted["image"] = {
                    "image_id": image_id,
                    "image_url": f"https://sandbox.shopee.local/file/{image_id}",
                }
            options.append(converted)
        tiers.append({"name": tier.get("variation_name", ""), "option_list": options})
    return tiers


def init_tier_variation(call: Call) -> Reply:
    """Give an item without models its ``tier_variation`` and ``model`` list."""
    params = call.params()
    item = shop_item(call, params.get("item_id"))
    if item.has_model:
        raise param_error("item already has tier variation; use update_tier_variation")
    tiers = _tiers(params)
    models = params.get("model")
    if not isinstance(tiers, list) or not 1 <= len(tiers) <= 2:
        raise ShopeeError("error_param", "The level of tier-variation over 2.")
    if not isinstance(models, list) or not 1 <= len(models) <= MAX_MODELS:
        raise param_error("model should contain between 1 and 50 models")
    seen: set[tuple[int, ...]] = set()
    created: list[Model] = []
    for spec in models:
        tier_index = [int(index) for index in spec.get("tier_index", [])]
        bounds_ok = len(tier_index) == len(tiers) and all(
            0 <= index < len(tier.get("option_list", []))
            for index, tier in zip(tier_index, tiers, strict=False)
        )
        if not bounds_ok:
            raise ShopeeError("error_model_tier_index_bound", "Invalid item iter_index.")
        if tuple(tier_index) in seen:
            raise ShopeeError(
                "error_model_duplicate_tier_variation_index", "Item have duplicate tier_index."
            )
        seen.add(tuple(tier_index))
        created.append(
            Model(
                model_id=call.sim.new_model_id(),
                tier_index=tier_index,
                model_sku=str(spec.get("model_sku") or ""),
                price=_price(spec.get("original_price")),
                stock=_stock(spec.get("seller_stock")),
            )
        )
    item.tier_variation = tiers
    item.models = {model.model_id: model for model in created}
    item.stock = 0
    item.update_time = call.sim.clock.timestamp()
    location = call.sim.state.shops[call.shop_id].location_id
    return Reply(
        {
            "item_id": item.item_id,
            "tier_variation": tiers,
            "model": [
                {
                    "tier_index": model.tier_index,
                    "model_id": model.model_id,
                    "model_sku": model.model_sku,
                    "price_info": [{"original_price": model.price}],
                    "seller_stock": [{"location_id": location, "stock": model.stock}],
                }
                for model in created
            ],
        },
        warning="",
    )


def update_item(call: Call) -> Reply:
    """Change the fields given; stock and price have their own APIs, as on Shopee."""
    params = call.params()
    item = shop_item(call, params.get("item_id"))
    if item.item_status not in ("NORMAL", "UNLIST"):
        raise ShopeeError(
            "error_item_uneditable", "Can't edit this item. item status can not support editing."
        )
    if "category_id" in params:
        item.category_id = _check_category(call, params["category_id"])
    if "attribute_list" in params:
        _check_attributes(call, item.category_id, params["attribute_list"] or [])
        item.attribute_list = params["attribute_list"] or []
    if "item_name" in params:
        if not str(params["item_name"]).strip():
            raise ShopeeError("error_item_name_empty", "Item name could not be empty.")
        item.item_name = str(params["item_name"])
    if "item_status" in params:
        if params["item_status"] not in ("NORMAL", "UNLIST"):
            raise param_error("item_status should be NORMAL or UNLIST")
        item.item_status = params["item_status"]
    if "image" in params:
        item.image_id_list = _images(params["image"])
    for name in ("description", "item_sku", "condition"):
        if name in params:
            setattr(item, name, str(params[name]))
    for name in ("dimension", "brand"):
        if isinstance(params.get(name), dict):
            setattr(item, name, dict(params[name]))
    if "weight" in params:
        item.weight = float(params["weight"])
    if "logistic_info" in params:
        item.logistic_info = list(params["logistic_info"])
    item.update_time = call.sim.clock.timestamp()
    return _reply_for(call, item)


def update_price(call: Call) -> Reply:
    """``price_list[{model_id, original_price}]``, per-model results like ``update_stock``."""
    params = call.params()
    item = shop_item(call, params.get("item_id"))
    price_list = params.get("price_list")
    if not isinstance(price_list, list) or not 1 <= len(price_list) <= MAX_MODELS:
        raise param_error("price_list length should be between 1 and 50")
    successes, failures = [], []
    for entry in price_list:
        model_id = int_param(entry.get("model_id", 0), "model_id") or 0
        holder: Item | Model | None = item.models.get(model_id) if model_id else item
        if holder is None or (not model_id and item.has_model):
            failures.append({"model_id": model_id, "failed_reason": "Wrong model_id."})
            continue
        holder.price = _price(entry.get("original_price"))
        successes.append({"model_id": model_id, "original_price": holder.price})
    item.update_time = call.sim.clock.timestamp()
    return Reply({"failure_list": failures, "success_list": successes}, warning="")


def unlist_item(call: Call) -> Reply:
    """``item_list[{item_id, unlist}]`` (1–50): NORMAL ⇄ UNLIST."""
    entries = call.params().get("item_list")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_MODELS:
        raise param_error("item_list length should be between 1 and 50")
    successes, failures = [], []
    for entry in entries:
        item = call.sim.state.items.get(int_param(entry.get("item_id"), "item_id") or 0)
        if item is None or item.shop_id != call.shop_id:
            failures.append(
                {"item_id": entry.get("item_id"), "failed_reason": "Item_id is not found."}
            )
            continue
        if item.item_status not in ("NORMAL", "UNLIST"):
            failures.append({"item_id": item.item_id, "failed_reason": "Invalid item status."})
            continue
        unlist = bool(entry.get("unlist"))
        item.item_status = "UNLIST" if unlist else "NORMAL"
        item.update_time = call.sim.clock.timestamp()
        successes.append({"item_id": item.item_id, "unlist": unlist})
    return Reply({"failure_list": failures, "success_list": successes}, warning="")


APIS = [
    Api("POST", "/api/v2/product/add_item", SHOP, add_item),
    Api("POST", "/api/v2/product/init_tier_variation", SHOP, init_tier_variation),
    Api("POST", "/api/v2/product/update_item", SHOP, update_item),
    Api("POST", "/api/v2/product/update_price", SHOP, update_price),
    Api("POST", "/api/v2/product/unlist_item", SHOP, unlist_item),
]
