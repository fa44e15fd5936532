"""Returns: the buyer side (``open_return`` for the control API) and the seller APIs
``get_return_list`` (page_no/page_size ≤ 100, windows ≤ 15 days) and ``get_return_detail``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omnichannel.sandbox.shopee import lifecycle
from omnichannel.sandbox.shopee.envelope import Reply, ShopeeError, param_error
from omnichannel.sandbox.shopee.gateway import SHOP, Api, Call, int_param
from omnichannel.sandbox.shopee.state import (
    MAX_WINDOW_SECONDS,
    RETURN_STATUSES,
    ControlError,
    Order,
    ReturnRequest,
)

if TYPE_CHECKING:
    from omnichannel.sandbox.shopee.simulator import ShopeeSimulator

RETURN_REASONS = (
    "NONRECEIPT", "WRONG_ITEM", "ITEM_DAMAGED", "DIFF_DESC", "MUTUAL_AGREE", "OTHER",
    "CHANGE_MIND", "ITEM_MISSING", "EXPECTATION_FAILED", "ITEM_FAKE", "PHYSICAL_DMG",
    "FUNCTIONAL_DMG",
)  # fmt: skip


def open_return(
    sim: ShopeeSimulator, order: Order, reason: str = "ITEM_DAMAGED", text_reason: str = ""
) -> ReturnRequest:
    """The buyer asks to return a delivered order: REQUESTED, order goes TO_RETURN."""
    lifecycle.require_status(order, "TO_CONFIRM_RECEIVE", "COMPLETED")
    if reason not in RETURN_REASONS:
        raise ControlError(f"reason should be one of {RETURN_REASONS}")
    now = sim.clock.timestamp()
    request = ReturnRequest(
        return_sn=f"{order.order_sn[:6]}{sim.state.next_id():09d}",
        order_sn=order.order_sn,
        shop_id=order.shop_id,
        status="REQUESTED",
        reason=reason,
        text_reason=text_reason,
        lines=list(order.lines),
        refund_amount=order.total_amount,
        create_time=now,
        update_time=now,
        due_date=now + 3 * 86400,
    )
    sim.state.returns[request.return_sn] = request
    lifecycle.set_status(sim, order, "TO_RETURN")
    return request


def set_return_status(sim: ShopeeSimulator, request: ReturnRequest, status: str) -> None:
    if status not in RETURN_STATUSES:
        raise ControlError(f"status should be one of {RETURN_STATUSES}")
    request.status = status
    request.update_time = max(request.update_time, sim.clock.timestamp())


def ship_return(sim: ShopeeSimulator, request: ReturnRequest, tracking_number: str) -> None:
    """The buyer hands the accepted return to the courier: PROCESSING, with its tracking
    number (what ``get_return_detail`` shows as ``tracking_number``)."""
    if request.status != "ACCEPTED":
        raise ControlError(f"return {request.return_sn} is {request.status}, not ACCEPTED")
    if not tracking_number:
        raise ControlError("a shipped return needs its tracking number")
    request.tracking_number = tracking_number
    set_return_status(sim, request, "PROCESSING")


def return_payload(call: Call, request: ReturnRequest) -> dict[str, Any]:
    shop = call.sim.state.shops[request.shop_id]
    return {
        "image": [],
        "reason": request.reason,
        "text_reason": request.text_reason,
        "return_sn": request.return_sn,
        "refund_amount": request.refund_amount,
        "currency": shop.currency,
        "create_time": request.create_time,
        "update_time": request.update_time,
        "status": request.status,
        "due_date": request.due_date,
        "tracking_number": request.tracking_number,
        "needs_logistics": request.needs_logistics,
        "amount_before_discount": request.refund_amount,
        "user": {"username": "sandbox_buyer", "email": "****@example.com", "portrait": ""},
        "item": [
            {
                "model_id": line.model_id,
                "name": line.item_name,
                "images": [],
                "amount": line.quantity,
                "item_price": line.price,
                "is_add_on_deal": False,
                "is_main_item": False,
                "add_on_deal_id": 0,
                "item_id": line.item_id,
                "item_sku": line.item_sku,
                "variation_sku": line.model_sku,
            }
            for line in request.lines
        ],
        "order_sn": request.order_sn,
        "return_ship_due_date": request.due_date,
        "return_seller_due_date": request.due_date,
        "negotiation_status": "PENDING_RESPOND",
        "seller_proof_status": "PENDING",
        "seller_compensation_status": "PENDING_REQUEST",
        "return_refund_type": "RRBOC",
        "return_solution": 0,
        "is_seller_arrange": False,
        "is_shipping_proof_mandatory": False,
        "return_refund_request_type": 0,
        "validation_type": "seller_validation",
    }


def _window(params: dict[str, Any], prefix: str) -> tuple[int | None, int | None]:
    start = int_param(params.get(f"{prefix}_from"), f"{prefix}_from", required=False)
    end = int_param(params.get(f"{prefix}_to"), f"{prefix}_to", required=False)
    if start is not None and end is not None and (end < start or end - start > MAX_WINDOW_SECONDS):
        raise ShopeeError(
            "error_param",
            "The period between create_time_from and created_time_of must not more than 15 days.",
        )
    return start, end


def get_return_list(call: Call) -> Reply:
    params = call.params()
    page_no = int_param(params.get("page_no"), "page_no")
    page_size = int_param(params.get("page_size"), "page_size")
    assert page_no is not None and page_size is not None
    if not 1 <= page_size <= 100 or page_no < 0:
        raise param_error("page_size should be between 1 and 100")
    created = _window(params, "create_time")
    updated = _window(params, "update_time")
    status = params.get("status")

    def within(value: int, window: tuple[int | None, int | None]) -> bool:
        return (window[0] is None or value >= window[0]) and (
            window[1] is None or value <= window[1]
        )

    matching = sorted(
        (
            request
            for request in call.sim.state.returns.values()
            if request.shop_id == call.shop_id
            and within(request.create_time, created)
            and within(request.update_time, updated)
            and (not status or request.status == status)
        ),
        key=lambda request: (request.create_time, request.return_sn),
    )
    start = page_no * page_size
    page = matching[start : start + page_size]
    return Reply(
        {
            "more": start + page_size < len(matching),
            "return": [return_payload(call, request) for request in page],
        }
    )


def get_return_detail(call: Call) -> Reply:
    return_sn = call.params().get("return_sn")
    if not return_sn:
        raise param_error("return_sn is required")
    request = call.sim.state.returns.get(str(return_sn))
    if request is None or request.shop_id != call.shop_id:
        raise ShopeeError("error_data", "The return you queried doesn't exist.")
    return Reply(return_payload(call, request))


APIS = [
    Api("GET", "/api/v2/returns/get_return_list", SHOP, get_return_list),
    Api("GET", "/api/v2/returns/get_return_detail", SHOP, get_return_detail),
]
