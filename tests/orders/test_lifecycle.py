"""Every action is allowed from exactly the statuses the lifecycle table names."""

import pytest

from omnichannel.errors import Conflict
from omnichannel.orders import lifecycle, services
from omnichannel.orders.models import Order, OrderStatus

ALL = [s.value for s in OrderStatus]
CASES = [(action, status) for action in lifecycle.ACTIONS for status in ALL]


def order_in(world, status: str) -> Order:
    return Order.objects.create(
        tenant=world.tenant,
        connection=world.shopee,
        channel="shopee",
        external_id=f"{status}",
        status=status,
        status_before_hold="ready_to_process" if status == "on_hold" else "",
        hold_reason="manual" if status == "on_hold" else "",
    )


@pytest.mark.parametrize(("action", "status"), CASES)
def test_an_action_moves_the_order_only_from_its_allowed_statuses(world, action, status):
    sources, target = lifecycle.ACTIONS[action]
    placed = order_in(world, status)
    if status in sources:
        assert services.perform(placed, action).status == target
    else:
        with pytest.raises(Conflict) as refused:
            services.perform(placed, action)
        assert refused.value.code == "order.invalid_transition"
        placed.refresh_from_db()
        assert placed.status == status


def test_the_merge_order_is_total_so_updates_commute():
    for a in lifecycle.RANK:
        for b in lifecycle.RANK:
            assert lifecycle.merged_status(a, b) == lifecycle.merged_status(b, a)


def test_an_order_on_hold_can_be_cancelled_but_not_shipped(world):
    held = order_in(world, "on_hold")
    with pytest.raises(Conflict):
        services.perform(held, "ship")
    cancelled = services.perform(held, "cancel", reason="buyer changed mind")
    assert cancelled.status == "cancelled"
    assert cancelled.hold_reason == ""
    assert cancelled.cancel_reason == "buyer changed mind"


def test_holding_releases_stock_and_releasing_takes_it_again(world):
    from omnichannel.inventory.models import StockLevel

    from .factories import order

    placed = services.ingest(world.shopee, order(lines=[("TEE", 4)])).order
    held = services.hold(placed)
    assert held.status == "on_hold"
    assert StockLevel.objects.get(warehouse=world.jkt, product=world.tee).reserved == 0
    released = services.release(held)
    assert released.status == "ready_to_process"
    assert StockLevel.objects.get(warehouse=world.jkt, product=world.tee).reserved == 4


def test_only_open_orders_can_be_held(world):
    with pytest.raises(Conflict):
        services.hold(order_in(world, "shipped"))
