"""New POS and manual orders created together: concurrent API calls of one process share a
transaction (``services.create_together``, ``omnichannel.groupcommit``).

Orders created together must end exactly as the same orders created one by one, each
caller must get its own answer (``order.exists`` included), and a bad order must fail
alone without leaving anything of itself behind.
"""

import pytest
from django.test import Client

from omnichannel.catalog.models import Product
from omnichannel.errors import Conflict
from omnichannel.inventory.models import Reservation, StockLevel, Warehouse
from omnichannel.notifications.models import Event
from omnichannel.orders import services
from omnichannel.orders.models import Order
from omnichannel.tenants.models import Tenant
from omnichannel.unified.orders import OrderLine, OrderType

from .factories import link, order, shop, stock
from .test_ingest_batch import outcome


def manual_shop(world):
    counter = shop(world.tenant, "manual", "Phone orders")
    link(counter, world.jkt)
    return counter


def story(world) -> list:
    """A plain order, a bundle, an unknown SKU, one no warehouse can fill, two orders
    competing for the last mugs, a counter sale, and the first order's id again."""
    stock(world.jkt, world.mug, 8)
    return [
        order("M-1", lines=[("TEE", 3)]),
        order("M-2", lines=[("GIFT", 1)]),
        order("M-3", lines=[("NEW-HAT", 1)]),
        order("M-4", lines=[("TEE", 500)]),
        order("M-5", lines=[("MUG", 5), ("TEE", 1)]),
        order("M-6", lines=[("MUG", 5)]),
        order("M-7", lines=[("TEE", 1)], type=OrderType.POS),
        order("M-1", lines=[("TEE", 1)]),
    ]


def test_orders_created_together_end_as_the_same_orders_created_one_by_one(world_factory):
    one_by_one, together = world_factory(), world_factory()
    alone_answers = []
    alone_shop = manual_shop(one_by_one)
    for incoming in story(one_by_one):
        try:
            alone_answers.append(services.create(alone_shop, incoming))
        except Conflict as refused:
            alone_answers.append(refused)

    answers = services.create_many(manual_shop(together), story(together))

    assert outcome(together) == outcome(one_by_one)

    def shown(answer) -> tuple:  # noqa: ANN001
        if isinstance(answer, Conflict):
            return ("refused", answer.code)
        return (answer.external_id, answer.status, answer.hold_reason, answer.warehouse)

    assert [shown(a) for a in answers] == [shown(a) for a in alone_answers]
    assert shown(answers[5]) == ("M-6", "on_hold", "insufficient_stock", None)
    assert shown(answers[7]) == ("refused", "order.exists")


def test_an_order_the_connection_already_has_is_refused_alone_in_its_batch(world):
    counter = manual_shop(world)
    services.create(counter, order("E", lines=[("TEE", 1)]))

    answers = services.create_many(
        counter, [order("A", lines=[("TEE", 1)]), order("E"), order("B", lines=[("MUG", 2)])]
    )

    assert isinstance(answers[1], Conflict) and answers[1].code == "order.exists"
    assert [answers[0].external_id, answers[2].external_id] == ["A", "B"]
    assert Order.objects.filter(connection=counter).count() == 3
    level = StockLevel.objects.get(warehouse=world.jkt, product=world.tee)
    assert level.reserved == 2  # E once, A once: the refused E reserved nothing


def test_a_batch_locks_stock_levels_only_once_its_orders_are_inserted(world):
    """Every writer's lock order: orders' rows, then stock levels. (A batch that locked
    its levels first could deadlock on PostgreSQL with a single create, in another
    process, of one of its external ids: the create waiting for the levels, the batch for
    the create's row.) The levels' locks are also held for less of the transaction."""
    from django.db import connection as db_connection
    from django.test.utils import CaptureQueriesContext

    stock(world.jkt, world.mug, 8)
    batch = [order("L-1", lines=[("TEE", 1)]), order("L-2", lines=[("MUG", 1)])]

    with CaptureQueriesContext(db_connection) as captured:
        answers = services.create_many(manual_shop(world), batch)

    assert [a.status for a in answers] == ["ready_to_process"] * 2
    statements = [q["sql"] for q in captured.captured_queries]
    inserted = min(i for i, x in enumerate(statements) if 'INSERT INTO "orders_order" ' in x)
    levels = min(i for i, x in enumerate(statements) if 'FROM "inventory_stocklevel"' in x)
    assert inserted < levels


