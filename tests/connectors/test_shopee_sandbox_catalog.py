"""ShopeeConnector catalog and publishing against the Shopee sandbox, over real HTTP:
categories and attributes, add_item with its models, update_item, unlist and list again."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omnichannel.connectors.errors import InvalidRequest
from omnichannel.sandbox.shopee.seed import BRAND_ATTRIBUTE_ID, MATERIAL_ATTRIBUTE_ID
from omnichannel.unified.catalog import ListingDraft, ListingVariantDraft, Product

from .shopee_sandbox import Shop

T_SHIRTS = "100040"
MUGS = "100030"
LOGISTICS = {"logistic_info": [{"logistic_id": 18025, "enabled": True}]}


def draft(**changes) -> ListingDraft:
    fields = {
        "product": Product(
            sku="HOODIE",
            name="Harbor Hoodie",
            description="Warm and soft.",
            weight_g=450,
            length_mm=300,
            width_mm=250,
            height_mm=40,
        ),
        "category_id": T_SHIRTS,
        "attributes": {str(BRAND_ATTRIBUTE_ID): ["2"], str(MATERIAL_ATTRIBUTE_ID): ["13"]},
        "image_ids": ["img-front", "img-back"],
        "price": Decimal("25.90"),
        "channel_data": LOGISTICS,
    }
    return ListingDraft(**{**fields, **changes})


SIZES = [
    ListingVariantDraft(sku="HOODIE-S", option="S", price=Decimal("25.90"), quantity=0),
    ListingVariantDraft(sku="HOODIE-M", option="M", price=Decimal("27.50"), quantity=0),
]


def test_the_category_tree_is_read_with_parents_and_leaves(shop: Shop):
    categories = {category.id: category for category in shop.connector.categories()}

    assert categories[T_SHIRTS].name == "T-Shirts"
    assert categories[T_SHIRTS].parent_id == "100003"
    assert not categories[T_SHIRTS].has_children
    assert categories["100003"].has_children and categories["100003"].parent_id is None


def test_a_leafs_attributes_come_with_their_mandatory_flag_and_allowed_values(shop: Shop):
    attributes = {a.name: a for a in shop.connector.attributes([T_SHIRTS])[T_SHIRTS]}

    assert set(attributes) == {"Brand", "Material", "Size Chart"}
    brand = attributes["Brand"]
    assert brand.mandatory and brand.id == str(BRAND_ATTRIBUTE_ID)
    assert [(value.id, value.name) for value in brand.values] == [("1", "No Brand"), ("2", "Omni")]
    assert not attributes["Material"].mandatory


def test_attributes_are_asked_twenty_categories_a_call(shop: Shop):
    leaves = [100_100 + n for n in range(45)]
    for leaf in leaves:
        shop.sim.state.attributes[leaf] = shop.sim.state.attributes[int(T_SHIRTS)]
    shop.recorder.calls.clear()

    found = shop.connector.attributes([str(leaf) for leaf in leaves])

    calls = [c for c in shop.recorder.calls if c.endpoint.endswith("get_attribute_tree")]
    assert len(calls) == 3  # 20 + 20 + 5
    assert len(found) == 45
    assert all(
        {a.name for a in attributes} == {"Brand", "Material", "Size Chart"}
        for attributes in found.values()
    )


def test_a_category_the_channel_does_not_know_gets_no_attributes(shop: Shop):
    assert shop.connector.attributes([MUGS, "100999"])["100999"] == []


def test_publishing_with_models_creates_the_item_and_one_model_per_variant(shop: Shop):
    result = shop.connector.publish(draft(variant_tier_name="Size", variants=SIZES))

    item = shop.sim.state.items[int(result.external_item_id)]
    assert item.item_name == "Harbor Hoodie" and item.item_sku == "HOODIE"
    assert item.category_id == int(T_SHIRTS)
    assert item.image_id_list == ["img-front", "img-back"]
    assert item.weight == pytest.approx(0.45)
    assert item.dimension == {"package_length": 30, "package_width": 25, "package_height": 4}
    assert {a["attribute_id"]: a["attribute_value_list"] for a in item.attribute_list} == {
        BRAND_ATTRIBUTE_ID: [{"value_id": 2}],
        MATERIAL_ATTRIBUTE_ID: [{"value_id": 13}],
    }
    assert item.tier_variation == [
        {"name": "Size", "option_list": [{"option": "S"}, {"option": "M"}]}
    ]
    models = {model.model_sku: model for model in item.models.values()}
    assert result.variant_ids_by_sku == {sku: str(models[sku].model_id) for sku in models}
    assert models["HOODIE-M"].price == pytest.approx(27.5)
    assert all(model.stock == 0 for model in models.values())


def test_publishing_without_variants_creates_a_single_item_with_its_price(shop: Shop):
    result = shop.connector.publish(draft(price=Decimal("19.99"), active=False))

    item = shop.sim.state.items[int(result.external_item_id)]
    assert not item.models and result.variant_ids_by_sku == {}
    assert item.price == pytest.approx(19.99) and item.stock == 0
    assert item.item_status == "UNLIST"


def test_a_free_text_attribute_value_is_sent_by_name(shop: Shop):
    result = shop.connector.publish(draft(attributes={str(BRAND_ATTRIBUTE_ID): ["Harbor Co"]}))

    (brand,) = shop.sim.state.items[int(result.external_item_id)].attribute_list
    assert brand["attribute_value_list"] == [{"value_id": 0, "original_value_name": "Harbor Co"}]


@pytest.mark.parametrize(
    ("changes", "channel_code"),
    [
        ({"category_id": "100003"}, "error_invalid_category"),  # not a leaf
        ({"attributes": {}}, "error_invalid_attribute"),  # the mandatory brand is missing
        ({"attributes": {str(BRAND_ATTRIBUTE_ID): ["99"]}}, "error_invalid_attribute_value"),
        ({"image_ids": []}, "error_param"),
    ],
)
def test_a_draft_shopee_refuses_is_an_invalid_request_with_shopees_code(
    shop: Shop, changes, channel_code
):
    with pytest.raises(InvalidRequest) as refused:
        shop.connector.publish(draft(**changes))

    assert refused.value.channel_code == channel_code
    assert not shop.sim.state.items_of_shop(shop.shop_id)[4:]  # only the four demo items


def test_updating_an_item_changes_its_content_and_price(shop: Shop):
    item_id = shop.connector.publish(draft()).external_item_id

    shop.connector.update(
        item_id,
        draft(
            product=Product(sku="HOODIE", name="Harbor Hoodie v2", description="Warmer."),
            category_id=MUGS,
            attributes={str(BRAND_ATTRIBUTE_ID): ["1"]},
            image_ids=["img-new"],
            price=Decimal("21.00"),
        ),
    )

    item = shop.sim.state.items[int(item_id)]
    assert (item.item_name, item.description) == ("Harbor Hoodie v2", "Warmer.")
    assert item.category_id == int(MUGS) and item.image_id_list == ["img-new"]
    assert item.attribute_list == [
        {"attribute_id": BRAND_ATTRIBUTE_ID, "attribute_value_list": [{"value_id": 1}]}
    ]
    assert item.price == pytest.approx(21.0)


def test_updating_an_item_with_models_sets_each_models_price(shop: Shop):
    item_id = shop.connector.publish(draft(variants=SIZES)).external_item_id
    cheaper = [v.model_copy(update={"price": v.price - 5}) for v in SIZES]

    shop.connector.update(item_id, draft(variants=cheaper))

    prices = {m.model_sku: m.price for m in shop.sim.state.items[int(item_id)].models.values()}
    assert prices == {"HOODIE-S": pytest.approx(20.9), "HOODIE-M": pytest.approx(22.5)}


def test_updating_content_leaves_stock_and_the_listed_state_alone(shop: Shop):
    item_id = shop.connector.publish(draft()).external_item_id
    shop.sim.set_stock(int(item_id), 9)
    shop.connector.set_active(item_id, False)

    shop.connector.update(item_id, draft(product=Product(sku="HOODIE", name="Renamed")))

    item = shop.sim.state.items[int(item_id)]
    assert item.item_name == "Renamed"
    assert item.stock == 9 and item.item_status == "UNLIST"


def test_an_item_is_unlisted_and_listed_again_without_being_deleted(shop: Shop):
    item_id = shop.connector.publish(draft()).external_item_id

    shop.connector.set_active(item_id, False)
    unlisted = shop.sim.state.items[int(item_id)].item_status
    listed_items = {item.external_item_id for item in shop.connector.iter_items()}
    shop.connector.set_active(item_id, True)

    assert unlisted == "UNLIST" and item_id in listed_items
    assert shop.sim.state.items[int(item_id)].item_status == "NORMAL"


def test_unlisting_an_item_shopee_does_not_know_is_refused(shop: Shop):
    with pytest.raises(InvalidRequest, match="not found"):
        shop.connector.set_active("123456", False)
