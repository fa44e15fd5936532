"""Shopee returns into our returns, over real HTTP against the sandbox: the pull job makes
one return per channel return (linked to its order and lines, idempotent), follows the
channel's steps and tracking number, and the warehouse's receive and QC work on it."""

from __future__ import annotations

from dataclasses import replace

from omnichannel.channels.models import Connection, SyncState
from omnichannel.channels.tasks import pull_returns_periodic_task
from omnichannel.channels.transport import connector_for
from omnichannel.fulfillment.models import Return
from omnichannel.inventory.models import ConnectionWarehouse, StockLevel, Warehouse
from omnichannel.notifications.models import Event
from omnichannel.orders.models import Order
from omnichannel.unified.shipments import ShipRequest


def delivered_order(world, *lines: tuple[str, int]) -> str:
    """A buyer's order paid, arranged through the connector, picked up and delivered."""
    order_sn = world.sandbox.order(*lines)
    connector = connector_for(world.shop)
    address = connector.shipping_options(order_sn).pickup_addresses[0]
    connector.ship(
        order_sn, ShipRequest(pickup_address_id=address.id, pickup_slot_id=address.slots[0].id)
    )
    world.sim.pickup(order_sn)
    world.sim.deliver(order_sn)
    return order_sn


def pull(caller, world) -> dict:
    """Ask for a return pull (a job) and read how it ended."""
    queued = caller.post(f"/api/v1/connections/{world.shop.pk}/returns/pull")
    assert queued.status_code == 202, queued.json()
    return caller.get(queued.json()["status_url"]).json()


def channel_return(world, order_sn: str) -> Return:
    return Return.objects.get(order__connection=world.shop, order__external_id=order_sn)


def events_of(return_request: Return) -> list[str]:
    events = Event.objects.filter(type="return.updated", subject_id=str(return_request.pk))
    return [event.data["status"] for event in events.order_by("sequence")]


def on_hand(warehouse: Warehouse, sku: str) -> int:
    return StockLevel.objects.get(warehouse=warehouse, product__sku=sku).on_hand


def test_a_buyers_return_becomes_ours_linked_to_its_order_and_lines(demo_world, caller):
    order_sn = delivered_order(demo_world, ("DEMO-MUG", 2), ("DEMO-TEE-M", 1))
    opened = demo_world.sim.create_return(order_sn, "ITEM_DAMAGED", "cracked")

    job = pull(caller, demo_world)

    assert job["last_result"] == {
        "seen": 1,
        "created": [opened.return_sn],
        "updated": [],
        "failed": {},
    }
    ours = channel_return(demo_world, order_sn)
    order = Order.objects.get(connection=demo_world.shop, external_id=order_sn)
    assert order.status == "returned"  # the return was the first news of the order
    assert (ours.external_id, ours.status, ours.channel_status) == (
        opened.return_sn,
        "requested",
        "REQUESTED",
    )
    assert ours.reason == "ITEM_DAMAGED" and ours.channel_data["text_reason"] == "cracked"
    lines = {line.sku: line for line in ours.lines.select_related("order_line")}
    assert {sku: line.quantity for sku, line in lines.items()} == {"DEMO-MUG": 2, "DEMO-TEE-M": 1}
    assert lines["DEMO-TEE-M"].order_line.order == order
    assert lines["DEMO-TEE-M"].order_line.channel_sku == "DEMO-TEE-M"
    listed = caller.get("/api/v1/returns", connection_id=demo_world.shop.pk).json()["items"]
    assert [(r["external_id"], r["channel_status"]) for r in listed] == [
        (opened.return_sn, "REQUESTED")
    ]
    assert listed[0]["lines"][0]["order_line_id"]


def test_pulling_again_changes_nothing_and_tells_nobody(demo_world, caller):
    order_sn = delivered_order(demo_world, ("DEMO-MUG", 1))
    demo_world.sim.create_return(order_sn)
    pull(caller, demo_world)

    again = pull(caller, demo_world)

    assert again["last_result"]["created"] == [] and again["last_result"]["updated"] == []
    ours = channel_return(demo_world, order_sn)
    assert Return.objects.filter(order=ours.order).count() == 1
    assert events_of(ours) == ["requested"]


