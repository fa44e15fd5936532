"""Order APIs: windows, cursor paging, detail batches, stock on payment, cancellations."""

from __future__ import annotations

from typing import Any

from omnichannel.sandbox.shopee import ShopeeSimulator

from .conftest import START, ShopeeCaller, sku_ids

DAY = 86_400
LIST = "/api/v2/order/get_order_list"
DETAIL = "/api/v2/order/get_order_detail"


def order_list(shopee: ShopeeCaller, **params: Any) -> dict[str, Any]:
    defaults = {
        "time_range_field": "create_time",
        "time_from": START - DAY,
        "time_to": START + DAY,
        "page_size": 100,
    }
    return shopee.get(LIST, **{**defaults, **params}).json()


def test_a_window_longer_than_fifteen_days_is_refused(shopee: ShopeeCaller):
    answer = order_list(shopee, time_from=START - 15 * DAY - 1, time_to=START)
    assert answer["error"] == "order.order_list_invalid_time"
    assert answer["message"] == "Start time must be earlier than end time and diff in 15days."
    assert order_list(shopee, time_from=START - 15 * DAY, time_to=START)["error"] == ""


def test_a_window_ending_before_it_starts_is_refused(shopee: ShopeeCaller):
    answer = order_list(shopee, time_from=START, time_to=START - 1)
    assert answer["error"] == "order.order_list_invalid_time"


def test_page_size_above_one_hundred_is_refused(shopee: ShopeeCaller):
    assert order_list(shopee, page_size=101)["error"] == "error_param"


def test_cursor_pages_through_more_than_one_hundred_orders_without_gaps(shopee: ShopeeCaller):
    sim = shopee.sim
    item_id, _ = sku_ids_for(shopee, "DEMO-CABLE-1M")
    sim.set_stock(item_id, 1000)
    created = {
        sim.create_order(shopee.shop_id, [{"sku": "DEMO-CABLE-1M", "quantity": 1}]).order_sn
        for _ in range(250)
    }
    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        answer = order_list(shopee, cursor=cursor, response_optional_fields="order_status")
        response = answer["response"]
        seen += [entry["order_sn"] for entry in response["order_list"]]
        assert all(entry["order_status"] == "UNPAID" for entry in response["order_list"])
        pages += 1
        if not response["more"]:
            assert response["next_cursor"] == ""
            break
        cursor = response["next_cursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 250
    assert set(seen) == created


def sku_ids_for(shopee: ShopeeCaller, sku: str) -> tuple[int, int]:
    found = shopee.sim.state.find_model_by_sku(shopee.shop_id, sku)
    assert found is not None
    item, model = found
    return item.item_id, model.model_id if model else 0


def test_list_filters_by_status_and_by_update_time(shopee: ShopeeCaller):
    sim = shopee.sim
    unpaid = sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}])
    paid = sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    only_paid = order_list(shopee, order_status="READY_TO_SHIP")["response"]["order_list"]
    assert [entry["order_sn"] for entry in only_paid] == [paid.order_sn]
    assert "order_status" not in only_paid[0]

    sim.clock.advance(2 * 3600)
    sim.pay(unpaid.order_sn)
    updated = order_list(
        shopee, time_range_field="update_time", time_from=START + 3600, time_to=START + 3 * 3600
    )["response"]["order_list"]
    assert [entry["order_sn"] for entry in updated] == [unpaid.order_sn]


def test_detail_refuses_more_than_fifty_orders(shopee: ShopeeCaller):
    answer = shopee.get(DETAIL, order_sn_list=",".join(f"SN{n}" for n in range(51)))
    assert answer.json()["error"] == "error_param"


