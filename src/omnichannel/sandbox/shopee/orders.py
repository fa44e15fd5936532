"""Order APIs: ``get_order_list``, ``get_order_detail``, ``cancel_order``,
``handle_buyer_cancellation``.
"""

from __future__ import annotations

from typing import Any

from omnichannel.sandbox.shopee import lifecycle
from omnichannel.sandbox.shopee.envelope import Reply, ShopeeError, param_error
from omnichannel.sandbox.shopee.gateway import SHOP, Api, Call, int_param
from omnichannel.sandbox.shopee.state import MAX_WINDOW_SECONDS, Order

LIST_STATUS_FILTERS = (
    "UNPAID", "READY_TO_SHIP", "PROCESSED", "SHIPPED", "COMPLETED", "IN_CANCEL", "CANCELLED",
    "INVOICE_PENDING", "RETRY_SHIP", "TO_CONFIRM_RECEIVE", "TO_RETURN",
)  # fmt: skip
MAX_DETAIL_BATCH = 50
SELLER_CANCEL_REASONS = (
    "OUT_OF_STOCK",
    "CUSTOMER_REQUEST",
    "UNDELIVERABLE_AREA",
    "COD_NOT_SUPPORTED",
)

#: Fields ``get_order_detail`` returns without being asked (documented "Return by default").
DEFAULT_DETAIL_FIELDS = (
    "order_sn", "region", "currency", "cod", "order_status", "create_time", "update_time",
    "days_to_ship", "ship_by_date", "message_to_seller", "reverse_shipping_fee",
    "advance_package", "booking_sn",
)  # fmt: skip


