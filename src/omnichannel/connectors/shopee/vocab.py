"""Shopee's vocabularies and their unified meaning: order, logistics, return statuses, errors.

The trap: Shopee ``READY_TO_SHIP`` means *paid, to be processed* (our ``ready_to_process``);
*arranged* is ``PROCESSED`` (our ``ready_to_ship``).
"""

from __future__ import annotations

from omnichannel.connectors.errors import (
    AuthExpired,
    AuthRevoked,
    ConnectorError,
    InvalidRequest,
    NotFound,
    RateLimited,
    RemoteUnavailable,
)
from omnichannel.unified.orders import HoldReason, OrderStatus
from omnichannel.unified.returns import ReturnStatus
from omnichannel.unified.shipments import ShipmentStatus

# Shopee order_status -> (unified status, hold reason, cancel requested)
ORDER_STATUS: dict[str, tuple[OrderStatus, HoldReason | None, bool]] = {
    "UNPAID": (OrderStatus.PENDING_PAYMENT, None, False),
    "READY_TO_SHIP": (OrderStatus.READY_TO_PROCESS, None, False),
    "PROCESSED": (OrderStatus.READY_TO_SHIP, None, False),
    "RETRY_SHIP": (OrderStatus.READY_TO_SHIP, None, False),
    "SHIPPED": (OrderStatus.SHIPPED, None, False),
    "TO_CONFIRM_RECEIVE": (OrderStatus.DELIVERED, None, False),
    "COMPLETED": (OrderStatus.COMPLETED, None, False),
    # The buyer asked to cancel; the order stays to process until the seller answers.
    "IN_CANCEL": (OrderStatus.READY_TO_PROCESS, None, True),
    "CANCELLED": (OrderStatus.CANCELLED, None, False),
    "TO_RETURN": (OrderStatus.RETURNED, None, False),
    # Shopee checks (KYC, system) or a missing invoice (BR) before the order may ship.
    "PENDING": (OrderStatus.ON_HOLD, HoldReason.PAYMENT, False),
    "INVOICE_PENDING": (OrderStatus.ON_HOLD, HoldReason.MANUAL, False),
}


def order_status(channel_status: str) -> tuple[OrderStatus, HoldReason | None, bool]:
    """Unified (status, hold reason, cancel requested). An unknown status holds the order
    for a human rather than guessing that it may ship."""
    return ORDER_STATUS.get(channel_status, (OrderStatus.ON_HOLD, HoldReason.MANUAL, False))


PACKAGE_STATUS: dict[str, ShipmentStatus] = {
    "LOGISTICS_NOT_START": ShipmentStatus.PENDING,
    "LOGISTICS_PENDING_ARRANGE": ShipmentStatus.PENDING,
    "LOGISTICS_READY": ShipmentStatus.ARRANGED,
    "LOGISTICS_REQUEST_CREATED": ShipmentStatus.ARRANGED,
    "LOGISTICS_PICKUP_RETRY": ShipmentStatus.ARRANGED,
    "LOGISTICS_PICKUP_DONE": ShipmentStatus.PICKED_UP,
    "LOGISTICS_DELIVERY_DONE": ShipmentStatus.DELIVERED,
    "LOGISTICS_COD_REJECTED": ShipmentStatus.FAILED,
    "LOGISTICS_INVALID": ShipmentStatus.FAILED,
    "LOGISTICS_REQUEST_CANCELED": ShipmentStatus.FAILED,
    "LOGISTICS_PICKUP_FAILED": ShipmentStatus.FAILED,
    "LOGISTICS_DELIVERY_FAILED": ShipmentStatus.FAILED,
    "LOGISTICS_LOST": ShipmentStatus.FAILED,
}

# Statuses of single tracking events (get_tracking_info), a different vocabulary.
TRACKING_EVENT_STATUS: dict[str, ShipmentStatus] = {
    "INITIAL": ShipmentStatus.PENDING,
    "ORDER_INIT": ShipmentStatus.PENDING,
    "ORDER_SUBMITTED": ShipmentStatus.PENDING,
    "ORDER_CREATED": ShipmentStatus.PENDING,
    "ORDER_FINALIZED": ShipmentStatus.ARRANGED,
    "PICKUP_REQUESTED": ShipmentStatus.ARRANGED,
    "PICKUP_PENDING": ShipmentStatus.ARRANGED,
    "PICKUP_RETRY": ShipmentStatus.ARRANGED,
    "PICKED_UP": ShipmentStatus.PICKED_UP,
    "DELIVERY_PENDING": ShipmentStatus.OUT_FOR_DELIVERY,
    "DELIVERED": ShipmentStatus.DELIVERED,
    "FAILED_DELIVERED": ShipmentStatus.FAILED,
    "LOST": ShipmentStatus.FAILED,
    "CANCEL": ShipmentStatus.FAILED,
    "CANCELED": ShipmentStatus.FAILED,
    "RETURN_STARTED": ShipmentStatus.RETURNING,
    "RETURN_INITIATED": ShipmentStatus.RETURNING,
    "RETURN_PENDING": ShipmentStatus.RETURNING,
    "RETURNED": ShipmentStatus.RETURNED,
}


