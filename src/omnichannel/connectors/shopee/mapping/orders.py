"""Shopee orders (get_order_detail) as unified orders: lines, packages, address."""

from __future__ import annotations

from decimal import Decimal

from omnichannel.connectors.shopee import schemas, vocab
from omnichannel.connectors.shopee.mapping.common import CHANNEL, from_timestamp, none_if_blank
from omnichannel.unified.orders import (
    Address,
    Buyer,
    FulfilledBy,
    OrderLine,
    OrderPackage,
    OrderStatus,
    OrderType,
    UnifiedOrder,
)


def to_unified_order(detail: schemas.OrderDetail) -> UnifiedOrder:
    """A Shopee order detail (asked with the optional fields) as a unified order."""
    status, hold_reason, cancel_requested = vocab.order_status(detail.order_status)
    lines = [_order_line(item) for item in detail.item_list]
    subtotal = sum(((line.paid_price or Decimal(0)) * line.quantity for line in lines), Decimal(0))
    address = detail.recipient_address
    return UnifiedOrder(
        channel=CHANNEL,
        external_id=detail.order_sn,
        type=OrderType.MARKETPLACE,
        fulfilled_by=(
            FulfilledBy.CHANNEL
            if detail.fulfillment_flag == "fulfilled_by_shopee"
            else FulfilledBy.SELLER
        ),
        status=status,
        channel_status=detail.order_status,
        hold_reason=hold_reason,
        cancel_requested=cancel_requested,
        created_at=from_timestamp(detail.create_time),
        updated_at=from_timestamp(detail.update_time),
        paid_at=from_timestamp(detail.pay_time),
        ship_by=from_timestamp(detail.ship_by_date),
        cancelled_at=(
            from_timestamp(detail.update_time) if status is OrderStatus.CANCELLED else None
        ),
        currency=detail.currency,
        subtotal=subtotal if lines else None,
        shipping_fee=detail.estimated_shipping_fee,
        total=detail.total_amount,
        cod=detail.cod,
        payment_method=detail.payment_method,
        buyer=Buyer(username=detail.buyer_username),
        shipping_address=_address(address) if address else None,
        lines=lines,
        packages=[_package(package) for package in detail.package_list],
        note=none_if_blank(detail.message_to_seller),
        channel_data={
            **detail.extras(),
            "region": detail.region,
            "buyer_user_id": detail.buyer_user_id,
            "cancel_by": detail.cancel_by,
            "cancel_reason": detail.cancel_reason,
            "buyer_cancel_reason": detail.buyer_cancel_reason,
            "fulfillment_flag": detail.fulfillment_flag,
            "shipping_carrier": detail.shipping_carrier,
        },
    )


def _line_id(item_id: int, model_id: int, order_item_id: int | None, group: int | None) -> str:
    """Shopee has no line id: an order holds one line per (item, model, promotion group)."""
    return f"{order_item_id or item_id}:{model_id}:{group or 0}"


def _order_line(item: schemas.OrderItem) -> OrderLine:
    return OrderLine(
        external_line_id=_line_id(
            item.item_id, item.model_id, item.order_item_id, item.promotion_group_id
        ),
        channel_sku=none_if_blank(item.model_sku) or none_if_blank(item.item_sku),
        external_item_id=str(item.item_id),
        external_variant_id=str(item.model_id) if item.model_id else None,
        name=item.item_name,
        variant_name=none_if_blank(item.model_name),
        quantity=item.model_quantity_purchased,
        unit_price=item.model_original_price,
        paid_price=item.model_discounted_price,
        channel_data=item.extras(),
    )


def _package(package: schemas.OrderPackage) -> OrderPackage:
    return OrderPackage(
        external_package_id=package.package_number,
        carrier=package.shipping_carrier,
        status=package.logistics_status,
        external_line_ids=[
            _line_id(i.item_id, i.model_id, i.order_item_id, i.promotion_group_id)
            for i in package.item_list
        ],
        channel_data={**package.extras(), "logistics_channel_id": package.logistics_channel_id},
    )


def _address(address: schemas.RecipientAddress) -> Address:
    return Address(
        name=address.name,
        phone=address.phone,
        line1=address.full_address,
        line2=none_if_blank(address.town),
        district=none_if_blank(address.district),
        city=none_if_blank(address.city),
        province=none_if_blank(address.state),
        postal_code=none_if_blank(address.zipcode),
        country=address.region,
        full=address.full_address,
    )
