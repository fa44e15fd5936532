"""Our own seed data, shaped like Shopee's documented payloads (never read from docs at run time).

``install_taxonomy`` gives every simulator a small category tree and attribute trees;
``seed_demo`` adds the demo partner, shop and items with SKUs the demo and tests rely on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omnichannel.sandbox.shopee.state import ShopeeState

if TYPE_CHECKING:
    from omnichannel.sandbox.shopee.simulator import ShopeeSimulator

DEMO_PARTNER_ID = 1_000_001
DEMO_PARTNER_KEY = "73616e64626f782d73686f7065652d6b65792d666f722d6f6d6e69"
DEMO_SHOP_ID = 54_804

BRAND_ATTRIBUTE_ID = 100_010
MATERIAL_ATTRIBUTE_ID = 100_011
SIZE_ATTRIBUTE_ID = 100_012


def _category(category_id: int, parent: int, name: str, has_children: bool) -> dict[str, Any]:
    return {
        "category_id": category_id,
        "parent_category_id": parent,
        "original_category_name": name,
        "display_category_name": name,
        "has_children": has_children,
    }


def _attribute(
    attribute_id: int, name: str, mandatory: bool, values: list[tuple[int, str]]
) -> dict[str, Any]:
    return {
        "attribute_id": attribute_id,
        "mandatory": mandatory,
        "name": name,
        "attribute_value_list": [
            {"value_id": value_id, "name": value, "value_unit": "", "multi_lang": []}
            for value_id, value in values
        ],
        "attribute_info": {
            "input_type": 1,
            "input_validation_type": 0,
            "format_type": 1,
            "date_format_type": 0,
            "attribute_unit_list": [],
            "max_value_count": 1,
        },
        "multi_lang": [],
    }


def install_taxonomy(state: ShopeeState) -> None:
    """Categories (two levels, leaves are listable) and their attribute trees."""
    state.categories = [
        _category(100_001, 0, "Mobile & Gadgets", True),
        _category(100_017, 100_001, "Phone Cases", False),
        _category(100_018, 100_001, "Cables & Chargers", False),
        _category(100_002, 0, "Home & Living", True),
        _category(100_030, 100_002, "Mugs", False),
        _category(100_003, 0, "Men Clothes", True),
        _category(100_040, 100_003, "T-Shirts", False),
    ]
    brand = _attribute(BRAND_ATTRIBUTE_ID, "Brand", True, [(1, "No Brand"), (2, "Omni")])
    material = _attribute(
        MATERIAL_ATTRIBUTE_ID,
        "Material",
        False,
        [(11, "Silicone"), (12, "Ceramic"), (13, "Cotton")],
    )
    size = _attribute(SIZE_ATTRIBUTE_ID, "Size Chart", False, [(21, "S"), (22, "M"), (23, "L")])
    state.attributes = {
        100_017: [brand, material],
        100_018: [brand],
        100_030: [brand, material],
        100_040: [brand, material, size],
    }


def seed_demo(sim: ShopeeSimulator) -> dict[str, Any]:
    """Demo partner (fixed id and key), shop 54804 and four items; returns their ids."""
    from omnichannel.sandbox.shopee.control import item_summary

    partner = sim.create_partner(DEMO_PARTNER_ID, DEMO_PARTNER_KEY, "Omnichannel demo")
    shop = sim.create_shop(DEMO_SHOP_ID, "Omni Demo Shop", "SG")
    items = [
        sim.add_item(
            shop.shop_id,
            "Aurora Phone Case",
            category_id=100_017,
            price=12.9,
            item_sku="DEMO-CASE",
            variation_name="Colour",
            models=[
                {"sku": "DEMO-CASE-BLK", "option": "Black", "stock": 25},
                {"sku": "DEMO-CASE-WHT", "option": "White", "stock": 25},
            ],
        ),
        sim.add_item(
            shop.shop_id,
            "Nimbus USB-C Cable 1m",
            category_id=100_018,
            price=7.5,
            item_sku="DEMO-CABLE-1M",
            stock=100,
        ),  # fmt: skip
        sim.add_item(
            shop.shop_id,
            "Harbor Ceramic Mug",
            category_id=100_030,
            price=9.0,
            item_sku="DEMO-MUG",
            stock=40,
        ),  # fmt: skip
        sim.add_item(
            shop.shop_id,
            "Basic Tee",
            category_id=100_040,
            price=15.0,
            item_sku="DEMO-TEE",
            variation_name="Size",
            models=[
                {"sku": "DEMO-TEE-S", "option": "S", "stock": 10},
                {"sku": "DEMO-TEE-M", "option": "M", "stock": 15},
                {"sku": "DEMO-TEE-L", "option": "L", "stock": 8},
            ],
        ),
    ]
    return {
        "partner_id": partner.partner_id,
        "partner_key": partner.partner_key,
        "shop_id": shop.shop_id,
        "items": [item_summary(item) for item in items],
    }
