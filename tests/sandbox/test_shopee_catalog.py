"""Catalog APIs: taxonomy, item and model reads, publishing, and stock pushes read back."""

from __future__ import annotations

from typing import Any

from .conftest import ShopeeCaller, sku_ids

MODELS = "/api/v2/product/get_model_list"
BASE_INFO = "/api/v2/product/get_item_base_info"
UPDATE_STOCK = "/api/v2/product/update_stock"


def model_stock(shopee: ShopeeCaller, item_id: int, model_id: int) -> int:
    models = shopee.get(MODELS, item_id=item_id).json()["response"]["model"]
    [model] = [m for m in models if m["model_id"] == model_id]
    return model["stock_info_v2"]["seller_stock"][0]["stock"]


def test_update_stock_is_visible_in_model_list_and_in_the_push_history(
    shopee: ShopeeCaller, demo: dict[str, Any]
):
    item_id, black = sku_ids(demo, "DEMO-CASE-BLK")
    _, white = sku_ids(demo, "DEMO-CASE-WHT")
    body = {
        "item_id": item_id,
        "stock_list": [
            {"model_id": black, "seller_stock": [{"stock": 7}]},
            {"model_id": white, "seller_stock": [{"location_id": "SGZ", "stock": 0}]},
        ],
    }
    answer = shopee.post(UPDATE_STOCK, body).json()
    assert answer["error"] == ""
    assert answer["response"]["failure_list"] == []
    assert answer["response"]["success_list"] == [
        {"model_id": black, "location_id": "SGZ", "stock": 7},
        {"model_id": white, "location_id": "SGZ", "stock": 0},
    ]
    assert model_stock(shopee, item_id, black) == 7
    assert model_stock(shopee, item_id, white) == 0
    history = shopee.sim.stock_updates(shopee.shop_id)
    assert [(h["model_id"], h["requested_stock"], h["success"]) for h in history] == [
        (black, 7, True),
        (white, 0, True),
    ]


def test_item_without_models_takes_model_id_zero_and_reads_back_in_base_info(
    shopee: ShopeeCaller, demo: dict[str, Any]
):
    item_id, _ = sku_ids(demo, "DEMO-MUG")
    body = {"item_id": item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 3}]}]}
    assert shopee.post(UPDATE_STOCK, body).json()["response"]["success_list"][0]["stock"] == 3
    info = shopee.get(BASE_INFO, item_id_list=str(item_id)).json()["response"]["item_list"][0]
    assert info["has_model"] is False
    assert info["stock_info_v2"]["seller_stock"][0]["stock"] == 3
    assert info["item_sku"] == "DEMO-MUG"


def test_a_model_below_reserved_stock_fails_alone(shopee: ShopeeCaller, demo: dict[str, Any]):
    item_id, small = sku_ids(demo, "DEMO-TEE-S")
    _, medium = sku_ids(demo, "DEMO-TEE-M")
    shopee.sim.set_stock(item_id, 10, model_id=small, reserved=5)
    body = {
        "item_id": item_id,
        "stock_list": [
            {"model_id": small, "seller_stock": [{"stock": 4}]},
            {"model_id": medium, "seller_stock": [{"stock": 9}]},
            {"model_id": 999, "seller_stock": [{"stock": 1}]},
        ],
    }
    response = shopee.post(UPDATE_STOCK, body).json()["response"]
    assert response["failure_list"] == [
        {
            "model_id": small,
            "failed_reason": "Can not update item with stock less than reserved stock",
        },
        {"model_id": 999, "failed_reason": "Wrong model_id."},
    ]
    assert [entry["model_id"] for entry in response["success_list"]] == [medium]
    assert model_stock(shopee, item_id, small) == 10
    assert model_stock(shopee, item_id, medium) == 9


def test_update_stock_for_an_unknown_item_or_oversized_batch_is_refused(
    shopee: ShopeeCaller, demo: dict[str, Any]
):
    unknown = {"item_id": 1, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 1}]}]}
    assert shopee.post(UPDATE_STOCK, unknown).json()["error"] == "error_item_not_found"
    item_id, model_id = sku_ids(demo, "DEMO-TEE-S")
    too_many = {
        "item_id": item_id,
        "stock_list": [{"model_id": model_id, "seller_stock": [{"stock": 1}]}] * 51,
    }
    assert shopee.post(UPDATE_STOCK, too_many).json()["error"] == "error_param"