def test_detail_returns_default_fields_and_only_the_optional_ones_asked_for(
    shopee: ShopeeCaller, demo: dict[str, Any]
):
    order = shopee.sim.create_order(
        shopee.shop_id, [{"sku": "DEMO-TEE-M", "quantity": 2}], paid=True
    )
    plain = shopee.get(DETAIL, order_sn_list=order.order_sn).json()["response"]["order_list"][0]
    assert plain["order_status"] == "READY_TO_SHIP"
    assert plain["currency"] == "SGD" and plain["region"] == "SG"
    assert "item_list" not in plain and "total_amount" not in plain

    fields = "item_list,package_list,total_amount,recipient_address,pay_time,buyer_username"
    full = shopee.get(DETAIL, order_sn_list=order.order_sn, response_optional_fields=fields)
    detail = full.json()["response"]["order_list"][0]
    item_id, model_id = sku_ids(demo, "DEMO-TEE-M")
    assert detail["item_list"][0]["item_id"] == item_id
    assert detail["item_list"][0]["model_id"] == model_id
    assert detail["item_list"][0]["model_sku"] == "DEMO-TEE-M"
    assert detail["item_list"][0]["model_quantity_purchased"] == 2
    assert detail["total_amount"] == 30.0
    assert detail["pay_time"] == START
    assert detail["package_list"][0]["logistics_status"] == "LOGISTICS_READY"
    assert detail["package_list"][0]["package_number"].startswith("OFG")


def test_unknown_orders_in_a_detail_batch_come_back_as_warnings(shopee: ShopeeCaller):
    order = shopee.sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}])
    answer = shopee.get(DETAIL, order_sn_list=f"{order.order_sn},NOPE").json()
    assert [o["order_sn"] for o in answer["response"]["order_list"]] == [order.order_sn]
    assert answer["warning"] == ["order_sn NOPE not found"]


def test_paying_deducts_stock_and_cancelling_gives_it_back(shopee: ShopeeCaller):
    sim = shopee.sim
    item_id, model_id = sku_ids_for(shopee, "DEMO-CASE-BLK")
    before = sim.state.items[item_id].models[model_id].stock
    order = sim.create_order(shopee.shop_id, [{"sku": "DEMO-CASE-BLK", "quantity": 3}])
    assert sim.state.items[item_id].models[model_id].stock == before  # unpaid: untouched
    sim.pay(order.order_sn)
    assert sim.state.items[item_id].models[model_id].stock == before - 3

    answer = shopee.post(
        "/api/v2/order/cancel_order",
        {"order_sn": order.order_sn, "cancel_reason": "CUSTOMER_REQUEST"},
    ).json()
    assert answer["error"] == ""
    assert answer["response"]["update_time"] == START
    assert sim.order(order.order_sn).status == "CANCELLED"
    assert sim.order(order.order_sn).cancel_by == "seller"
    assert sim.state.items[item_id].models[model_id].stock == before


def test_out_of_stock_cancellation_needs_the_item_list(shopee: ShopeeCaller):
    order = shopee.sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    body = {"order_sn": order.order_sn, "cancel_reason": "OUT_OF_STOCK"}
    assert shopee.post("/api/v2/order/cancel_order", body).json()["error"] == "error_param"


def test_buyer_cancellation_waits_for_the_seller_and_accept_cancels(shopee: ShopeeCaller):
    sim = shopee.sim
    order = sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    sim.buyer_cancel(order.order_sn, "Change of mind")
    assert sim.order(order.order_sn).status == "IN_CANCEL"

    path = "/api/v2/order/handle_buyer_cancellation"
    answer = shopee.post(path, {"order_sn": order.order_sn, "operation": "ACCEPT"}).json()
    assert answer["error"] == ""
    assert sim.order(order.order_sn).status == "CANCELLED"
    again = shopee.post(path, {"order_sn": order.order_sn, "operation": "ACCEPT"}).json()
    assert again["error"] == "order.cancel_order_invalid_status"


def test_rejecting_a_buyer_cancellation_restores_the_previous_status(shopee: ShopeeCaller):
    sim: ShopeeSimulator = shopee.sim
    order = sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    sim.buyer_cancel(order.order_sn)
    path = "/api/v2/order/handle_buyer_cancellation"
    shopee.post(path, {"order_sn": order.order_sn, "operation": "REJECT"})
    assert sim.order(order.order_sn).status == "READY_TO_SHIP"


def test_an_unpaid_order_cancelled_by_the_buyer_is_cancelled_at_once(shopee: ShopeeCaller):
    order = shopee.sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}])
    shopee.sim.buyer_cancel(order.order_sn)
    assert shopee.sim.order(order.order_sn).status == "CANCELLED"
    assert shopee.sim.order(order.order_sn).cancel_by == "buyer"
