"""A channel's detail batch is ingested together, in one transaction.

The batch must end exactly as the same orders ingested one by one would, and a bad order
must fail alone (its batch is ingested again one order at a time) without leaving anything
of itself behind.
"""

import pytest
from django.db import connection as db_connection

from omnichannel.catalog.models import Listing
from omnichannel.inventory.models import Reservation, StockLevel
from omnichannel.notifications.models import Event
from omnichannel.orders import services
from omnichannel.orders.models import Order
from omnichannel.unified.orders import OrderLine, OrderStatus

from .factories import order, stock


def story(world) -> tuple[list, list]:
    """Orders seen before the batch, and a batch that mixes every path: a plain order, a
    bundle, an unknown SKU, one no warehouse can fill, two orders competing for the same
    last mugs, a POS-like direct sale, and updates of orders seen before (shipped,
    cancelled)."""
    stock(world.sby, world.mug, 3)
    before = [order("OLD-1", lines=[("TEE", 2)]), order("OLD-2", lines=[("MUG", 1)])]
    batch = [
        order("N-1", lines=[("TEE", 3)], minutes=1),
        order("N-2", lines=[("GIFT", 1)], minutes=1),
        order("N-3", lines=[("NEW-HAT", 1)], minutes=1),
        order("N-4", lines=[("TEE", 500)], minutes=1),
        order("OLD-1", status=OrderStatus.SHIPPED, lines=[("TEE", 2)], minutes=2),
        order("N-5", lines=[("MUG", 6), ("TEE", 1)], minutes=1),
        order("N-6", lines=[("MUG", 6)], minutes=1),
        order("OLD-2", status=OrderStatus.CANCELLED, lines=[("MUG", 1)], minutes=2),
        order("N-7", status=OrderStatus.SHIPPED, lines=[("MUG", 1)], minutes=1),
    ]
    return before, batch


def outcome(world) -> dict:
    """Everything an ingest writes, in a form two worlds can be compared by."""
    orders = Order.objects.filter(tenant=world.tenant).select_related("warehouse")
    return {
        "orders": sorted(
            (o.external_id, o.status, o.hold_reason, o.warehouse.code if o.warehouse else None)
            for o in orders
        ),
        "reservations": sorted(
            (r.order_line.order.external_id, r.product.sku, r.warehouse.code, r.quantity, r.state)
            for r in Reservation.objects.filter(tenant=world.tenant).select_related(
                "order_line__order", "product", "warehouse"
            )
        ),
        "levels": sorted(
            (level.warehouse.code, level.product.sku, level.on_hand, level.reserved)
            for level in StockLevel.objects.filter(tenant=world.tenant).select_related(
                "warehouse", "product"
            )
        ),
        "targets": sorted(
            (x.external_item_id, x.target_qty, x.push_state)
            for x in Listing.objects.filter(tenant=world.tenant)
        ),
        "events": sorted(
            (Order.objects.get(pk=e.subject_id).external_id, e.type)
            for e in Event.objects.filter(tenant=world.tenant)
        ),
    }


def test_a_batch_ends_as_the_same_orders_ingested_one_by_one(world_factory):
    one_by_one, together = world_factory(), world_factory()
    for world in (one_by_one, together):
        before, _ = story(world)
        for incoming in before:
            services.ingest(world.shopee, incoming)
    for incoming in story(one_by_one)[1]:
        services.ingest(one_by_one.shopee, incoming)

    results = services.ingest_batch(together.shopee, story(together)[1])

    assert not [r for r in results if isinstance(r, Exception)]
    assert [r.created for r in results] == [True] * 4 + [False, True, True, False, True]
    assert outcome(together) == outcome(one_by_one)
    held = Order.objects.get(tenant=together.tenant, external_id="N-6")
    assert held.hold_reason == "insufficient_stock"  # N-5 took the mugs first, as one by one


def test_a_bad_order_fails_alone_and_leaves_nothing_behind(world):
    bad = order("BAD", lines=[("TEE", 1)], minutes=1)
    bad.lines.append(OrderLine(**{**bad.lines[0].model_dump(), "channel_sku": "MUG"}))
    # Two lines with one channel line id: the order's lines cannot be stored.

    results = services.ingest_batch(
        world.shopee,
        [order("A", lines=[("TEE", 2)]), bad, order("C", lines=[("MUG", 1)])],
    )

    assert isinstance(results[1], Exception)
    assert [r.created for r in (results[0], results[2])] == [True, True]
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["A", "C"]
    assert sorted(
        Reservation.objects.values_list("order_line__order__external_id", "quantity")
    ) == [("A", 2), ("C", 1)]
    assert StockLevel.objects.get(warehouse=world.jkt, product=world.tee).reserved == 2
    events = list(Event.objects.order_by("sequence").values_list("sequence", "subject_id"))
    assert [sequence for sequence, _ in events] == [1, 2]  # no number left to the bad one
    assert {int(subject) for _, subject in events} == set(
        Order.objects.values_list("pk", flat=True)
    )


