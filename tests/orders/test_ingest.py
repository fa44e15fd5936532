"""One ingest for every source: idempotent, forward-only, reserving and holding as needed."""

import threading

import pytest
from django.db import connection as db_connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnichannel.inventory.models import Reservation, StockLevel
from omnichannel.notifications.models import Event
from omnichannel.orders import services
from omnichannel.orders.models import Order
from omnichannel.unified.orders import FulfilledBy, OrderStatus, OrderType

from .factories import listing, order, stock


def reserved(warehouse, product) -> int:
    level = StockLevel.objects.filter(warehouse=warehouse, product=product).first()
    return level.reserved if level else 0


def on_hand(warehouse, product) -> int:
    return StockLevel.objects.get(warehouse=warehouse, product=product).on_hand


def test_a_new_paid_order_reserves_stock_in_the_first_warehouse(world):
    result = services.ingest(world.shopee, order(lines=[("TEE", 3)]))
    assert result.created
    placed = result.order
    assert placed.status == "ready_to_process"
    assert placed.warehouse == world.jkt
    assert reserved(world.jkt, world.tee) == 3
    assert placed.lines.get().listing.external_item_id == "100"
    assert list(Event.objects.values_list("type", flat=True)) == ["order.created"]


def test_ingesting_the_same_order_again_changes_nothing(world):
    services.ingest(world.shopee, order(lines=[("TEE", 3)]))
    again = services.ingest(world.shopee, order(lines=[("TEE", 3)]))
    assert not again.created
    assert Order.objects.count() == 1
    assert reserved(world.jkt, world.tee) == 3
    assert Reservation.objects.count() == 1
    assert Event.objects.count() == 1


def test_an_unknown_sku_keeps_the_order_on_hold_for_mapping(world):
    held = services.ingest(world.shopee, order(lines=[("NEW-HAT", 1)])).order
    assert held.status == "on_hold"
    assert held.hold_reason == "mapping_error"
    assert held.status_before_hold == "ready_to_process"
    assert not Reservation.objects.exists()
    assert set(Event.objects.values_list("type", flat=True)) == {"order.created", "order.on_hold"}


def test_a_mapped_sku_releases_the_order(world):
    held = services.ingest(world.shopee, order(lines=[("NEW-HAT", 1)])).order
    from omnichannel.catalog.models import Product

    hat = Product.objects.create(tenant=world.shopee.tenant, sku="HAT", name="Hat")
    stock(world.jkt, hat, 5)
    mapped = listing(world.shopee, hat, "400")
    mapped.channel_sku = "NEW-HAT"
    mapped.save()
    released = services.release(held)
    assert released.status == "ready_to_process"
    assert released.hold_reason == ""
    assert reserved(world.jkt, hat) == 1


def test_routing_skips_a_warehouse_that_cannot_fill_the_whole_order(world):
    stock(world.jkt, world.tee, 1)
    stock(world.sby, world.tee, 5)
    placed = services.ingest(world.shopee, order(lines=[("TEE", 2)])).order
    assert placed.warehouse == world.sby
    assert reserved(world.sby, world.tee) == 2


def test_an_order_no_warehouse_can_fill_waits_for_stock(world):
    held = services.ingest(world.shopee, order(lines=[("TEE", 50)])).order
    assert held.hold_reason == "insufficient_stock"
    assert services.release(held).status == "on_hold"
    stock(world.sby, world.tee, 60)
    assert services.release(held).status == "ready_to_process"
    assert reserved(world.sby, world.tee) == 50


def test_a_bundle_reserves_its_components(world):
    services.ingest(world.shopee, order(lines=[("GIFT", 2)]))
    assert reserved(world.jkt, world.tee) == 4
    assert reserved(world.jkt, world.mug) == 2


def test_a_cancellation_from_the_channel_releases_the_stock(world):
    services.ingest(world.shopee, order(lines=[("TEE", 3)]))
    cancelled = services.ingest(
        world.shopee, order(status=OrderStatus.CANCELLED, lines=[("TEE", 3)], minutes=5)
    ).order
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_by == "channel"
    assert reserved(world.jkt, world.tee) == 0
    assert on_hand(world.jkt, world.tee) == 10


def test_shipping_consumes_the_reserved_stock(world):
    services.ingest(world.shopee, order(lines=[("TEE", 3)]))
    services.ingest(world.shopee, order(status=OrderStatus.SHIPPED, lines=[("TEE", 3)], minutes=9))
    assert reserved(world.jkt, world.tee) == 0
    assert on_hand(world.jkt, world.tee) == 7


def test_an_older_update_never_moves_an_order_back(world):
    services.ingest(world.shopee, order(status=OrderStatus.READY_TO_SHIP, minutes=10))
    late = services.ingest(world.shopee, order(status=OrderStatus.PENDING_PAYMENT, minutes=1))
    assert late.order.status == "ready_to_ship"


