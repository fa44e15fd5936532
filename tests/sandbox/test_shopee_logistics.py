"""Fulfilment: shipping parameters, pickup and drop-off, tracking, labels, returns."""

from __future__ import annotations

from .conftest import START, ShopeeCaller

PARAMS = "/api/v2/logistics/get_shipping_parameter"
SHIP = "/api/v2/logistics/ship_order"


def paid_order(shopee: ShopeeCaller) -> str:
    order = shopee.sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    return order.order_sn


def test_pickup_flow_from_parameters_to_a_downloaded_pdf_label(shopee: ShopeeCaller):
    order_sn = paid_order(shopee)
    parameters = shopee.get(PARAMS, order_sn=order_sn).json()["response"]
    assert parameters["info_needed"]["pickup"] == ["address_id", "pickup_time_id"]
    address = parameters["pickup"]["address_list"][0]
    slot = next(s for s in address["time_slot_list"] if "recommended" in s["flags"])
    assert slot["date"] > START

    pickup = {"address_id": address["address_id"], "pickup_time_id": slot["pickup_time_id"]}
    shipped = shopee.post(SHIP, {"order_sn": order_sn, "pickup": pickup}).json()
    assert shipped == {"request_id": shipped["request_id"], "error": "", "message": ""}
    assert shopee.sim.order(order_sn).status == "PROCESSED"

    tracking = shopee.get("/api/v2/logistics/get_tracking_number", order_sn=order_sn).json()
    tracking_number = tracking["response"]["tracking_number"]
    assert tracking_number.startswith("SPXSG")

    entry = {"order_sn": order_sn, "tracking_number": tracking_number,
             "shipping_document_type": "THERMAL_AIR_WAYBILL"}  # fmt: skip
    created = shopee.post(
        "/api/v2/logistics/create_shipping_document", {"order_list": [entry]}
    ).json()
    assert created["error"] == ""
    assert "fail_error" not in created["response"]["result_list"][0]
    result = shopee.post(
        "/api/v2/logistics/get_shipping_document_result", {"order_list": [{"order_sn": order_sn}]}
    ).json()["response"]["result_list"][0]
    assert result["status"] == "READY"
    pdf = shopee.post(
        "/api/v2/logistics/download_shipping_document",
        {"shipping_document_type": "THERMAL_AIR_WAYBILL", "order_list": [{"order_sn": order_sn}]},
    )
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_label_task_is_processing_until_its_delay_has_passed(shopee: ShopeeCaller):
    shopee.sim.document_delay_seconds = 30
    order_sn = paid_order(shopee)
    shopee.post(SHIP, {"order_sn": order_sn, "dropoff": {}})
    shopee.post(
        "/api/v2/logistics/create_shipping_document", {"order_list": [{"order_sn": order_sn}]}
    )
    poll = {"order_list": [{"order_sn": order_sn}]}
    result_path = "/api/v2/logistics/get_shipping_document_result"
    assert shopee.post(result_path, poll).json()["response"]["result_list"][0]["status"] == (
        "PROCESSING"
    )
    download = shopee.post("/api/v2/logistics/download_shipping_document", poll).json()
    assert download["error"] == "logistics.download_later"
    shopee.sim.clock.advance(30)
    assert shopee.post(result_path, poll).json()["response"]["result_list"][0]["status"] == "READY"


def test_label_before_arrangement_fails_per_order(shopee: ShopeeCaller):
    order_sn = paid_order(shopee)
    answer = shopee.post(
        "/api/v2/logistics/create_shipping_document", {"order_list": [{"order_sn": order_sn}]}
    ).json()
    assert answer["error"] == "common.batch_api_all_failed"
    assert answer["response"]["result_list"][0]["fail_error"] == "logistics.order_status_error"
    download = shopee.post(
        "/api/v2/logistics/download_shipping_document", {"order_list": [{"order_sn": order_sn}]}
    ).json()
    assert download["error"] == "logistics.shipping_document_should_print_first"


def test_dropoff_ship_and_shipping_twice_is_refused(shopee: ShopeeCaller):
    order_sn = paid_order(shopee)
    assert shopee.post(SHIP, {"order_sn": order_sn, "dropoff": {}}).json()["error"] == ""
    again = shopee.post(SHIP, {"order_sn": order_sn, "dropoff": {}}).json()
    assert again["error"] == "logistics.package_already_shipped"


def test_ship_order_validates_mode_and_pickup_slot(shopee: ShopeeCaller):
    order_sn = paid_order(shopee)
    both = shopee.post(SHIP, {"order_sn": order_sn, "pickup": {}, "dropoff": {}}).json()
    assert both["error"] == "logistics.ship_order_only_support_one_type"
    address_id = shopee.sim.state.shops[shopee.shop_id].addresses[0].address_id
    bad_slot = {"address_id": address_id, "pickup_time_id": "123"}
    answer = shopee.post(SHIP, {"order_sn": order_sn, "pickup": bad_slot}).json()
    assert answer["error"] == "logistics.ship_order_pickup_time_invalid"
    unpaid = shopee.sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}])
    refused = shopee.post(SHIP, {"order_sn": unpaid.order_sn, "dropoff": {}}).json()
    assert refused["error"] == "logistics.ship_order_not_ready_to_ship"


def test_logistics_advance_to_completion_and_a_failed_pickup_allows_reshipping(
    shopee: ShopeeCaller,
):
    sim = shopee.sim
    order_sn = paid_order(shopee)
    shopee.post(SHIP, {"order_sn": order_sn, "dropoff": {}})
    sim.pickup_failed(order_sn)
    assert sim.order(order_sn).status == "RETRY_SHIP"
    assert shopee.post(SHIP, {"order_sn": order_sn, "dropoff": {}}).json()["error"] == ""
    sim.pickup(order_sn)
    sim.deliver(order_sn)
    sim.complete(order_sn)
    order = sim.order(order_sn)
    assert (order.status, order.logistics_status) == ("COMPLETED", "LOGISTICS_DELIVERY_DONE")


def test_returns_are_listed_in_windows_and_read_in_detail(shopee: ShopeeCaller):
    sim = shopee.sim
    order_sn = paid_order(shopee)
    shopee.post(SHIP, {"order_sn": order_sn, "dropoff": {}})
    sim.pickup(order_sn)
    sim.deliver(order_sn)
    request = sim.create_return(order_sn, "ITEM_DAMAGED", "cracked")
    assert sim.order(order_sn).status == "TO_RETURN"

    listed = shopee.get(
        "/api/v2/returns/get_return_list",
        page_no=0,
        page_size=40,
        create_time_from=START - 3600,
        create_time_to=START + 3600,
    ).json()["response"]
    assert listed["more"] is False
    assert [r["return_sn"] for r in listed["return"]] == [request.return_sn]
    detail = shopee.get("/api/v2/returns/get_return_detail", return_sn=request.return_sn).json()
    assert detail["response"]["order_sn"] == order_sn
    assert detail["response"]["status"] == "REQUESTED"
    assert detail["response"]["item"][0]["item_sku"] == "DEMO-MUG"

    too_long = shopee.get(
        "/api/v2/returns/get_return_list",
        page_no=0,
        page_size=40,
        create_time_from=START - 16 * 86400,
        create_time_to=START,
    ).json()
    assert too_long["error"] == "error_param"