def package_status(channel_status: str | None) -> ShipmentStatus | None:
    return PACKAGE_STATUS.get(channel_status or "")


def tracking_event_status(channel_status: str | None) -> ShipmentStatus:
    """Events Shopee adds later (UPDATE, ...) still mean the parcel is moving."""
    return TRACKING_EVENT_STATUS.get(channel_status or "", ShipmentStatus.IN_TRANSIT)


RETURN_STATUS: dict[str, ReturnStatus] = {
    "REQUESTED": ReturnStatus.REQUESTED,
    "JUDGING": ReturnStatus.REQUESTED,
    "SELLER_DISPUTE": ReturnStatus.REQUESTED,
    "ACCEPTED": ReturnStatus.APPROVED,
    "PROCESSING": ReturnStatus.IN_TRANSIT,
    "REFUND_PAID": ReturnStatus.REFUNDED,
    "CANCELLED": ReturnStatus.CLOSED,
    "CLOSED": ReturnStatus.CLOSED,
}


def return_status(channel_status: str) -> ReturnStatus:
    return RETURN_STATUS.get(channel_status, ReturnStatus.REQUESTED)


ITEM_STATUS_ACTIVE = "NORMAL"
ITEM_STATUSES = ("NORMAL", "BANNED", "UNLIST", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE")

# ------------------------------------------------------------------------------ errors

AUTH_EXPIRED = {"error_auth", "invalid_acceess_token", "invalid_access_token", "error_token"}
AUTH_REVOKED = {
    "refresh_token_expired",
    "error_shop_refresh_token",
    "error_merchant_refresh_token",
    "invalid_refresh_token",
    "shop_access_expired",
    "merchant_access_expired",
    "shop_no_linked",
    "merchant_no_linked",
    "shop_banned",
    "error_banned",
}
RATE_LIMITED = {
    "error_rate_limit",
    "error_too_many_request",
    "logistics.error_too_many_invoke_function",
}
REMOTE_UNAVAILABLE = {
    "error_server",
    "error_network",
    "error_inner",
    "error_busi_inner",
    "error_exception",
    "logistics.error_network",
    "logistics.error_timeout",
    "logistics.error_core_server",
    "logistics.error_third_party_server",
    "logistics.download_later",
}
NOT_FOUND = {"error_not_found", "error_item_not_found", "logistics.order not found"}
CATCH_ALL = "error_data"


def error_class(channel_code: str, message: str = "") -> type[ConnectorError]:
    """The typed error for a Shopee ``error`` string. Unknown codes are the caller's fault:
    repeating an unknown refusal is never safe."""
    if channel_code in AUTH_EXPIRED:
        return AuthExpired
    if channel_code in AUTH_REVOKED:
        return AuthRevoked
    if channel_code in RATE_LIMITED or ".rate_limit." in channel_code:
        return RateLimited
    if channel_code in REMOTE_UNAVAILABLE:
        return RemoteUnavailable
    if channel_code in NOT_FOUND or channel_code.endswith(("not_found", "not_exist")):
        return NotFound
    if channel_code == CATCH_ALL:
        return _catch_all_class(message.lower())
    return InvalidRequest


def _catch_all_class(message: str) -> type[ConnectorError]:
    """``error_data`` covers a missing record, a passing failure and a bad request alike
    (e.g. "The return you queried doesn't exist.", "Please try later. [20]",
    "lack of param"); only its message tells them apart."""
    if "not exist" in message or "n't exist" in message:
        return NotFound
    if "try later" in message:
        return RemoteUnavailable
    return InvalidRequest


def to_error(
    channel_code: str, message: str, request_id: str | None, status_code: int | None
) -> ConnectorError:
    cls = error_class(channel_code, message)
    return cls(
        message or channel_code,
        channel_code=channel_code,
        request_id=request_id,
        status_code=status_code,
    )


# -------------------------------------------------------------------------- push codes

PUSH_SHOP_AUTHORIZED = 1
PUSH_SHOP_DEAUTHORIZED = 2
PUSH_ORDER_STATUS = 3
PUSH_TRACKING_NUMBER = 4
PUSH_ITEM_BANNED = 6
PUSH_RESERVED_STOCK = 8
PUSH_AUTHORIZATION_EXPIRY = 12
PUSH_SHIPPING_DOCUMENT = 15
