"""ShopeeConnector returns and seller cancellations against the Shopee sandbox, over real
HTTP: returns listed by window and page, read in full, and cancellations by the seller."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnichannel.connectors.base import TimeWindow
from omnichannel.connectors.errors import InvalidRequest, NotFound
from omnichannel.unified.orders import OrderStatus
from omnichannel.unified.returns import ReturnStatus

from .shopee_sandbox import Shop


def window(shop: Shop, field: str = "updated") -> TimeWindow:
    now = shop.now()
    return TimeWindow(now - timedelta(days=1), now + timedelta(minutes=1), field=field)


def test_a_buyers_return_is_listed_in_its_window_and_read_in_full(shop: Shop):
    order_sn = shop.delivered_order(("DEMO-MUG", 2), ("DEMO-TEE-M", 1))
    opened = shop.sim.create_return(order_sn, "ITEM_DAMAGED", "cracked handle")

    page = shop.connector.list_returns(window(shop))
    detail = shop.connector.get_return(opened.return_sn)

    assert [r.external_id for r in page.returns] == [opened.return_sn]
    assert page.next_cursor is None
    assert detail == page.returns[0]
    assert detail.order_external_id == order_sn
    assert detail.status is ReturnStatus.REQUESTED and detail.channel_status == "REQUESTED"
    assert detail.reason == "ITEM_DAMAGED"
    assert detail.channel_data["text_reason"] == "cracked handle"
    assert {(line.sku, line.quantity) for line in detail.lines} == {
        ("DEMO-MUG", 2),
        ("DEMO-TEE-M", 1),
    }
    tee = next(line for line in detail.lines if line.sku == "DEMO-TEE-M")
    assert tee.external_variant_id and tee.external_item_id


def test_returns_come_a_page_at_a_time_until_the_last(shop: Shop):
    cable = shop.sim.state.find_model_by_sku(shop.shop_id, "DEMO-CABLE-1M")[0]
    shop.sim.set_stock(cable.item_id, 200)
    opened = []
    for _ in range(101):  # one more than a page
        opened.append(shop.sim.create_return(shop.delivered_order(("DEMO-CABLE-1M", 1))))
        shop.sim.clock.advance(1)

    first = shop.connector.list_returns(window(shop, "created"))
    second = shop.connector.list_returns(window(shop, "created"), first.next_cursor)

    assert len(first.returns) == 100 and first.next_cursor is not None
    assert second.next_cursor is None
    listed = [r.external_id for r in first.returns + second.returns]
    assert listed == [request.return_sn for request in opened]


def test_the_return_tracking_number_and_a_later_status_are_read(shop: Shop):
    opened = shop.sim.create_return(shop.delivered_order(("DEMO-MUG", 1)))
    shop.sim.set_return_status(opened.return_sn, "ACCEPTED")
    shop.sim.ship_return(opened.return_sn, "RNSG00012345")

    detail = shop.connector.get_return(opened.return_sn)

    assert detail.status is ReturnStatus.IN_TRANSIT
    assert detail.return_tracking_number == "RNSG00012345"


def test_a_return_outside_the_window_is_not_listed(shop: Shop):
    shop.sim.create_return(shop.delivered_order(("DEMO-MUG", 1)))
    shop.sim.clock.advance(3 * 86400)

    assert shop.connector.list_returns(window(shop)).returns == []


def test_a_window_longer_than_fifteen_days_is_refused_before_calling(shop: Shop):
    now = shop.now()
    calls = len(shop.recorder.calls)

    with pytest.raises(InvalidRequest):
        shop.connector.list_returns(TimeWindow(now - timedelta(days=16), now))
    assert len(shop.recorder.calls) == calls


def test_an_unknown_return_is_not_found(shop: Shop):
    with pytest.raises(NotFound):
        shop.connector.get_return("0000000000")


def test_the_seller_cancels_a_paid_order_for_the_customer(shop: Shop):
    order = shop.sim.create_order(shop.shop_id, [{"sku": "DEMO-MUG", "quantity": 3}], paid=True)

    shop.connector.cancel(order.order_sn, "CUSTOMER_REQUEST")

    (cancelled,) = shop.connector.get_orders([order.order_sn])
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.channel_data["cancel_by"] == "seller"
    assert cancelled.channel_data["cancel_reason"] == "CUSTOMER_REQUEST"
    assert shop.sim.state.find_model_by_sku(shop.shop_id, "DEMO-MUG")[0].stock == 40


def test_an_out_of_stock_cancellation_names_the_lines_that_ran_out(shop: Shop):
    order = shop.sim.create_order(shop.shop_id, [{"sku": "DEMO-TEE-L", "quantity": 1}], paid=True)
    (unified,) = shop.connector.get_orders([order.order_sn])
    line = unified.lines[0]

    shop.connector.cancel(
        order.order_sn,
        "OUT_OF_STOCK",
        [(line.external_item_id, line.external_variant_id)],
    )

    assert shop.sim.order(order.order_sn).status == "CANCELLED"


def test_an_out_of_stock_cancellation_without_lines_is_refused(shop: Shop):
    order = shop.sim.create_order(shop.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)

    with pytest.raises(InvalidRequest):
        shop.connector.cancel(order.order_sn, "OUT_OF_STOCK")
    assert shop.sim.order(order.order_sn).status == "READY_TO_SHIP"


def test_an_order_already_shipped_cannot_be_cancelled_by_the_seller(shop: Shop):
    order_sn = shop.delivered_order(("DEMO-MUG", 1))

    with pytest.raises(InvalidRequest) as refused:
        shop.connector.cancel(order_sn, "CUSTOMER_REQUEST")
    assert refused.value.channel_code == "order.error_limit"


def test_the_seller_answers_a_buyers_cancellation_request(shop: Shop):
    kept = shop.sim.create_order(shop.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    let_go = shop.sim.create_order(shop.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    for order in (kept, let_go):
        shop.sim.buyer_cancel(order.order_sn, "changed my mind")

    shop.connector.answer_cancellation(kept.order_sn, accept=False)
    shop.connector.answer_cancellation(let_go.order_sn, accept=True)

    statuses = {
        o.external_id: o.status for o in shop.connector.get_orders([kept.order_sn, let_go.order_sn])
    }
    assert statuses == {
        kept.order_sn: OrderStatus.READY_TO_PROCESS,
        let_go.order_sn: OrderStatus.CANCELLED,
    }
