"""How orders move through Shopee's statuses, shared by the seller APIs and the control API.

UNPAID → (pay) READY_TO_SHIP → (ship_order) PROCESSED → (picked up) SHIPPED →
(delivered) TO_CONFIRM_RECEIVE → (buyer confirms) COMPLETED; a failed pickup gives
RETRY_SHIP; a buyer's cancellation request after payment gives IN_CANCEL until the seller
answers; returns put the order in TO_RETURN. Every change bumps ``update_time`` and sends
push code 3. Paying deducts seller stock; cancelling a paid order gives it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omnichannel.sandbox.shopee.push import ORDER_STATUS_PUSH, TRACKING_NUMBER_PUSH
from omnichannel.sandbox.shopee.state import ControlError, Item, Model, Order, OrderLine

if TYPE_CHECKING:
    from omnichannel.sandbox.shopee.simulator import ShopeeSimulator

BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

DEFAULT_ADDRESS = {
    "name": "S****e Buyer",
    "phone": "******89",
    "town": "",
    "district": "",
    "city": "Singapore",
    "state": "",
    "region": "SG",
    "zipcode": "018956",
    "full_address": "10 Bayfront Avenue, ******",
}


def _base36(number: int, width: int) -> str:
    digits = ""
    while number:
        number, remainder = divmod(number, 36)
        digits = BASE36[remainder] + digits
    return digits.rjust(width, "0")


def new_order_sn(sim: ShopeeSimulator) -> str:
    """``YYMMDD`` + 8 characters, the shape of Shopee order numbers (``201218V2Y6E59M``).

    The characters count up from a random start per run (``ShopeeState.next_order_number``),
    so a restarted sandbox does not repeat the order numbers of its previous run.
    """
    from datetime import UTC, datetime

    day = datetime.fromtimestamp(sim.clock.timestamp(), tz=UTC).strftime("%y%m%d")
    return day + _base36(sim.state.next_order_number(), 8)


def _stock_holder(sim: ShopeeSimulator, line: OrderLine) -> Item | Model:
    item = sim.state.items[line.item_id]
    return item.models[line.model_id] if line.model_id else item


def build_line(sim: ShopeeSimulator, shop_id: int, spec: dict[str, Any]) -> OrderLine:
    """An order line from ``{"item_id", "model_id"?, "quantity"}`` or ``{"sku", "quantity"}``."""
    quantity = int(spec.get("quantity", 1))
    if quantity < 1:
        raise ControlError("quantity must be at least 1")
    if "sku" in spec:
        found = sim.state.find_model_by_sku(shop_id, str(spec["sku"]))
        if found is None:
            raise ControlError(f"no item or model with SKU {spec['sku']!r} in shop {shop_id}")
        item, model = found
    else:
        item = sim.state.items.get(int(spec["item_id"]))
        if item is None or item.shop_id != shop_id:
            raise ControlError(f"item {spec.get('item_id')} is not in shop {shop_id}")
        model_id = int(spec.get("model_id") or 0)
        model = item.models.get(model_id) if model_id else None
        if item.has_model and model is None:
            raise ControlError(f"item {item.item_id} needs a valid model_id")
    holder = model or item
    if holder.stock < quantity:
        raise ControlError(
            f"only {holder.stock} in stock for {model.model_sku if model else item.item_sku}"
        )
    return OrderLine(
        item_id=item.item_id,
        model_id=model.model_id if model else 0,
        quantity=quantity,
        price=model.price if model else item.price,
        item_name=item.item_name,
        item_sku=item.item_sku,
        model_name=_model_name(item, model),
        model_sku=model.model_sku if model else "",
        order_item_id=item.item_id,
    )


def _model_name(item: Item, model: Model | None) -> str:
    if model is None:
        return ""
    names = []
    for tier, index in zip(item.tier_variation, model.tier_index, strict=False):
        options = tier.get("option_list", [])
        if index < len(options):
            names.append(str(options[index].get("option", "")))
    return ",".join(names)


def create_order(
    sim: ShopeeSimulator,
    shop_id: int,
    lines: list[dict[str, Any]],
    *,
    paid: bool = False,
    cod: bool = False,
    buyer_username: str = "sandbox_buyer",
    message_to_seller: str = "",
    recipient_address: dict[str, str] | None = None,
    create_time: int | None = None,
    days_to_ship: int = 2,
    estimated_shipping_fee: float = 0.0,
) -> Order:
    """A buyer places an order (UNPAID, or paid at once with ``paid=True``)."""
    shop = sim.state.shops.get(shop_id)
    if shop is None:
        raise ControlError(f"shop {shop_id} does not exist")
    if not lines:
        raise ControlError("an order needs at least one line")
    built = [build_line(sim, shop_id, spec) for spec in lines]
    now = create_time if create_time is not None else sim.clock.timestamp()
    order = Order(
        order_sn=new_order_sn(sim),
        shop_id=shop_id,
        status="UNPAID",
        lines=built,
        create_time=now,
        update_time=now,
        buyer_user_id=100000 + sim.state.next_id(),
        buyer_username=buyer_username,
        recipient_address={**DEFAULT_ADDRESS, "region": shop.region, **(recipient_address or {})},
        package_number=f"OFG{100000000000000 + sim.state.next_id()}",
        cod=cod,
        payment_method="Cash on Delivery" if cod else "Credit Card/Debit Card",
        message_to_seller=message_to_seller,
        days_to_ship=days_to_ship,
        estimated_shipping_fee=estimated_shipping_fee,
    )
    sim.state.orders[order.order_sn] = order
    _push_status(sim, order)
    if paid or cod:
        pay(sim, order)
    return order


def _push_status(sim: ShopeeSimulator, order: Order) -> None:
    data = {
        "items": [],
        "ordersn": order.order_sn,
        "status": order.status,
        "completed_scenario": "",
        "update_time": order.update_time,
    }
    sim.push_to_shop(order.shop_id, ORDER_STATUS_PUSH, data)


def set_status(sim: ShopeeSimulator, order: Order, status: str) -> None:
    """Change status, bump ``update_time`` and notify (push code 3)."""
    order.status = status
    order.update_time = max(order.update_time, sim.clock.timestamp())
    _push_status(sim, order)


def require_status(order: Order, *allowed: str) -> None:
    if order.status not in allowed:
        raise ControlError(f"order {order.order_sn} is {order.status}, expected one of {allowed}")


def pay(sim: ShopeeSimulator, order: Order) -> None:
    """The buyer pays: stock is deducted and the order becomes READY_TO_SHIP."""
    require_status(order, "UNPAID")
    for line in order.lines:
        holder = _stock_holder(sim, line)
        if holder.stock < line.quantity:
            raise ControlError(f"not enough stock left to pay order {order.order_sn}")
    for line in order.lines:
        _stock_holder(sim, line).stock -= line.quantity
    order.stock_deducted = True
    now = sim.clock.timestamp()
    order.pay_time = now
    order.ship_by_date = now + order.days_to_ship * 86400
    order.logistics_status = "LOGISTICS_READY"
    set_status(sim, order, "READY_TO_SHIP")


def cancel(sim: ShopeeSimulator, order: Order, by: str, reason: str) -> None:
    """Cancel for good, giving back deducted stock."""
    if order.stock_deducted:
        for line in order.lines:
            _stock_holder(sim, line).stock += line.quantity
        order.stock_deducted = False
    order.cancel_by = by
    order.cancel_reason = reason
    order.logistics_status = (
        "LOGISTICS_REQUEST_CANCELED" if order.tracking_number else ("LOGISTICS_INVALID")
    )
    set_status(sim, order, "CANCELLED")


def buyer_requests_cancellation(sim: ShopeeSimulator, order: Order, reason: str) -> None:
    """Unpaid orders cancel at once; paid ones wait in IN_CANCEL for the seller's answer."""
    require_status(order, "UNPAID", "READY_TO_SHIP", "PROCESSED", "RETRY_SHIP")
    order.buyer_cancel_reason = reason
    if order.status == "UNPAID":
        cancel(sim, order, "buyer", reason)
        return
    order.status_before_cancel_request = order.status
    set_status(sim, order, "IN_CANCEL")


