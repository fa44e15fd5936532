"""Reservations for the order pipeline: reserve, release, consume, and supply checks."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from omnichannel.errors import Conflict
from omnichannel.inventory import services
from omnichannel.inventory.models import Reservation, StockLevel, StockMovement
from omnichannel.inventory.policies import WarehouseLink, set_connection_warehouses
from omnichannel.orders.models import OrderLine


def level(product, warehouse) -> tuple[int, int]:
    found = StockLevel.objects.get(product=product, warehouse=warehouse)
    return found.on_hand, found.reserved


def test_reserving_holds_stock_without_taking_it_off_the_shelf(
    tenant, move, warehouse, product, order_line
):
    w1, shirt = warehouse(), product("SHIRT")
    move("inbound", w1, shirt, 5)
    [reservation] = services.reserve(order_line(shirt, 3), w1)
    assert reservation.state == "open"
    assert level(shirt, w1) == (5, 3)


def test_reserving_more_than_is_available_is_refused(tenant, move, warehouse, product, order_line):
    w1, shirt = warehouse(), product("SHIRT")
    move("inbound", w1, shirt, 5)
    services.reserve(order_line(shirt, 4), w1)
    with pytest.raises(Conflict) as caught:
        services.reserve(order_line(shirt, 2), w1)
    assert caught.value.code == "stock.insufficient"
    assert caught.value.details["short"] == [{"sku": "SHIRT", "needed": 2, "available": 1}]
    assert level(shirt, w1) == (5, 4)


def test_a_bundle_line_reserves_its_components(tenant, move, warehouse, product, order_line):
    w1, shirt, mug = warehouse(), product("SHIRT"), product("MUG")
    kit = product("KIT", {shirt: 1, mug: 2})
    move("inbound", w1, shirt, 5)
    move("inbound", w1, mug, 5)
    reservations = services.reserve(order_line(kit, 2), w1)
    assert {(r.product.sku, r.quantity) for r in reservations} == {("SHIRT", 2), ("MUG", 4)}
    assert (level(shirt, w1), level(mug, w1)) == ((5, 2), (5, 4))


def test_reserving_the_same_line_again_changes_nothing(
    tenant, move, warehouse, product, order_line
):
    w1, shirt = warehouse(), product("SHIRT")
    move("inbound", w1, shirt, 5)
    line = order_line(shirt, 2)
    services.reserve(line, w1)
    services.reserve(line, w1)
    assert level(shirt, w1) == (5, 2)
    with pytest.raises(Conflict) as caught:
        services.reserve(line, w1, quantity=3)
    assert caught.value.code == "stock.already_reserved"


def test_release_gives_the_stock_back_once(tenant, move, warehouse, product, order_line):
    w1, shirt = warehouse(), product("SHIRT")
    move("inbound", w1, shirt, 5)
    line = order_line(shirt, 2)
    services.reserve(line, w1)
    services.release(line)
    assert services.release(line) == []
    assert level(shirt, w1) == (5, 0)
    assert Reservation.objects.get().state == "released"
    services.reserve(line, w1)
    assert level(shirt, w1) == (5, 2)


def test_consume_ships_the_stock_and_writes_the_ledger(
    tenant, move, warehouse, product, order_line
):
    w1, shirt = warehouse(), product("SHIRT")
    move("inbound", w1, shirt, 5)
    line = order_line(shirt, 2)
    services.reserve(line, w1)
    [movement] = services.consume(line, reference="order-1")
    assert (movement.type, movement.quantity, movement.reference) == ("outbound", 2, "order-1")
    assert services.consume(line) == []
    assert level(shirt, w1) == (3, 0)
    assert StockMovement.objects.filter(type="outbound").count() == 1
    with pytest.raises(Conflict) as caught:
        services.reserve(line, w1)
    assert caught.value.code == "stock.already_consumed"


def test_an_orders_lines_are_consumed_and_released_together_with_one_recompute(
    tenant, move, warehouse, product, order_line
):
    w1, shirt, mug, cap = warehouse(), product("SHIRT"), product("MUG"), product("CAP")
    for item in (shirt, mug, cap):
        move("inbound", w1, item, 5)
    first = order_line(shirt, 2)
    lines = [first] + [
        OrderLine.objects.create(order=first.order, external_line_id=n, product=p, quantity=1)
        for n, p in (("2", mug), ("3", cap))
    ]
    services.reserve_lines([(line, None) for line in lines], w1)
    with CaptureQueriesContext(db_connection) as consuming:
        shipped = services.consume_lines(lines, reference="order-1")
    assert sorted((m.product.sku, m.quantity) for m in shipped) == [
        ("CAP", 1), ("MUG", 1), ("SHIRT", 2),
    ]  # fmt: skip
    assert [level(p, w1) for p in (shirt, mug, cap)] == [(3, 0), (4, 0), (4, 0)]
    recomputes = [q for q in consuming.captured_queries if "catalog_listing" in q["sql"]]
    assert len(recomputes) == 1  # the listings of all three SKUs read once

    again = [order_line(shirt, 1)]
    services.reserve_lines([(line, None) for line in again], w1)
    assert [r.state for r in services.release_lines(again)] == ["released"]
    assert level(shirt, w1) == (3, 0)


def test_consuming_an_order_is_all_or_nothing(tenant, move, warehouse, product, order_line):
    """One line short on the shelf (the WMS's counts disagree): no line ships."""
    w1, shirt, mug = warehouse(), product("SHIRT"), product("MUG")
    move("inbound", w1, shirt, 5)
    move("inbound", w1, mug, 1)
    first = order_line(shirt, 2)
    second = OrderLine.objects.create(
        order=first.order, external_line_id="2", product=mug, quantity=1
    )
    services.reserve_lines([(first, None), (second, None)], w1)
    StockLevel.objects.filter(product=mug).update(on_hand=0)  # the shelf holds less than we thought
    with pytest.raises(Conflict) as caught:
        services.consume_lines([first, second])
    assert caught.value.code == "stock.negative"
    assert level(shirt, w1) == (5, 2) and level(mug, w1) == (0, 1)
    assert not StockMovement.objects.filter(type="outbound").exists()


def test_supply_checks_count_bundles_as_their_components(tenant, move, warehouse, product):
    w1, w2, shirt, mug = warehouse("W1"), warehouse("W2"), product("SHIRT"), product("MUG")
    kit = product("KIT", {shirt: 1, mug: 2})
    move("inbound", w1, shirt, 1)
    move("inbound", w1, mug, 1)
    move("inbound", w2, shirt, 3)
    move("inbound", w2, mug, 4)
    assert services.shortfall(w1, [(kit, 1)]) == {"MUG": 1}
    assert not services.can_supply(w1, [(kit, 1)])
    assert services.can_supply(w2, [(kit, 2)])


def test_supplying_warehouses_follow_the_connections_priority(
    tenant, move, warehouse, product, shop
):
    w1, w2, w3, shirt = warehouse("W1"), warehouse("W2"), warehouse("W3"), product("SHIRT")
    for w in (w1, w2, w3):
        move("inbound", w, shirt, 2)
    connection = shop()
    set_connection_warehouses(connection, [WarehouseLink(w3, 1), WarehouseLink(w1, 2)])
    assert services.supplying_warehouses(connection, [(shirt, 2)]) == [w3, w1]