def test_item_list_pages_by_offset_and_filters_by_status(
    shopee: ShopeeCaller, demo: dict[str, Any]
):
    path = "/api/v2/product/get_item_list"
    first = shopee.get(path, offset=0, page_size=3, item_status="NORMAL").json()["response"]
    assert (
        first["total_count"] == 4 and first["has_next_page"] is True and first["next_offset"] == 3
    )
    second = shopee.get(path, offset=3, page_size=3, item_status="NORMAL").json()["response"]
    assert second["has_next_page"] is False
    ids = [i["item_id"] for i in first["item"] + second["item"]]
    assert sorted(ids) == sorted(item["item_id"] for item in demo["items"])

    mug, _ = sku_ids(demo, "DEMO-MUG")
    unlisted = shopee.post(
        "/api/v2/product/unlist_item", {"item_list": [{"item_id": mug, "unlist": True}]}
    ).json()
    assert unlisted["response"]["success_list"] == [{"item_id": mug, "unlist": True}]
    listing = shopee.http.get(
        path,
        params=[*shopee.common(path).items(), ("offset", 0), ("page_size", 10),
                ("item_status", "UNLIST"), ("item_status", "BANNED")],
    )  # fmt: skip
    assert [i["item_id"] for i in listing.json()["response"]["item"]] == [mug]
    assert shopee.get(path, offset=0, page_size=10).json()["error"] == "error_param"


def test_base_info_refuses_more_than_fifty_ids(shopee: ShopeeCaller):
    ids = ",".join(str(n) for n in range(1, 52))
    assert shopee.get(BASE_INFO, item_id_list=ids).json()["error"] == "error_param"


def test_categories_and_attribute_trees(shopee: ShopeeCaller):
    categories = shopee.get("/api/v2/product/get_category").json()["response"]["category_list"]
    leaf = next(c for c in categories if c["original_category_name"] == "T-Shirts")
    assert leaf["has_children"] is False
    trees = shopee.get(
        "/api/v2/product/get_attribute_tree", category_id_list=str(leaf["category_id"])
    ).json()["response"]["list"]
    names = {node["name"]: node for node in trees[0]["attribute_tree"]}
    assert names["Brand"]["mandatory"] is True
    assert {"value_id": 2, "name": "Omni"}.items() <= names["Brand"]["attribute_value_list"][
        1
    ].items()


def new_item_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "original_price": 19.9,
        "description": "A mug made for tests",
        "weight": 0.4,
        "item_name": "Test Mug",
        "item_sku": "NEW-MUG",
        "category_id": 100_030,
        "image": {"image_id_list": ["img-1"]},
        "logistic_info": [{"logistic_id": 18025, "enabled": True}],
        "attribute_list": [{"attribute_id": 100_010, "attribute_value_list": [{"value_id": 2}]}],
        "seller_stock": [{"stock": 12}],
    }
    return {**body, **overrides}


def test_publish_an_item_with_variations_and_read_it_back(shopee: ShopeeCaller):
    added = shopee.post("/api/v2/product/add_item", new_item_body()).json()
    assert added["error"] == ""
    item_id = added["response"]["item_id"]
    assert added["response"]["item_status"] == "NORMAL"

    variations = {
        "item_id": item_id,
        "standardise_tier_variation": [
            {
                "variation_id": 0,
                "variation_name": "Colour",
                "variation_option_list": [
                    {"variation_option_id": 0, "variation_option_name": "Red"},
                    {"variation_option_id": 0, "variation_option_name": "Blue"},
                ],
            }
        ],
        "model": [
            {"tier_index": [0], "model_sku": "NEW-MUG-R", "original_price": 19.9,
             "seller_stock": [{"stock": 4}]},
            {"tier_index": [1], "model_sku": "NEW-MUG-B", "original_price": 21.0,
             "seller_stock": [{"stock": 6}]},
        ],
    }  # fmt: skip
    tiered = shopee.post("/api/v2/product/init_tier_variation", variations).json()
    assert tiered["error"] == ""
    models = shopee.get(MODELS, item_id=item_id).json()["response"]
    assert models["tier_variation"][0]["option_list"][1]["option"] == "Blue"
    assert {
        m["model_sku"]: m["stock_info_v2"]["seller_stock"][0]["stock"] for m in models["model"]
    } == {
        "NEW-MUG-R": 4,
        "NEW-MUG-B": 6,
    }
    again = shopee.post("/api/v2/product/init_tier_variation", variations).json()
    assert again["error"] == "error_param"

    updated = shopee.post(
        "/api/v2/product/update_item", {"item_id": item_id, "item_name": "Renamed Mug"}
    ).json()
    assert updated["response"]["item_name"] == "Renamed Mug"
    info = shopee.get(BASE_INFO, item_id_list=str(item_id)).json()["response"]["item_list"][0]
    assert info["item_name"] == "Renamed Mug" and info["has_model"] is True


def test_publishing_checks_category_and_mandatory_attributes(shopee: ShopeeCaller):
    path = "/api/v2/product/add_item"
    parent = shopee.post(path, new_item_body(category_id=100_002)).json()
    assert parent["error"] == "error_invalid_category"
    no_brand = shopee.post(path, new_item_body(attribute_list=[])).json()
    assert no_brand["error"] == "error_invalid_attribute"
    no_name = shopee.post(path, {k: v for k, v in new_item_body().items() if k != "item_name"})
    assert no_name.json()["error"] == "error_param"
