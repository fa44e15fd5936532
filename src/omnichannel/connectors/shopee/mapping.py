"""Pure translation between Shopee payloads (schemas.py) and unified models. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from omnichannel.connectors.shopee import schemas, vocab
from omnichannel.unified.auth import TokenSet
from omnichannel.unified.catalog import (
    Attribute,
    AttributeValue,
    Category,
    ChannelItem,
    ChannelVariant,
    ListingDraft,
    ListingStatus,
)
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
from omnichannel.unified.returns import Return, ReturnLine
from omnichannel.unified.shipments import (
    DropoffBranch,
    PickupAddress,
    PickupSlot,
    ShippingOptions,
    ShipRequest,
    Tracking,
    TrackingEvent,
)
from omnichannel.unified.stock import ChannelStock, StockUpdate, StockUpdateResult

CHANNEL = "shopee"
NO_MODEL = 0  # Shopee's model_id for an item without variations


def from_timestamp(value: int | None) -> datetime | None:
    """Shopee sends unix seconds; 0 means 'not set'."""
    if not value:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def to_timestamp(value: datetime) -> int:
    return int(value.timestamp())


def _none_if_blank(value: str | None) -> str | None:
    return value or None


# ----------------------------------------------------------------------------- orders


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
        note=_none_if_blank(detail.message_to_seller),
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
        channel_sku=_none_if_blank(item.model_sku) or _none_if_blank(item.item_sku),
        external_item_id=str(item.item_id),
        external_variant_id=str(item.model_id) if item.model_id else None,
        name=item.item_name,
        variant_name=_none_if_blank(item.model_name),
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
        line2=_none_if_blank(address.town),
        district=_none_if_blank(address.district),
        city=_none_if_blank(address.city),
        province=_none_if_blank(address.state),
        postal_code=_none_if_blank(address.zipcode),
        country=address.region,
        full=address.full_address,
    )


# ---------------------------------------------------------------------------- catalog


def to_category(entry: schemas.CategoryEntry) -> Category:
    return Category(
        id=str(entry.category_id),
        parent_id=str(entry.parent_category_id) if entry.parent_category_id else None,
        name=entry.display_category_name or entry.original_category_name,
        has_children=entry.has_children,
        channel_data=entry.extras(),
    )


def to_attribute(entry: schemas.AttributeEntry) -> Attribute:
    input_type = entry.attribute_info.get("input_type")
    return Attribute(
        id=str(entry.attribute_id),
        name=entry.name,
        mandatory=entry.mandatory,
        input_type=str(input_type) if input_type is not None else None,
        values=[
            AttributeValue(id=str(v.value_id), name=v.name, unit=_none_if_blank(v.value_unit))
            for v in entry.attribute_value_list
        ],
        channel_data={**entry.extras(), "attribute_info": entry.attribute_info},
    )


def _listing_status(item_status: str) -> ListingStatus:
    return {
        "NORMAL": ListingStatus.ACTIVE,
        "UNLIST": ListingStatus.INACTIVE,
        "BANNED": ListingStatus.BANNED,
        "REVIEWING": ListingStatus.REVIEWING,
        "SELLER_DELETE": ListingStatus.DELETED,
        "SHOPEE_DELETE": ListingStatus.DELETED,
    }.get(item_status, ListingStatus.INACTIVE)


def _seller_stock(stock: schemas.StockInfo | None) -> tuple[int | None, int | None]:
    """(quantity we set, reserved) from stock_info_v2; the sum over seller locations."""
    if stock is None:
        return None, None
    quantity = sum(entry.stock for entry in stock.seller_stock)
    return quantity, stock.summary_info.total_reserved_stock


def _variant_name(model: schemas.Model, tiers: Sequence[schemas.TierVariation]) -> str | None:
    options = [
        tiers[tier].option_list[index].option
        for tier, index in enumerate(model.tier_index)
        if tier < len(tiers) and index < len(tiers[tier].option_list)
    ]
    return ",".join(options) or None


def to_channel_item(
    base: schemas.ItemBaseInfo, models: schemas.ModelList | None = None
) -> ChannelItem:
    """An item (get_item_base_info) with its models (get_model_list) as one listing."""
    price = base.price_info[0] if base.price_info else None
    quantity, _ = _seller_stock(base.stock_info_v2)
    variants = []
    for model in models.model if models else []:
        model_price = model.price_info[0] if model.price_info else None
        model_quantity, reserved = _seller_stock(model.stock_info_v2)
        variants.append(
            ChannelVariant(
                external_variant_id=str(model.model_id),
                channel_sku=_none_if_blank(model.model_sku),
                name=_variant_name(model, models.tier_variation),
                price=model_price.current_price if model_price else None,
                currency=model_price.currency if model_price else None,
                stock=model_quantity,
                reserved=reserved,
                status=(
                    ListingStatus.ACTIVE
                    if model.model_status == "MODEL_NORMAL"
                    else ListingStatus.INACTIVE
                ),
                channel_data=model.extras(),
            )
        )
    return ChannelItem(
        external_item_id=str(base.item_id),
        channel_sku=_none_if_blank(base.item_sku),
        name=base.item_name,
        description=base.description,
        status=_listing_status(base.item_status),
        channel_status=base.item_status,
        category_id=str(base.category_id) if base.category_id else None,
        attributes={
            str(a.attribute_id): [v.original_value_name for v in a.attribute_value_list]
            for a in base.attribute_list
        },
        images=base.image.image_url_list if base.image else [],
        price=price.current_price if price else None,
        currency=price.currency if price else None,
        stock=quantity,
        weight_g=int(base.weight * 1000) if base.weight is not None else None,
        updated_at=from_timestamp(base.update_time),
        variants=variants,
        channel_data=base.extras(),
    )


def add_item_payload(draft: ListingDraft) -> dict[str, Any]:
    """add_item body. Shopee wants kg and an image id list; logistic_info comes from the
    draft's channel_data because it depends on the shop's enabled channels."""
    product = draft.product
    body: dict[str, Any] = {
        "item_name": product.name,
        "description": product.description,
        "item_sku": product.sku,
        "original_price": draft.price,
        "category_id": int(draft.category_id),
        "weight": Decimal(product.weight_g or 0) / 1000,
        "image": {"image_id_list": draft.image_ids},
        "item_status": "NORMAL" if draft.active else "UNLIST",
        "seller_stock": [{"stock": draft.quantity}],
        "attribute_list": [
            {"attribute_id": int(attribute_id), "attribute_value_list": _attribute_values(values)}
            for attribute_id, values in draft.attributes.items()
        ],
        **draft.channel_data,
    }
    if product.length_mm and product.width_mm and product.height_mm:
        body["dimension"] = {
            "package_length": _cm(product.length_mm),
            "package_width": _cm(product.width_mm),
            "package_height": _cm(product.height_mm),
        }
    return body


def _cm(millimetres: int) -> int:
    return max(1, round(millimetres / 10))


def _attribute_values(values: list[str]) -> list[dict[str, Any]]:
    """Numeric values are Shopee value ids; anything else is free text (value_id 0)."""
    return [
        {"value_id": int(value)}
        if value.isdigit()
        else {"value_id": 0, "original_value_name": value}
        for value in values
    ]


def init_tier_variation_payload(item_id: int, draft: ListingDraft) -> dict[str, Any]:
    """One tier whose options are the draft's variants, one model per option."""
    return {
        "item_id": item_id,
        "tier_variation": [
            {
                "name": draft.variant_tier_name,
                "option_list": [{"option": variant.option} for variant in draft.variants],
            }
        ],
        "model": [
            {
                "tier_index": [index],
                "original_price": variant.price,
                "model_sku": variant.sku,
                "seller_stock": [{"stock": variant.quantity}],
            }
            for index, variant in enumerate(draft.variants)
        ],
    }