def test_the_channels_steps_and_return_tracking_number_are_followed_then_qc_restocks(
    demo_world, caller
):
    bandung = Warehouse.objects.create(tenant=demo_world.shop.tenant, code="BDG", name="Bandung")
    ConnectionWarehouse.objects.create(connection=demo_world.shop, warehouse=bandung, priority=2)
    order_sn = delivered_order(demo_world, ("DEMO-MUG", 3), ("DEMO-TEE-M", 1))
    opened = demo_world.sim.create_return(order_sn)
    pull(caller, demo_world)
    demo_world.sim.set_return_status(opened.return_sn, "ACCEPTED")
    demo_world.sim.ship_return(opened.return_sn, "RNSG00042")

    job = pull(caller, demo_world)

    assert job["last_result"]["updated"] == [opened.return_sn]
    ours = channel_return(demo_world, order_sn)
    assert (ours.status, ours.return_tracking_number) == ("in_transit", "RNSG00042")
    mugs_before = on_hand(demo_world.warehouse, "DEMO-MUG")
    tees_before = on_hand(demo_world.warehouse, "DEMO-TEE-M")

    assert caller.post(f"/api/v1/returns/{ours.pk}/receive").json()["status"] == "received"
    qc = caller.post(
        f"/api/v1/returns/{ours.pk}/qc",
        {
            "lines": [
                {"sku": "DEMO-MUG", "passed": 2, "failed": 1, "warehouse": "BDG"},
                {"sku": "DEMO-TEE-M", "result": "pass"},
            ]
        },
    )

    assert qc.status_code == 200, qc.json()
    assert qc.json()["status"] == "qc_passed"
    assert on_hand(bandung, "DEMO-MUG") == 2
    assert on_hand(demo_world.warehouse, "DEMO-MUG") == mugs_before  # the broken mug: written off
    assert on_hand(demo_world.warehouse, "DEMO-TEE-M") == tees_before + 1
    demo_world.sim.set_return_status(opened.return_sn, "CLOSED")
    pull(caller, demo_world)
    ours.refresh_from_db()
    assert (ours.status, ours.channel_status) == ("qc_passed", "CLOSED")  # ours from receipt on
    assert events_of(ours) == ["requested", "in_transit", "received", "qc_passed", "qc_passed"]


def test_a_return_the_buyer_withdraws_before_it_arrives_is_closed_and_counts_nothing(
    demo_world, caller
):
    order_sn = delivered_order(demo_world, ("DEMO-MUG", 1))
    withdrawn = demo_world.sim.create_return(order_sn)
    pull(caller, demo_world)
    demo_world.sim.set_return_status(withdrawn.return_sn, "CANCELLED")
    pull(caller, demo_world)
    demo_world.sim.complete(order_sn)  # the order completes; the buyer may ask again

    second = demo_world.sim.create_return(order_sn)
    job = pull(caller, demo_world)

    assert job["last_result"]["created"] == [second.return_sn]
    statuses = dict(
        Return.objects.filter(order__external_id=order_sn).values_list("external_id", "status")
    )
    assert statuses == {withdrawn.return_sn: "closed", second.return_sn: "requested"}


def test_a_return_that_does_not_match_its_order_fails_alone_and_is_read_again(demo_world, caller):
    good_sn = delivered_order(demo_world, ("DEMO-MUG", 1))
    bad_sn = delivered_order(demo_world, ("DEMO-MUG", 1))
    demo_world.sim.create_return(good_sn)
    bad = demo_world.sim.create_return(bad_sn)
    tee = demo_world.sim.state.find_model_by_sku(demo_world.sandbox.shop_id, "DEMO-TEE-S")
    bad.lines = [  # the buyer names an item the order does not have
        replace(
            bad.lines[0], item_id=tee[0].item_id, model_id=tee[1].model_id, model_sku="DEMO-TEE-S"
        )
    ]

    job = pull(caller, demo_world)

    assert job["failures"] == 1 and "return.line_not_in_order" in job["last_error"]
    assert list(Return.objects.values_list("order__external_id", flat=True)) == [good_sn]
    assert SyncState.objects.get(connection=demo_world.shop, job="return_pull").watermark is None


def test_one_return_is_read_again_on_demand_for_its_tracking_number(demo_world, caller):
    order_sn = delivered_order(demo_world, ("DEMO-MUG", 1))
    opened = demo_world.sim.create_return(order_sn)
    pull(caller, demo_world)
    demo_world.sim.set_return_status(opened.return_sn, "ACCEPTED")
    demo_world.sim.ship_return(opened.return_sn, "RNSG00077")

    answer = caller.post(
        f"/api/v1/connections/{demo_world.shop.pk}/returns/{opened.return_sn}/refresh"
    )
    unknown = caller.post(f"/api/v1/connections/{demo_world.shop.pk}/returns/000/refresh")

    assert answer.status_code == 200, answer.json()
    assert (answer.json()["status"], answer.json()["return_tracking_number"]) == (
        "in_transit",
        "RNSG00077",
    )
    assert unknown.status_code == 404


def test_the_scheduled_pull_visits_every_shop_that_has_returns(demo_world):
    order_sn = delivered_order(demo_world, ("DEMO-CABLE-1M", 1))
    demo_world.sim.create_return(order_sn)

    pull_returns_periodic_task.call_local()

    assert channel_return(demo_world, order_sn).status == "requested"
    state = SyncState.objects.get(connection=demo_world.shop, job="return_pull")
    assert state.runs == 1 and state.watermark is not None


def test_a_channel_without_returns_answers_501(caller):
    counter = Connection.objects.create(
        tenant=caller.tenant, channel="manual", name="Counter", external_shop_id="c"
    )

    answer = caller.post(f"/api/v1/connections/{counter.pk}/returns/pull")

    assert answer.status_code == 501
    assert answer.json()["error"]["code"] == "capability.unsupported"
