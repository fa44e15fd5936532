"""Order jobs: held orders are retried every minute, the longest-waiting first."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from omnichannel.orders import services
from omnichannel.orders.models import Order, OrderStatus

logger = logging.getLogger("omnichannel.orders")
RETRIED_HOLDS = (
    Order.HoldReason.INSUFFICIENT_STOCK,
    Order.HoldReason.PRE_ORDER,
    Order.HoldReason.MAPPING_ERROR,
)
BATCH = 500


def retry_held_orders() -> int:
    """Try to release held orders in order-time order; returns how many were released."""
    held = Order.objects.filter(status=OrderStatus.ON_HOLD, hold_reason__in=RETRIED_HOLDS)
    released = 0
    for order in held.order_by("placed_at", "pk")[:BATCH]:
        if services.release(order).status != OrderStatus.ON_HOLD:
            released += 1
    if released:
        logger.info("released held orders", extra={"released": released})
    return released


@db_periodic_task(crontab(minute="*"))
def retry_held_orders_task() -> None:
    retry_held_orders()