# ------------------------------------------------------------------------------ stock


def stock_update_payload(
    item_id: str, updates: Sequence[StockUpdate]
) -> schemas.UpdateStockRequest:
    """One update_stock call for one item; an item without models uses model_id 0."""
    return schemas.UpdateStockRequest(
        item_id=int(item_id),
        stock_list=[
            schemas.ModelStock(
                model_id=int(update.external_variant_id or NO_MODEL),
                seller_stock=[
                    schemas.StockTarget(location_id=update.location_id, stock=update.quantity)
                ],
            )
            for update in updates
        ],
    )


def to_stock_results(
    updates: Sequence[StockUpdate], response: schemas.UpdateStockResponse
) -> list[StockUpdateResult]:
    """One result per update. Shopee lists failures by model; a model absent from both
    lists is not confirmed, so it is reported as failed for the drain to retry."""
    failed = {failure.model_id: failure.failed_reason for failure in response.failure_list}
    succeeded = {success.model_id for success in response.success_list}
    results = []
    for update in updates:
        model_id = int(update.external_variant_id or NO_MODEL)
        ok = model_id in succeeded and model_id not in failed
        reason = failed.get(model_id, "" if ok else "not confirmed by Shopee")
        results.append(
            StockUpdateResult(
                external_item_id=update.external_item_id,
                external_variant_id=update.external_variant_id,
                quantity=update.quantity,
                ok=ok,
                error_code=None if ok else "stock.rejected",
                error_message=None if ok else reason,
            )
        )
    return results


def to_channel_stock(item: ChannelItem) -> list[ChannelStock]:
    """Read-back rows: one per variant, or one for an item without variants."""
    if not item.variants:
        return [
            ChannelStock(
                external_item_id=item.external_item_id,
                channel_sku=item.channel_sku,
                quantity=item.stock or 0,
            )
        ]
    return [
        ChannelStock(
            external_item_id=item.external_item_id,
            external_variant_id=variant.external_variant_id,
            channel_sku=variant.channel_sku,
            quantity=variant.stock or 0,
            reserved=variant.reserved,
        )
        for variant in item.variants
    ]


