"""What a channel sent beyond the unified fields is kept on the order, as plain JSON."""

from __future__ import annotations

from decimal import Decimal

from omnichannel.orders import services
from omnichannel.orders.models import Order

from .factories import order


def test_channel_data_with_decimals_is_stored_as_plain_json(world):
    extras = {"actual_shipping_fee": Decimal("1.50"), "fees": [{"amount": Decimal("0.25")}]}

    result = services.ingest(world.shopee, order(channel_data=extras))

    stored = Order.objects.get(pk=result.order.pk).channel_data
    assert stored == {"actual_shipping_fee": "1.50", "fees": [{"amount": "0.25"}]}
