"""Logistics APIs: shipping parameters, ``ship_order`` (pickup or drop-off), tracking number,
and the shipping-document trio (create → poll result → download a PDF).
"""

from __future__ import annotations

from typing import Any

from omnichannel.sandbox.http import Response
from omnichannel.sandbox.shopee import lifecycle
from omnichannel.sandbox.shopee.envelope import Reply, ShopeeError, param_error
from omnichannel.sandbox.shopee.gateway import SHOP, Api, Call, int_param
from omnichannel.sandbox.shopee.labels import air_waybill_pdf
from omnichannel.sandbox.shopee.push import SHIPPING_DOCUMENT_PUSH
from omnichannel.sandbox.shopee.state import SHIPPING_DOCUMENT_TYPES, Order, ShippingDocument

SHIPPABLE = ("READY_TO_SHIP", "RETRY_SHIP")
PRINTABLE = ("PROCESSED", "RETRY_SHIP")
MAX_DOCUMENT_BATCH = 50
PICKUP_DAYS = 3


def _order(call: Call, order_sn: Any) -> Order:
    if not order_sn:
        raise param_error("order_sn is required")
    order = call.sim.state.orders.get(str(order_sn))
    if order is None or order.shop_id != call.shop_id:
        raise ShopeeError("logistics.error_order_not_found", "Order is not found.")
    return order


def time_slots(call: Call) -> list[dict[str, Any]]:
    """Pickup slots: 09:00 UTC on each of the next days; ``pickup_time_id`` is the date."""
    today = call.sim.clock.timestamp() // 86400 * 86400
    slots = []
    for day in range(1, PICKUP_DAYS + 1):
        date = today + day * 86400 + 9 * 3600
        slots.append(
            {
                "date": date,
                "time_text": "",
                "pickup_time_id": str(date),
                "flags": ["recommended"] if day == 1 else [],
            }
        )
    return slots


def get_shipping_parameter(call: Call) -> Reply:
    """What ``ship_order`` needs: pickup (address + slot) or drop-off (nothing more)."""
    order = _order(call, call.params().get("order_sn"))
    if order.status not in SHIPPABLE:
        raise ShopeeError(
            "logistics.ship_order_not_ready_to_ship", "The order is not ready to ship."
        )
    shop = call.sim.state.shops[call.shop_id]
    slots = time_slots(call)
    addresses = [
        {
            "address_id": address.address_id,
            "region": address.region,
            "state": address.state,
            "city": address.city,
            "district": address.district,
            "town": address.town,
            "address": address.address,
            "zipcode": address.zipcode,
            "address_flag": list(address.address_flag),
            "time_slot_list": slots,
        }
        for address in shop.addresses
    ]
    return Reply(
        {
            "info_needed": {"dropoff": [], "pickup": ["address_id", "pickup_time_id"]},
            "dropoff": {"branch_list": [], "slug_list": []},
            "pickup": {"address_list": addresses},
        }
    )


def ship_order(call: Call) -> Reply:
    """Arrange shipment by exactly one of ``pickup`` / ``dropoff`` / ``non_integrated``."""
    params = call.params()
    order = _order(call, params.get("order_sn"))
    modes = [mode for mode in ("pickup", "dropoff", "non_integrated") if mode in params]
    if len(modes) != 1:
        raise ShopeeError(
            "logistics.ship_order_only_support_one_type",
            "Please select just one way to ship order: pickup or dropoff or non_integrated.",
        )
    if order.status in ("PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"):
        raise ShopeeError(
            "logistics.package_already_shipped",
            "This package has already been arranged shipment and you can't call this API again.",
        )
    if order.status not in SHIPPABLE:
        raise ShopeeError(
            "logistics.ship_order_not_ready_to_ship", "The order is not ready to ship."
        )
    mode = modes[0]
    if mode == "non_integrated":
        raise ShopeeError(
            "logistics.ship_order_unsupport_non_integrated",
            "This order does not support ship with non_integrated.",
        )
    if mode == "pickup":
        _check_pickup(call, params.get("pickup") or {})
    lifecycle.arrange_shipment(call.sim, order, mode)
    return Reply()


def _check_pickup(call: Call, pickup: dict[str, Any]) -> None:
    address_id = int_param(pickup.get("address_id"), "address_id", required=False)
    slot = str(pickup.get("pickup_time_id") or "")
    if address_id is None or not slot:
        raise ShopeeError(
            "logistics.ship_order_need_address_pickup_time",
            "Parameter address_id and pickup_time_id are required.",
        )
    shop = call.sim.state.shops[call.shop_id]
    if address_id not in {address.address_id for address in shop.addresses}:
        raise ShopeeError("logistics.address_not_found", "Address is not found.")
    if slot not in {entry["pickup_time_id"] for entry in time_slots(call)}:
        raise ShopeeError(
            "logistics.ship_order_pickup_time_invalid",
            "Invalid pickup time id. Please check the pick up time id.",
        )


def get_tracking_number(call: Call) -> Reply:
    order = _order(call, call.params().get("order_sn"))
    if not order.tracking_number:
        return Reply({"tracking_number": "", "hint": "The order has not been arranged yet."})
    return Reply({"tracking_number": order.tracking_number})


