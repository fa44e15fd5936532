"""Shopee logistics: shipping parameters as options, the ship_order body, tracking."""

from __future__ import annotations

from typing import Any

from omnichannel.connectors.shopee import schemas, vocab
from omnichannel.connectors.shopee.mapping.common import from_timestamp, none_if_blank
from omnichannel.unified.shipments import (
    DropoffBranch,
    PickupAddress,
    PickupSlot,
    ShippingOptions,
    ShipRequest,
    Tracking,
    TrackingEvent,
)


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
                        text=none_if_blank(slot.time_text),
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
        tracking_number=none_if_blank(number.tracking_number),
        status=vocab.package_status(info.logistics_status) if info else None,
        events=events,
        channel_data={"hint": number.hint} if number.hint else {},
    )
