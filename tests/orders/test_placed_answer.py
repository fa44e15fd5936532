"""A new order is announced and answered from the objects in hand: exactly what reading it
back gives, whatever happened when it was placed."""

from datetime import timedelta, timezone
from decimal import Decimal

import pytest

from omnichannel.notifications.models import Event
from omnichannel.orders import services
from omnichannel.orders.schemas import order_data
from omnichannel.unified.orders import Buyer, FulfilledBy, OrderStatus, OrderType

from .factories import T0, order, stock

JAKARTA = timezone(timedelta(hours=7))


def assert_announced_as_read_back(result: services.IngestResult) -> None:
    read_back = order_data(result.order)
    assert result.snapshot is not None
    assert result.snapshot.model_dump(mode="json") == read_back
    created = Event.objects.get(type="order.created", subject_id=str(result.order.pk))
    assert created.data == read_back


@pytest.mark.parametrize(
    "incoming",
    [
        order(lines=[("TEE", 3)]),
        order(lines=[("GIFT", 1), ("TEE", 2), ("MUG", 1)]),
        order(lines=[("NEW-HAT", 1)]),
        order(lines=[("TEE", 11)]),
        order(status=OrderStatus.CANCELLED),
        order(status=OrderStatus.SHIPPED, lines=[("TEE", 1)]),
        order(fulfilled_by=FulfilledBy.CHANNEL, lines=[("MUG", 2)]),
        order(status=OrderStatus.PENDING_PAYMENT, lines=[("TEE", 1)]),
    ],
    ids=[
        "reserved",
        "bundle-and-lines",
        "unmapped",
        "insufficient",
        "cancelled",
        "first-seen-shipped",
        "fulfilled-by-channel",
        "unpaid",
    ],
)
def test_the_announced_order_is_the_order_read_back(world, incoming):
    assert_announced_as_read_back(services.ingest(world.shopee, incoming))


def test_local_times_and_loose_decimals_are_announced_as_stored(world):
    incoming = order(
        lines=[("TEE", 1)],
        paid_at=T0.astimezone(JAKARTA),
        shipping_fee=Decimal("9000.5"),
        subtotal=Decimal("75000"),
        buyer=Buyer(name="Budi", phone=None),
    )
    incoming.created_at = T0.astimezone(JAKARTA)
    incoming.lines[0].unit_price = Decimal("75000.1")
    assert_announced_as_read_back(services.ingest(world.shopee, incoming))


def test_a_pos_sale_is_announced_with_nothing_left_reserved(world):
    stock(world.sby, world.tee, 5)
    sale = order(
        external_id="POS-1", type=OrderType.POS, status=OrderStatus.COMPLETED, lines=[("TEE", 2)]
    )
    result = services.ingest(world.pos, sale)
    assert result.snapshot.lines[0].reserved == 0
    assert_announced_as_read_back(result)
