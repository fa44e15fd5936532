"""Fulfilling Shopee orders through the connector, end to end over real HTTP: the sandbox
pushes to our live receiver, the WMS drives the order through our API."""

from __future__ import annotations

from datetime import time

import pytest

from omnichannel.channels import fulfillment_sync
from omnichannel.channels.models import Connection
from omnichannel.channels.order_sync import pull_orders_job
from omnichannel.fulfillment.models import PickupRule, Shipment
from omnichannel.inventory.models import Reservation, StockLevel
from omnichannel.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pushing(demo_world, shopee_app, live_server):
    """The sandbox pushes the demo partner's notifications to our live receiver."""
    partner_id = int(shopee_app.credentials["partner_id"])
    demo_world.sim.set_push_callback(partner_id, f"{live_server.url}/hooks/shopee/{shopee_app.pk}")
    return demo_world


def delivered(world) -> None:
    assert world.sim.wait_for_pushes(timeout=30)
    assert {push.status for push in world.sim.pushes()} == {"delivered"}


def test_buyer_order_is_pushed_reserved_picked_up_labelled_and_shipped(pushing, caller):
    world = pushing
    order_sn = world.sandbox.order(("DEMO-TEE-M", 2))
    delivered(world)

    listed = caller.get("/api/v1/orders", channel="shopee").json()["items"]
    (found,) = [o for o in listed if o["external_id"] == order_sn]
    assert found["status"] == "ready_to_process"
    order = Order.objects.get(pk=found["id"])
    assert Reservation.objects.get(order_line__order=order, state="open").quantity == 2

    answer = caller.post(f"/api/v1/orders/{order.pk}/request-pickup", {})

    assert answer.status_code == 200, answer.content
    shipment = answer.json()
    assert shipment["logistics_mode"] == "pickup" and shipment["status"] == "arranged"
    assert shipment["tracking_number"] == world.sim.order(order_sn).tracking_number
    assert shipment["pickup_slot"]["id"]
    label = caller.get(f"/api/v1/shipments/{shipment['id']}/label")
    assert label.status_code == 200 and label.content.startswith(b"%PDF")
    assert caller.get(f"/api/v1/orders/{order.pk}/label").content == label.content
    delivered(world)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY_TO_SHIP

    world.sim.pickup(order_sn)  # the courier collects the parcel
    delivered(world)

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    level = StockLevel.objects.get(product__sku="DEMO-TEE-M", warehouse=world.warehouse)
    assert (level.on_hand, level.reserved) == (18, 0)


def test_a_pickup_rule_picks_the_slot_among_those_offered(demo_world, shopee_app):
    PickupRule.objects.create(
        tenant=demo_world.shop.tenant,
        connection=demo_world.shop,
        timezone="Asia/Singapore",
        slot_preference=PickupRule.SlotPreference.EARLIEST,
        pickup_window_start=time(0, 0),
        pickup_window_end=time(23, 59),
        working_days=[1, 2, 3, 4, 5, 6, 7],
    )
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    pull_orders_job(demo_world.shop)
    order = Order.objects.get(external_id=order_sn)

    shipment = fulfillment_sync.request_pickup(order)

    assert demo_world.sim.order(order_sn).tracking_number == shipment.tracking_number
    assert shipment.pickup_slot["source"] == "offered"
    assert shipment.pickup_slot["reasons"]
    assert Shipment.objects.get(order=order).label


def test_auto_mode_arranges_a_paid_order_as_soon_as_it_is_ingested(demo_world):
    Connection.objects.filter(pk=demo_world.shop.pk).update(
        fulfillment_mode=Connection.FulfillmentMode.AUTO
    )
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    pull_orders_job(Connection.objects.get(pk=demo_world.shop.pk))

    order = Order.objects.get(external_id=order_sn)
    assert order.status == OrderStatus.READY_TO_SHIP
    shipment = order.shipments.get()
    assert shipment.status == Shipment.Status.ARRANGED and shipment.tracking_number
    assert shipment.label


def test_a_buyers_cancellation_request_is_accepted_on_the_channel_and_stock_released(
    demo_world, caller
):
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    demo_world.sim.buyer_cancel(order_sn)
    pull_orders_job(demo_world.shop)
    order = Order.objects.get(external_id=order_sn)
    assert order.cancel_requested

    answer = caller.post(f"/api/v1/orders/{order.pk}/answer-cancellation", {"accept": True})

    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    assert demo_world.sim.order(order_sn).status == "CANCELLED"
    assert not Reservation.objects.filter(order_line__order=order, state="open").exists()


def test_a_seller_cancellation_goes_to_the_channel_first(demo_world, caller):
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    pull_orders_job(demo_world.shop)
    order = Order.objects.get(external_id=order_sn)

    answer = caller.post(
        f"/api/v1/orders/{order.pk}/channel-cancel", {"reason": "CUSTOMER_REQUEST"}
    )

    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    assert demo_world.sim.order(order_sn).status == "CANCELLED"


def test_a_shipment_cannot_be_arranged_twice(demo_world, caller):
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    pull_orders_job(demo_world.shop)
    order = Order.objects.get(external_id=order_sn)
    assert caller.post(f"/api/v1/orders/{order.pk}/request-pickup", {}).status_code == 200

    again = caller.post(f"/api/v1/orders/{order.pk}/dropoff", {})

    assert again.status_code == 409
    assert again.json()["error"]["code"] in {
        "order.invalid_transition",
        "shipment.already_arranged",
    }