def comma_list(value: Any) -> list[str]:
    """A documented "comma separated" list parameter (also tolerates JSON arrays)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(part).strip() for part in value if str(part).strip()]
    return [
        part.strip() for part in str(value).strip("[]").replace(" ", ",").split(",") if part.strip()
    ]


def get_order_list(call: Call) -> Reply:
    """Orders of the shop whose ``time_range_field`` falls in ``[time_from, time_to]``."""
    params = call.params()
    field = params.get("time_range_field")
    if field not in ("create_time", "update_time"):
        raise param_error("time_range_field should be create_time or update_time")
    time_from = int_param(params.get("time_from"), "time_from")
    time_to = int_param(params.get("time_to"), "time_to")
    assert time_from is not None and time_to is not None
    if time_from > time_to or time_to - time_from > MAX_WINDOW_SECONDS:
        raise ShopeeError(
            "order.order_list_invalid_time",
            "Start time must be earlier than end time and diff in 15days.",
        )
    page_size = int_param(params.get("page_size"), "page_size")
    assert page_size is not None
    if not 1 <= page_size <= 100:
        raise param_error("page_size should be between 1 and 100")
    cursor_text = str(params.get("cursor") or "").strip('"')
    if cursor_text and not cursor_text.isdigit():
        raise param_error("cursor is invalid")
    offset = int(cursor_text or 0)
    status = params.get("order_status")
    if status and status not in LIST_STATUS_FILTERS:
        raise param_error(f"order_status {status} is not supported")

    matching = sorted(
        (
            order
            for order in call.sim.state.orders.values()
            if order.shop_id == call.shop_id
            and time_from <= getattr(order, field) <= time_to
            and (not status or order.status == status)
        ),
        key=lambda order: (getattr(order, field), order.order_sn),
    )
    page = matching[offset : offset + page_size]
    more = offset + page_size < len(matching)
    with_status = "order_status" in comma_list(params.get("response_optional_fields"))
    order_list = []
    for order in page:
        entry: dict[str, Any] = {"order_sn": order.order_sn}
        if with_status:
            entry["order_status"] = order.status
        order_list.append(entry)
    return Reply(
        {
            "more": more,
            "next_cursor": str(offset + page_size) if more else "",
            "order_list": order_list,
        }
    )


def get_order_detail(call: Call) -> Reply:
    """Up to 50 orders; optional fields only when named in ``response_optional_fields``."""
    params = call.params()
    order_sns = comma_list(params.get("order_sn_list"))
    if not 1 <= len(order_sns) <= MAX_DETAIL_BATCH:
        raise param_error("order_sn_list should contain between 1 and 50 order_sn")
    wanted = set(DEFAULT_DETAIL_FIELDS) | set(comma_list(params.get("response_optional_fields")))
    found, missing = [], []
    for order_sn in order_sns:
        order = call.sim.state.orders.get(order_sn)
        if order is None or order.shop_id != call.shop_id:
            missing.append(order_sn)
            continue
        full = order_detail(call, order)
        found.append({key: value for key, value in full.items() if key in wanted})
    warning = [f"order_sn {order_sn} not found" for order_sn in missing]
    return Reply({"order_list": found}, warning=warning)


def order_detail(call: Call, order: Order) -> dict[str, Any]:
    """Every field the simulator knows for ``order``, shaped like the documented sample."""
    shop = call.sim.state.shops[order.shop_id]
    items = [
        {
            "item_id": line.item_id,
            "item_name": line.item_name,
            "item_sku": line.item_sku,
            "model_id": line.model_id,
            "model_name": line.model_name,
            "model_sku": line.model_sku,
            "model_quantity_purchased": line.quantity,
            "model_original_price": line.price,
            "model_discounted_price": line.price,
            "wholesale": False,
            "weight": call.sim.state.items[line.item_id].weight,
            "add_on_deal": False,
            "main_item": False,
            "add_on_deal_id": 0,
            "promotion_type": "",
            "promotion_id": 0,
            "order_item_id": line.order_item_id,
            "promotion_group_id": 0,
            "image_info": {"image_url": f"https://sandbox.shopee.local/file/{line.item_id}_tn"},
            "product_location_id": [shop.location_id],
            "is_prescription_item": False,
            "is_b2c_owned_item": False,
        }
        for line in order.lines
    ]
    package = {
        "package_number": order.package_number,
        "logistics_status": order.logistics_status,
        "logistics_channel_id": shop.logistics_channel_id,
        "shipping_carrier": shop.shipping_carrier,
        "allow_self_design_awb": False,
        "parcel_chargeable_weight_gram": int(
            sum(call.sim.state.items[line.item_id].weight * line.quantity for line in order.lines)
            * 1000
        ),
        "group_shipment_id": None,
        "item_list": [
            {
                "item_id": line.item_id,
                "model_id": line.model_id,
                "model_quantity": line.quantity,
                "order_item_id": line.order_item_id,
                "promotion_group_id": 0,
                "product_location_id": shop.location_id,
            }
            for line in order.lines
        ],
    }
    return {
        "order_sn": order.order_sn,
        "region": shop.region,
        "currency": shop.currency,
        "cod": order.cod,
        "total_amount": order.total_amount,
        "order_status": order.status,
        "shipping_carrier": shop.shipping_carrier,
        "payment_method": order.payment_method,
        "estimated_shipping_fee": order.estimated_shipping_fee,
        "message_to_seller": order.message_to_seller,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "days_to_ship": order.days_to_ship,
        "ship_by_date": order.ship_by_date,
        "buyer_user_id": order.buyer_user_id,
        "buyer_username": order.buyer_username,
        "recipient_address": dict(order.recipient_address),
        "actual_shipping_fee": 0.0,
        "actual_shipping_fee_confirmed": False,
        "goods_to_declare": False,
        "note": "",
        "note_update_time": 0,
        "item_list": items,
        "pay_time": order.pay_time,
        "dropshipper": "",
        "dropshipper_phone": "",
        "split_up": False,
        "buyer_cancel_reason": order.buyer_cancel_reason,
        "cancel_by": order.cancel_by,
        "cancel_reason": order.cancel_reason,
        "buyer_cpf_id": "",
        "fulfillment_flag": "fulfilled_by_local_seller",
        "pickup_done_time": order.pickup_done_time,
        "package_list": [package],
        "invoice_data": None,
        "checkout_shipping_carrier": shop.shipping_carrier,
        "reverse_shipping_fee": 0.0,
        "order_chargeable_weight_gram": package["parcel_chargeable_weight_gram"],
        "advance_package": False,
        "booking_sn": "",
    }


def _shop_order(call: Call, order_sn: Any) -> Order:
    if not order_sn:
        raise param_error("order_sn is required")
    order = call.sim.state.orders.get(str(order_sn))
    if order is None or order.shop_id != call.shop_id:
        raise ShopeeError(
            "error_not_found", f"Wrong parameters, detail: order {order_sn} not found."
        )
    return order


def cancel_order(call: Call) -> Reply:
    """Seller cancels before shipment; OUT_OF_STOCK needs ``item_list``."""
    params = call.params()
    order = _shop_order(call, params.get("order_sn"))
    reason = params.get("cancel_reason")
    if reason not in SELLER_CANCEL_REASONS:
        raise param_error(f"cancel_reason should be one of {', '.join(SELLER_CANCEL_REASONS)}")
    if reason == "OUT_OF_STOCK" and not params.get("item_list"):
        raise param_error("item_list is required when cancel_reason is OUT_OF_STOCK")
    if order.status not in ("UNPAID", "READY_TO_SHIP", "RETRY_SHIP"):
        raise ShopeeError("order.error_limit", "Can not cancel this order.")
    lifecycle.cancel(call.sim, order, "seller", reason)
    return Reply({"update_time": order.update_time})


def handle_buyer_cancellation(call: Call) -> Reply:
    """Seller answers a buyer's cancellation request: ACCEPT or REJECT (order IN_CANCEL)."""
    params = call.params()
    order = _shop_order(call, params.get("order_sn"))
    operation = params.get("operation")
    if operation not in ("ACCEPT", "REJECT"):
        raise param_error("operation should be ACCEPT or REJECT")
    if order.status != "IN_CANCEL":
        raise ShopeeError(
            "order.cancel_order_invalid_status",
            "Invalid order_status.The order status should be IN_CANCEL.",
        )
    lifecycle.answer_buyer_cancellation(call.sim, order, accept=operation == "ACCEPT")
    return Reply({"update_time": order.update_time})


APIS = [
    Api("GET", "/api/v2/order/get_order_list", SHOP, get_order_list),
    Api("GET", "/api/v2/order/get_order_detail", SHOP, get_order_detail),
    Api("POST", "/api/v2/order/cancel_order", SHOP, cancel_order),
    Api("POST", "/api/v2/order/handle_buyer_cancellation", SHOP, handle_buyer_cancellation),
]
