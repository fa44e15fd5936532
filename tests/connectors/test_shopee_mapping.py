"""Shopee payloads (shaped like the official samples) into unified models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from omnichannel.connectors.shopee import mapping, schemas, vocab
from omnichannel.connectors.shopee.client import loads
from omnichannel.unified.catalog import ListingDraft, ListingStatus, ListingVariantDraft, Product
from omnichannel.unified.orders import FulfilledBy, HoldReason, OrderStatus
from omnichannel.unified.returns import ReturnStatus
from omnichannel.unified.shipments import ShipmentStatus, ShipRequest
from omnichannel.unified.stock import StockUpdate

from .shopee_support import fixture_bytes


def response(name: str) -> dict:
    return loads(fixture_bytes(name))["response"]


def order_detail(**changes) -> schemas.OrderDetail:
    raw = response("get_order_detail.json")["order_list"][0]
    return schemas.OrderDetail.model_validate({**raw, **changes})


def test_an_order_detail_becomes_a_unified_order_with_decimal_money_and_utc_times():
    order = mapping.to_unified_order(order_detail())

    assert order.external_id == "2404098R48U37H"
    assert order.channel == "shopee"
    assert order.status is OrderStatus.COMPLETED
    assert order.currency == "VND"
    assert order.total == Decimal("32119")
    assert order.shipping_fee == Decimal("5000")
    assert order.cod is True
    assert order.created_at == datetime(2024, 4, 8, 18, 39, 51, tzinfo=UTC)
    assert order.paid_at.tzinfo is UTC
    assert order.fulfilled_by is FulfilledBy.SELLER
    assert order.buyer.username == "xt4fdsf96j"
    assert order.shipping_address.city == "Huyện Phước Long"
    assert order.shipping_address.province == "Bạc Liêu"


def test_order_lines_keep_sku_quantity_and_exact_prices():
    line = mapping.to_unified_order(order_detail()).lines[0]

    assert line.channel_sku == "QAZ-SADOER-05"
    assert line.external_item_id == "23620853561"
    assert line.external_variant_id == "221404189791"
    assert line.quantity == 2
    assert line.unit_price == Decimal("300000")
    assert line.paid_price == Decimal("48000.5")
    assert line.channel_data["promotion_type"] == "flash_sale"


def test_the_subtotal_is_the_sum_of_paid_line_amounts():
    assert mapping.to_unified_order(order_detail()).subtotal == Decimal("96001.0")


def test_packages_list_their_lines_and_carrier():
    order = mapping.to_unified_order(order_detail())

    package = order.packages[0]
    assert package.external_package_id == "OFG166300791210964"
    assert package.carrier == "5-Day Delivery (SPX)"
    assert package.external_line_ids == [order.lines[0].external_line_id]


def test_unmapped_fields_are_kept_in_channel_data():
    order = mapping.to_unified_order(order_detail())

    assert order.channel_data["days_to_ship"] == 2
    assert order.channel_data["region"] == "VN"


@pytest.mark.parametrize(
    ("shopee", "unified", "cancel_requested"),
    [
        ("UNPAID", OrderStatus.PENDING_PAYMENT, False),
        ("READY_TO_SHIP", OrderStatus.READY_TO_PROCESS, False),
        ("PROCESSED", OrderStatus.READY_TO_SHIP, False),
        ("RETRY_SHIP", OrderStatus.READY_TO_SHIP, False),
        ("SHIPPED", OrderStatus.SHIPPED, False),
        ("TO_CONFIRM_RECEIVE", OrderStatus.DELIVERED, False),
        ("COMPLETED", OrderStatus.COMPLETED, False),
        ("IN_CANCEL", OrderStatus.READY_TO_PROCESS, True),
        ("CANCELLED", OrderStatus.CANCELLED, False),
        ("TO_RETURN", OrderStatus.RETURNED, False),
        ("PENDING", OrderStatus.ON_HOLD, False),
        ("INVOICE_PENDING", OrderStatus.ON_HOLD, False),
    ],
)
def test_every_shopee_order_status_has_its_unified_meaning(shopee, unified, cancel_requested):
    order = mapping.to_unified_order(order_detail(order_status=shopee))

    assert order.status is unified
    assert order.channel_status == shopee
    assert order.cancel_requested is cancel_requested


def test_an_unknown_status_holds_the_order_for_a_human():
    order = mapping.to_unified_order(order_detail(order_status="SOMETHING_NEW"))

    assert order.status is OrderStatus.ON_HOLD
    assert order.hold_reason is HoldReason.MANUAL


def test_a_cancelled_order_records_when_it_was_cancelled():
    order = mapping.to_unified_order(order_detail(order_status="CANCELLED"))

    assert order.cancelled_at == order.updated_at


def test_orders_fulfilled_by_shopee_need_no_warehouse_work():
    order = mapping.to_unified_order(order_detail(fulfillment_flag="fulfilled_by_shopee"))

    assert order.fulfilled_by is FulfilledBy.CHANNEL


def test_an_item_with_models_becomes_a_listing_with_variants_stock_and_prices():
    base = schemas.ItemBaseInfo.model_validate(response("get_item_base_info.json")["item_list"][0])
    models = schemas.ModelList.model_validate(response("get_model_list.json"))

    item = mapping.to_channel_item(base, models)

    assert item.external_item_id == "34002"
    assert item.status is ListingStatus.ACTIVE
    assert item.price == Decimal("122.02")
    assert item.weight_g == 10020
    assert item.attributes == {"4811": ["Default"]}
    blue, red = item.variants
    assert (blue.external_variant_id, blue.channel_sku, blue.name) == (
        "2000458802",
        "blue bag",
        "Blue",
    )
    assert (blue.stock, blue.reserved, blue.price) == (25, 2, Decimal("100.10"))
    assert (red.name, red.stock) == ("Red", 0)


def test_stock_updates_for_one_item_become_one_update_stock_request():
    updates = [
        StockUpdate(
            external_item_id="1000",
            external_variant_id="2000458802",
            quantity=30,
            location_id="SGZ",
        ),
        StockUpdate(external_item_id="1000", external_variant_id="2000458803", quantity=0),
    ]

    payload = mapping.stock_update_payload("1000", updates)

    assert payload.model_dump(mode="json", exclude_none=True) == {
        "item_id": 1000,
        "stock_list": [
            {"model_id": 2000458802, "seller_stock": [{"location_id": "SGZ", "stock": 30}]},
            {"model_id": 2000458803, "seller_stock": [{"stock": 0}]},
        ],
    }


def test_an_item_without_models_is_updated_as_model_zero():
    payload = mapping.stock_update_payload("7", [StockUpdate(external_item_id="7", quantity=3)])

    assert payload.stock_list[0].model_id == 0


def test_per_model_stock_failures_are_reported_in_the_results():
    updates = [
        StockUpdate(external_item_id="1000", external_variant_id="2000458802", quantity=30),
        StockUpdate(external_item_id="1000", external_variant_id="2000458803", quantity=0),
        StockUpdate(external_item_id="1000", external_variant_id="999", quantity=5),
    ]
    answer = schemas.UpdateStockResponse.model_validate(response("update_stock.json"))

    ok, refused, unconfirmed = mapping.to_stock_results(updates, answer)

    assert ok.ok and ok.error_message is None
    assert not refused.ok
    assert refused.error_message == "Can not update item with stock less than reserved stock"
    assert not unconfirmed.ok


def test_shipping_parameters_offer_pickup_addresses_and_slots():
    parameter = schemas.ShippingParameter.model_validate(response("get_shipping_parameter.json"))

    options = mapping.to_shipping_options("2404098R48U37H", None, parameter)

    assert options.modes == ["pickup", "dropoff"]
    assert options.pickup_fields == ["address_id", "pickup_time_id"]
    address = options.pickup_addresses[0]
    assert address.id == "123" and address.is_default
    assert [slot.id for slot in address.slots] == ["1608103685", "1608190085"]
    assert address.slots[0].recommended and not address.slots[1].recommended
    assert address.slots[0].date == datetime(2020, 12, 16, 7, 28, 5, tzinfo=UTC)


def test_a_pickup_ship_request_sends_exactly_the_pickup_object():
    request = ShipRequest(pickup_address_id="123", pickup_slot_id="1608103685")

    assert mapping.ship_order_payload("SN1", None, request) == {
        "order_sn": "SN1",
        "pickup": {"address_id": 123, "pickup_time_id": "1608103685"},
    }


def test_a_dropoff_ship_request_sends_an_empty_dropoff_object_when_nothing_is_needed():
    assert mapping.ship_order_payload("SN1", "PKG", ShipRequest(dropoff=True)) == {
        "order_sn": "SN1",
        "package_number": "PKG",
        "dropoff": {},
    }


def test_tracking_events_get_unified_statuses():
    info = schemas.TrackingInfo.model_validate(response("get_tracking_info.json"))
    number = schemas.TrackingNumber(tracking_number="MY200448706479IT")

    tracking = mapping.to_tracking("2409177JCSRTEU", None, number, info)

    assert tracking.tracking_number == "MY200448706479IT"
    assert tracking.status is ShipmentStatus.FAILED
    assert [event.status for event in tracking.events] == [
        ShipmentStatus.PENDING,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.FAILED,
    ]


def test_a_return_detail_becomes_a_unified_return():
    detail = schemas.ReturnDetail.model_validate(response("get_return_detail.json"))

    returned = mapping.to_unified_return(detail)

    assert returned.external_id == "2206140TA5PM808"
    assert returned.order_external_id == "220614T9XV8JTN"
    assert returned.status is ReturnStatus.APPROVED
    assert returned.refund_amount == Decimal("13.97")
    assert returned.return_tracking_number == "RNSHS00177569"
    line = returned.lines[0]
    assert (line.sku, line.quantity, line.refund_amount) == ("RED", 1, Decimal("12.34"))


@pytest.mark.parametrize(
    ("shopee", "unified"),
    [
        ("REQUESTED", ReturnStatus.REQUESTED),
        ("ACCEPTED", ReturnStatus.APPROVED),
        ("PROCESSING", ReturnStatus.IN_TRANSIT),
        ("CANCELLED", ReturnStatus.CLOSED),
        ("CLOSED", ReturnStatus.CLOSED),
    ],
)
def test_return_statuses_map_to_unified_ones(shopee, unified):
    assert vocab.return_status(shopee) is unified


def listing_draft(**changes) -> ListingDraft:
    product = Product(sku="MUG", name="Mug", description="Blue.", weight_g=350)
    fields = {"product": product, "category_id": "100030", "price": Decimal("9.50")}
    return ListingDraft(**{**fields, **changes})


def test_an_update_sends_content_only_never_stock_price_or_listed_state():
    body = mapping.update_item_payload(7, listing_draft(active=False, quantity=3))

    assert body["item_id"] == 7 and body["item_name"] == "Mug"
    assert body["weight"] == Decimal("0.35")
    assert not {"seller_stock", "original_price", "item_status"} & body.keys()


def test_prices_go_to_the_item_or_to_each_model_by_sku():
    variants = [ListingVariantDraft(sku="MUG-L", option="L", price=Decimal("11"), quantity=0)]
    models = {"MUG-S": 101, "MUG-L": 102}

    single = mapping.update_price_payload(7, listing_draft(), {})
    by_sku = mapping.update_price_payload(7, listing_draft(variants=variants), models)
    every_model = mapping.update_price_payload(7, listing_draft(), models)

    assert single["price_list"] == [{"model_id": 0, "original_price": Decimal("9.50")}]
    assert by_sku["price_list"] == [{"model_id": 102, "original_price": Decimal("11")}]
    assert [p["model_id"] for p in every_model["price_list"]] == [101, 102]
