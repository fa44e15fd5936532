"""A new order is announced and answered from the objects in hand: exactly what reading it
back gives, whatever happened when it was placed."""

from datetime import timedelta, timezone
from decimal import Decimal

import pytest

from omnichannel.fulfillment.models import Shipment
from omnichannel.notifications.models import Event
from omnichannel.orders import services
from omnichannel.orders.models import Order
from omnichannel.orders.schemas import OrderOut, order_data, order_snapshot, with_details
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


@pytest.mark.parametrize(
    "incoming",
    [
        order(lines=[("GIFT", 1), ("TEE", 2), ("MUG", 1)]),
        order(lines=[("NEW-HAT", 1)]),
        order(lines=[("TEE", 11)]),
        order(status=OrderStatus.SHIPPED, lines=[("TEE", 1), ("MUG", 1)]),
        order(fulfilled_by=FulfilledBy.CHANNEL, lines=[("MUG", 2)]),
    ],
    ids=["bundle-and-lines", "unmapped", "insufficient", "shipped", "fulfilled-by-channel"],
)
def test_an_order_read_back_is_what_the_orm_reads(world, incoming):
    """``order_snapshot`` (written-out statements) against ``OrderOut.from_orm`` of the
    order read through the ORM with its details: lines, reservations, shipments."""
    placed = services.ingest(world.shopee, incoming).order
    Shipment.objects.create(
        tenant=placed.tenant, order=placed, carrier="JNE", tracking_number="JNE-1",
        pickup_slot={"date": "2026-12-12", "from": "09:00"}, label="labels/2026/12/a.pdf",
    )  # fmt: skip
    Shipment.objects.create(tenant=placed.tenant, order=placed, status="picked_up")

    ours = order_snapshot(placed)
    orm = OrderOut.from_orm(with_details(Order.objects.filter(pk=placed.pk)).get())

    assert ours.model_dump(mode="json") == orm.model_dump(mode="json")
    assert ours.model_dump() == orm.model_dump()
    assert [type(v) for v in ours.model_dump().values()] == [
        type(v) for v in orm.model_dump().values()
    ]


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