# -------------------------------------------------------------------------- logistics


def to_shipping_options(
    order_sn: str, package_number: str | None, parameter: schemas.ShippingParameter
) -> ShippingOptions:
    needed = parameter.info_needed
    modes = [
        mode
        for mode, fields in (
            ("pickup", needed.pickup),
            ("dropoff", needed.dropoff),
            ("seller_own", needed.non_integrated),
        )
        if fields is not None
    ]
    addresses = parameter.pickup.address_list if parameter.pickup else []
    branches = parameter.dropoff.branch_list if parameter.dropoff else []
    return ShippingOptions(
        order_external_id=order_sn,
        package_external_id=package_number,
        modes=modes,
        pickup_fields=needed.pickup or [],
        dropoff_fields=needed.dropoff or [],
        pickup_addresses=[
            PickupAddress(
                id=str(address.address_id),
                full=", ".join(
                    part
                    for part in (
                        address.address,
                        address.town,
                        address.district,
                        address.city,
                        address.state,
                        address.zipcode,
                    )
                    if part
                )
                or None,
                is_default="default_address" in address.address_flag,
                slots=[
                    PickupSlot(
                        id=slot.pickup_time_id,
                        date=from_timestamp(slot.date),
                        text=_none_if_blank(slot.time_text),
                        recommended="recommended" in slot.flags,
                    )
                    for slot in address.time_slot_list
                ],
                channel_data=address.extras(),
            )
            for address in addresses
        ],
        dropoff_branches=[
            DropoffBranch(id=str(branch.branch_id), full=branch.address or None)
            for branch in branches
        ],
        channel_data=parameter.extras(),
    )


def ship_order_payload(
    order_sn: str, package_number: str | None, request: ShipRequest
) -> dict[str, Any]:
    """ship_order body with exactly one mode object, as Shopee requires."""
    body: dict[str, Any] = {"order_sn": order_sn}
    if package_number:
        body["package_number"] = package_number
    if request.dropoff:
        dropoff: dict[str, Any] = {}
        if request.dropoff_branch_id:
            dropoff["branch_id"] = int(request.dropoff_branch_id)
        if request.sender_name:
            dropoff["sender_real_name"] = request.sender_name
        if request.tracking_number:
            dropoff["tracking_number"] = request.tracking_number
        body["dropoff"] = dropoff
    else:
        pickup: dict[str, Any] = {"address_id": int(request.pickup_address_id or 0)}
        if request.pickup_slot_id:
            pickup["pickup_time_id"] = request.pickup_slot_id
        if request.tracking_number:
            pickup["tracking_number"] = request.tracking_number
        body["pickup"] = pickup
    return body


def to_tracking(
    order_sn: str,
    package_number: str | None,
    number: schemas.TrackingNumber,
    info: schemas.TrackingInfo | None,
) -> Tracking:
    events = [
        TrackingEvent(
            time=from_timestamp(event.update_time),
            status=vocab.tracking_event_status(event.logistics_status),
            text=event.description or None,
            channel_status=event.logistics_status,
        )
        for event in (info.tracking_info if info else [])
    ]
    return Tracking(
        order_external_id=order_sn,
        package_external_id=package_number,
        tracking_number=_none_if_blank(number.tracking_number),
        status=vocab.package_status(info.logistics_status) if info else None,
        events=events,
        channel_data={"hint": number.hint} if number.hint else {},
    )


# ---------------------------------------------------------------------------- returns


def to_unified_return(detail: schemas.ReturnDetail) -> Return:
    return Return(
        channel=CHANNEL,
        external_id=detail.return_sn,
        order_external_id=detail.order_sn,
        status=vocab.return_status(detail.status),
        channel_status=detail.status,
        reason=detail.reason,
        lines=[
            ReturnLine(
                sku=_none_if_blank(item.variation_sku) or _none_if_blank(item.item_sku),
                external_item_id=str(item.item_id),
                external_variant_id=str(item.model_id) if item.model_id else None,
                name=item.name or None,
                quantity=item.amount,
                reason=detail.reason,
                refund_amount=item.refund_amount,
                channel_data=item.extras(),
            )
            for item in detail.item
        ],
        return_tracking_number=_none_if_blank(detail.tracking_number),
        refund_amount=detail.refund_amount,
        currency=detail.currency,
        created_at=from_timestamp(detail.create_time),
        updated_at=from_timestamp(detail.update_time),
        channel_data={**detail.extras(), "text_reason": detail.text_reason},
    )


# ------------------------------------------------------------------------------- auth


def to_token_set(token: schemas.TokenResponse, shop_id: str | None, now: datetime) -> TokenSet:
    """Shopee gives lifetimes in seconds; refresh tokens last 30 days and are single-use."""
    return TokenSet(
        access_token=token.access_token,
        refresh_token=token.refresh_token,
        access_expires_at=now + timedelta(seconds=token.expire_in),
        refresh_expires_at=now + timedelta(days=30),
        shop_id=str(token.shop_id) if token.shop_id else shop_id,
    )