def _order_list(call: Call) -> list[dict[str, Any]]:
    entries = call.params().get("order_list")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_DOCUMENT_BATCH:
        raise param_error("order_list should contain between 1 and 50 orders")
    return entries


def _batch_reply(results: list[dict[str, Any]]) -> Reply:
    if all("fail_error" in result for result in results):
        raise ShopeeError(
            "common.batch_api_all_failed",
            "Failed, please check result_list for more details.",
            response={"result_list": results},
        )
    return Reply({"result_list": results}, warning=[])


def create_shipping_document(call: Call) -> Reply:
    """Start a label task per order (arranged orders only, tracking number must match)."""
    results = []
    for entry in _order_list(call):
        result: dict[str, Any] = {"order_sn": entry.get("order_sn", "")}
        order = call.sim.state.orders.get(str(entry.get("order_sn")))
        document_type = entry.get("shipping_document_type") or "THERMAL_AIR_WAYBILL"
        failure = None
        if order is None or order.shop_id != call.shop_id:
            failure = (
                "logistics.order_not_exist",
                f"The order_sn {result['order_sn']} is not exist.",
            )
        elif order.status not in PRINTABLE:
            failure = (
                "logistics.order_status_error",
                "Order status does not support awb printing.",
            )
        elif document_type not in SHIPPING_DOCUMENT_TYPES:
            failure = (
                "logistics.shipping_document_type_invalid",
                "The shipping_document_type is not invalid. "
                "Please check the shipping_document_type.",
            )
        elif entry.get("tracking_number") not in (None, "", order.tracking_number):
            failure = (
                "logistics.tracking_number_invalid",
                "The tracking number is invalid. Please check the tracking number.",
            )
        if failure:
            result.update(fail_error=failure[0], fail_message=failure[1])
        else:
            assert order is not None
            result["package_number"] = order.package_number
            ready_at = call.sim.clock.now() + call.sim.document_delay_seconds
            order.shipping_document = ShippingDocument(document_type, ready_at)
            _document_status(call, order)
        results.append(result)
    return _batch_reply(results)


def _document_status(call: Call, order: Order) -> str:
    """READY once the task's time has come (push code 15 the first time it is seen)."""
    document = order.shipping_document
    assert document is not None
    if document.ready_at > call.sim.clock.now():
        return "PROCESSING"
    if not document.push_sent:
        document.push_sent = True
        call.sim.push_to_shop(
            order.shop_id,
            SHIPPING_DOCUMENT_PUSH,
            {"ordersn": order.order_sn, "package_number": order.package_number, "status": "READY"},
        )
    return "READY"


def get_shipping_document_result(call: Call) -> Reply:
    results = []
    for entry in _order_list(call):
        result: dict[str, Any] = {"order_sn": entry.get("order_sn", "")}
        order = call.sim.state.orders.get(str(entry.get("order_sn")))
        if order is None or order.shop_id != call.shop_id:
            result.update(
                fail_error="logistics.order_not_exist",
                fail_message=f"The order_sn {result['order_sn']} is not exist.",
            )
        elif order.shipping_document is None:
            result.update(
                package_number=order.package_number,
                fail_error="logistics.shipping_document_should_print_first",
                fail_message="The package can not print now, please create shipping document "
                "first.Detail: order_sn",
            )
        else:
            result.update(package_number=order.package_number, status=_document_status(call, order))
        results.append(result)
    return _batch_reply(results)


def download_shipping_document(call: Call) -> Response:
    """The PDF of every listed order's READY document, or a JSON error."""
    pages = []
    document_type = call.params().get("shipping_document_type") or "THERMAL_AIR_WAYBILL"
    for entry in _order_list(call):
        order_sn = str(entry.get("order_sn"))
        order = call.sim.state.orders.get(order_sn)
        if order is None or order.shop_id != call.shop_id:
            raise ShopeeError("logistics.order_not_exist", f"The order_sn {order_sn} is not exist.")
        if order.shipping_document is None:
            raise ShopeeError(
                "logistics.shipping_document_should_print_first",
                "The package can not print now, please create shipping document first."
                f"Detail: {order_sn}",
            )
        if _document_status(call, order) != "READY":
            raise ShopeeError(
                "logistics.download_later", f"Processing, please download later. Detail: {order_sn}"
            )
        pages.append((order, call.sim.state.shops[order.shop_id]))
    pdf = air_waybill_pdf(pages, document_type)
    return Response(200, pdf, [("Content-Type", "application/pdf")])


APIS = [
    Api("GET", "/api/v2/logistics/get_shipping_parameter", SHOP, get_shipping_parameter),
    Api("POST", "/api/v2/logistics/ship_order", SHOP, ship_order),
    Api("GET", "/api/v2/logistics/get_tracking_number", SHOP, get_tracking_number),
    Api("POST", "/api/v2/logistics/create_shipping_document", SHOP, create_shipping_document),
    Api(
        "POST", "/api/v2/logistics/get_shipping_document_result", SHOP, get_shipping_document_result
    ),
    Api("POST", "/api/v2/logistics/download_shipping_document", SHOP, download_shipping_document),
]