def test_every_listing_of_the_batch_gets_its_final_target(world):
    services.ingest_batch(
        world.shopee,
        [order(f"T-{n}", lines=[("TEE", 1)]) for n in range(4)] + [order("M", lines=[("MUG", 2)])],
    )

    targets = dict(Listing.objects.values_list("external_item_id", "target_qty"))
    # JKT serves the shop first: 10 - 4 tees, 10 - 2 mugs; a gift is 2 tees + 1 mug.
    assert targets == {"100": 6, "200": 8, "300": 3}


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_and_movements_on_the_same_skus_all_commit(world, at_once):
    """Two workers ingest batches that take the same SKUs in opposite orders while the WMS
    posts movements for them: no deadlock, nothing refused, every unit accounted for."""
    from omnichannel.inventory.ledger import MovementInput, post_movements

    stock(world.jkt, world.tee, 1000)
    stock(world.jkt, world.mug, 1000)

    def batch(prefix: str, skus: list[str]):  # noqa: ANN202
        def work() -> None:
            for round_ in range(3):
                orders = [
                    order(f"{prefix}-{round_}-{n}", lines=[(skus[n % 2], 1)]) for n in range(20)
                ]
                for result in services.ingest_batch(world.shopee, orders):
                    if isinstance(result, Exception):
                        raise result

        return work

    def movements() -> None:
        for n in range(10):
            post_movements(
                world.tenant,
                [
                    MovementInput(
                        movement_id=f"in-{n}-{sku}",
                        type="inbound",
                        warehouse="JKT",
                        sku=sku,
                        quantity=1,
                        occurred_at=order().created_at,
                    )
                    for sku in (("TEE", "MUG") if n % 2 else ("MUG", "TEE"))
                ],
            )

    works = [batch("X", ["TEE", "MUG"]), batch("Y", ["MUG", "TEE"]), movements]
    assert at_once(len(works), lambda n: works[n]()) == []
    assert Order.objects.count() == 120
    for product in (world.tee, world.mug):
        level = StockLevel.objects.get(warehouse=world.jkt, product=product)
        assert (level.on_hand, level.reserved) == (1010, 60)  # 2 workers × 3 rounds × 10 orders


def test_an_order_twice_in_a_batch_is_placed_once_then_updated(world_factory):
    one_by_one, together = world_factory(), world_factory()
    batch = [
        order("TWICE", lines=[("TEE", 2)], minutes=1),
        order("OTHER", lines=[("MUG", 1)], minutes=1),
        order("TWICE", status=OrderStatus.CANCELLED, lines=[("TEE", 2)], minutes=2),
    ]
    for incoming in batch:
        services.ingest(one_by_one.shopee, incoming)

    results = services.ingest_batch(together.shopee, batch)

    assert [r.created for r in results] == [True, True, False]
    assert outcome(together) == outcome(one_by_one)
    assert StockLevel.objects.get(warehouse=together.jkt, product=together.tee).reserved == 0


def test_a_batch_writes_its_orders_lines_reservations_and_levels_together(world):
    """Statements per batch do not grow with its orders: each kind of row is written once."""
    from django.test.utils import CaptureQueriesContext

    stock(world.jkt, world.tee, 100)
    stock(world.jkt, world.mug, 100)

    def statements(prefix: str, orders: int) -> int:
        batch = [order(f"{prefix}-{n}", lines=[("TEE", 1), ("MUG", 1)]) for n in range(orders)]
        with CaptureQueriesContext(db_connection) as captured:
            results = services.ingest_batch(world.shopee, batch)
        assert all(r.created for r in results)
        return len(captured.captured_queries)

    statements("FIRST", 1)  # the tenant's first event numbers: a row made once
    assert statements("FEW", 2) == statements("MANY", 20)
    assert Reservation.objects.count() == 46
    assert StockLevel.objects.get(warehouse=world.jkt, product=world.tee).reserved == 23