def test_a_bad_order_fails_alone_and_leaves_nothing_behind(world):
    counter = manual_shop(world)
    bad = order("BAD", lines=[("TEE", 1)])
    bad.lines.append(OrderLine(**{**bad.lines[0].model_dump(), "channel_sku": "MUG"}))
    # Two lines with one line id: the order's lines cannot be stored.

    answers = services.create_many(
        counter, [order("A", lines=[("TEE", 2)]), bad, order("C", lines=[("MUG", 1)])]
    )

    assert isinstance(answers[1], Exception)
    assert [answers[0].external_id, answers[2].external_id] == ["A", "C"]
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["A", "C"]
    assert sorted(
        Reservation.objects.values_list("order_line__order__external_id", "quantity")
    ) == [("A", 2), ("C", 1)]
    events = list(Event.objects.order_by("sequence").values_list("sequence", flat=True))
    assert events == [1, 2]  # no number left to the bad one


@pytest.mark.django_db(transaction=True)
def test_concurrent_api_calls_each_get_their_own_answer_and_every_unit_is_counted(
    world, make_caller, at_once
):
    """Twelve callers post at once, through one process's shared batches: every order is
    created once, the one id they all post is created for one caller and refused for the
    others, and the stock reserved is exactly what the created orders hold."""
    counter = manual_shop(world)
    stock(world.jkt, world.tee, 1000)
    token = make_caller(world.tenant).token
    answers: list[tuple[str, int, str]] = []

    def post(caller: int) -> None:
        http = Client()
        for n in [*range(5), "shared"]:
            external_id = f"C{caller}-{n}" if n != "shared" else "SHARED"
            response = http.post(
                "/api/v1/orders",
                {
                    "connection_id": counter.pk,
                    "external_id": external_id,
                    "lines": [{"sku": "TEE", "quantity": 2, "unit_price": "10"}],
                },
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.json()
            code = body["error"]["code"] if response.status_code >= 400 else ""
            answers.append((external_id, response.status_code, code))
            if response.status_code == 201:
                assert body["external_id"] == external_id

    assert at_once(12, post) == []

    own = [status for external_id, status, _ in answers if external_id != "SHARED"]
    assert own == [201] * 60
    shared = sorted((status, code) for id_, status, code in answers if id_ == "SHARED")
    assert shared == [(201, "")] + [(409, "order.exists")] * 11
    assert Order.objects.filter(connection=counter).count() == 61
    level = StockLevel.objects.get(warehouse=world.jkt, product=world.tee)
    assert level.reserved == 2 * 61
    created = Event.objects.filter(tenant=world.tenant, type="order.created")
    assert created.count() == 61
    sequences = list(Event.objects.filter(tenant=world.tenant).values_list("sequence", flat=True))
    assert sorted(sequences) == list(range(1, len(sequences) + 1))


@pytest.mark.django_db(transaction=True)
def test_a_tenants_first_orders_created_at_once_on_two_shops_all_land(at_once):
    """Two shops' first orders race for the tenant's event-number row, which the first
    event creates (``get_or_create``): the one that loses the race must find the row
    the other made, inside its own transaction, and go on (on PostgreSQL its refused
    insert surfaces inside the savepoint that undoes it, pipeline or not). The orders
    share no stock level and no listing, so nothing else makes one wait for the other."""
    for round_ in range(4):
        tenant = Tenant.objects.create(name=f"fresh-{round_}")
        warehouse = Warehouse.objects.create(tenant=tenant, code="W", name="W")
        shops = [shop(tenant, "manual", f"Counter {n}") for n in range(2)]
        for n, counter in enumerate(shops):
            link(counter, warehouse)
            product = Product.objects.create(tenant=tenant, sku=f"SKU-{n}", name="p")
            stock(warehouse, product, 5)

        def create(n: int, shops: list = shops) -> None:
            services.create(shops[n], order(f"FIRST-{n}", lines=[(f"SKU-{n}", 1)]))

        assert at_once(2, create) == []
        assert Order.objects.filter(tenant=tenant).count() == 2
        sequences = Event.objects.filter(tenant=tenant).values_list("sequence", flat=True)
        assert sorted(sequences) == [1, 2]