def answer_buyer_cancellation(sim: ShopeeSimulator, order: Order, accept: bool) -> None:
    """Seller ACCEPTs (order cancelled) or REJECTs (back to where it was)."""
    if accept:
        cancel(sim, order, "buyer", order.buyer_cancel_reason)
    else:
        set_status(sim, order, order.status_before_cancel_request or "READY_TO_SHIP")


def arrange_shipment(sim: ShopeeSimulator, order: Order, mode: str) -> None:
    """``ship_order`` succeeded: PROCESSED, tracking number assigned (push codes 3 and 4)."""
    order.ship_mode = mode
    if not order.tracking_number:
        shop = sim.state.shops[order.shop_id]
        order.tracking_number = f"SPX{shop.region}{sim.state.next_id():010d}"
    order.logistics_status = "LOGISTICS_REQUEST_CREATED"
    set_status(sim, order, "PROCESSED")
    sim.push_to_shop(
        order.shop_id,
        TRACKING_NUMBER_PUSH,
        {
            "ordersn": order.order_sn,
            "forder_id": order.package_number,
            "package_number": order.package_number,
            "tracking_no": order.tracking_number,
        },
    )


def pickup_done(sim: ShopeeSimulator, order: Order) -> None:
    require_status(order, "PROCESSED")
    order.pickup_done_time = sim.clock.timestamp()
    order.logistics_status = "LOGISTICS_PICKUP_DONE"
    set_status(sim, order, "SHIPPED")


def pickup_failed(sim: ShopeeSimulator, order: Order) -> None:
    require_status(order, "PROCESSED")
    order.logistics_status = "LOGISTICS_PICKUP_RETRY"
    set_status(sim, order, "RETRY_SHIP")


def delivered(sim: ShopeeSimulator, order: Order) -> None:
    require_status(order, "SHIPPED")
    order.logistics_status = "LOGISTICS_DELIVERY_DONE"
    set_status(sim, order, "TO_CONFIRM_RECEIVE")


def completed(sim: ShopeeSimulator, order: Order) -> None:
    require_status(order, "TO_CONFIRM_RECEIVE", "TO_RETURN")
    set_status(sim, order, "COMPLETED")