def test_a_buyer_cancellation_request_is_announced_once(world):
    services.ingest(world.shopee, order())
    services.ingest(world.shopee, order(cancel_requested=True, minutes=2))
    services.ingest(world.shopee, order(cancel_requested=True, minutes=3))
    placed = Order.objects.get()
    assert placed.cancel_requested
    assert Event.objects.filter(type="order.cancel_requested").count() == 1


def test_a_stale_report_does_not_undo_a_cancellation_request(world):
    services.ingest(world.shopee, order(cancel_requested=True, minutes=5))
    services.ingest(world.shopee, order(cancel_requested=False, minutes=1))
    assert Order.objects.get().cancel_requested


def test_a_pos_sale_takes_stock_at_once(world):
    stock(world.sby, world.tee, 4)
    sale = order(
        external_id="POS-1", type=OrderType.POS, status=OrderStatus.COMPLETED, lines=[("TEE", 1)]
    )
    placed = services.ingest(world.pos, sale).order
    assert placed.status == "completed"
    assert on_hand(world.sby, world.tee) == 3
    assert reserved(world.sby, world.tee) == 0


def test_an_order_first_seen_shipped_still_takes_its_stock(world):
    services.ingest(world.shopee, order(status=OrderStatus.SHIPPED, lines=[("TEE", 2)]))
    assert (on_hand(world.jkt, world.tee), reserved(world.jkt, world.tee)) == (8, 0)


def test_a_held_order_shipped_by_the_channel_takes_its_stock_when_released(world):
    held = services.ingest(world.shopee, order(lines=[("TEE", 50)])).order
    services.ingest(world.shopee, order(status=OrderStatus.SHIPPED, lines=[("TEE", 50)], minutes=3))
    held.refresh_from_db()
    assert (held.status, held.status_before_hold) == ("on_hold", "shipped")
    stock(world.sby, world.tee, 50)
    assert services.release(held).status == "shipped"
    assert (on_hand(world.sby, world.tee), reserved(world.sby, world.tee)) == (0, 0)


def test_an_order_fulfilled_by_the_marketplace_consumes_stock(world):
    services.ingest(world.shopee, order(fulfilled_by=FulfilledBy.CHANNEL, lines=[("MUG", 2)]))
    assert on_hand(world.jkt, world.mug) == 8
    assert reserved(world.jkt, world.mug) == 0


def test_status_changes_are_announced_with_from_and_to(world):
    services.ingest(world.shopee, order(status=OrderStatus.PENDING_PAYMENT))
    services.ingest(world.shopee, order(status=OrderStatus.READY_TO_PROCESS, minutes=1))
    change = Event.objects.get(type="order.status_changed")
    assert (change.data["from"], change.data["to"]) == ("pending_payment", "ready_to_process")
    assert change.data["order"]["status"] == "ready_to_process"


CHANNEL_STORY = [
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.READY_TO_PROCESS,
    OrderStatus.READY_TO_SHIP,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
]


# The factory builds a fresh world (own tenant) for every example.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.permutations(range(len(CHANNEL_STORY))), st.booleans())
def test_any_order_of_the_same_updates_ends_in_the_same_state(world_factory, permutation, cancel):
    """Webhooks and pulls arrive in any order; the outcome must not depend on it."""
    world = world_factory()
    story = [(CHANNEL_STORY[i], i) for i in permutation]
    if cancel:
        story.insert(len(story) // 2, (OrderStatus.CANCELLED, 2))
    for status, minute in story:
        services.ingest(world.shopee, order(status=status, lines=[("TEE", 2)], minutes=minute))
    final = Order.objects.get(connection=world.shopee)
    if cancel:
        assert final.status == "cancelled"
        assert (on_hand(world.jkt, world.tee), reserved(world.jkt, world.tee)) in {(10, 0), (8, 0)}
    else:
        assert final.status == "delivered"
        assert (on_hand(world.jkt, world.tee), reserved(world.jkt, world.tee)) == (8, 0)


@pytest.mark.django_db(transaction=True)
def test_racing_deliveries_of_one_order_make_one_order(world):
    errors: list[Exception] = []

    def deliver() -> None:
        try:
            services.ingest(world.shopee, order(lines=[("TEE", 1)]))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Order.objects.count() == 1
    assert reserved(world.jkt, world.tee) == 1


def test_held_orders_get_arriving_stock_in_order_time_order(world):
    from omnichannel.orders.tasks import retry_held_orders

    services.ingest(world.shopee, order("A", lines=[("MUG", 8)]))
    second = services.ingest(world.shopee, order("B", lines=[("MUG", 8)])).order
    assert second.hold_reason == "insufficient_stock"
    third = services.ingest(world.shopee, order("C", lines=[("MUG", 8)])).order
    Order.objects.filter(pk=third.pk).update(placed_at=second.placed_at.replace(year=2025))
    stock(world.sby, world.mug, 8)
    assert retry_held_orders() == 1
    assert Order.objects.get(pk=third.pk).status == "ready_to_process"
    assert Order.objects.get(pk=second.pk).status == "on_hold"
