"""ShopeeConnector end to end against the Shopee sandbox simulator, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omnichannel.connectors.base import TimeWindow
from omnichannel.connectors.errors import AuthRevoked
from omnichannel.unified.orders import OrderStatus
from omnichannel.unified.shipments import ShipRequest
from omnichannel.unified.stock import StockUpdate

from .shopee_sandbox import connect


def test_authorize_pull_catalog_push_stock_and_read_it_back(sandbox):
    sim, seed, url = sandbox
    connector, _, recorder = connect(sim, seed, url)

    items = {item.channel_sku: item for item in connector.iter_items()}
    case = items["DEMO-CASE"]
    black = next(v for v in case.variants if v.channel_sku == "DEMO-CASE-BLK")
    assert black.stock == 25

    results = connector.push_stock(
        [
            StockUpdate(
                external_item_id=case.external_item_id,
                external_variant_id=black.external_variant_id,
                quantity=7,
            )
        ]
    )
    assert [result.ok for result in results] == [True]

    read = connector.read_stock([case.external_item_id])
    assert {row.channel_sku: row.quantity for row in read}["DEMO-CASE-BLK"] == 7
    assert all(
        "access_token" not in repr(call.request_body).replace("'access_token', '[redacted]'", "")
        for call in recorder.calls
    )


def test_a_paid_order_is_listed_fetched_shipped_tracked_and_labelled(sandbox):
    sim, seed, url = sandbox
    connector, _, _ = connect(sim, seed, url)
    order = sim.create_order(seed["shop_id"], [{"sku": "DEMO-MUG", "quantity": 2}])
    sim.pay(order.order_sn)
    now = datetime.fromtimestamp(sim.clock.now(), UTC)

    page = connector.list_order_ids(TimeWindow(now - timedelta(days=1), now + timedelta(minutes=1)))
    assert order.order_sn in page.ids
    (unified,) = connector.get_orders([order.order_sn])
    assert unified.status is OrderStatus.READY_TO_PROCESS
    assert unified.lines[0].channel_sku == "DEMO-MUG" and unified.lines[0].quantity == 2

    options = connector.shipping_options(order.order_sn)
    address = options.pickup_addresses[0]
    connector.ship(
        order.order_sn,
        ShipRequest(pickup_address_id=address.id, pickup_slot_id=address.slots[0].id),
    )
    (arranged,) = connector.get_orders([order.order_sn])
    assert arranged.status is OrderStatus.READY_TO_SHIP

    assert connector.tracking(order.order_sn).tracking_number
    label = connector.label(order.order_sn)
    assert label.content.startswith(b"%PDF")


def test_an_expired_access_token_is_refreshed_once_and_the_call_continues(sandbox):
    sim, seed, url = sandbox
    connector, tokens, _ = connect(sim, seed, url)
    # The sandbox expires the token while our copy still believes it valid.
    tokens.tokens = tokens.tokens.model_copy(
        update={"access_expires_at": datetime.now(UTC) + timedelta(days=1)}
    )
    sim.clock.advance(5 * 3600)

    assert list(connector.iter_items())
    assert tokens.refreshes == 1


def test_a_revoked_shop_surfaces_auth_revoked(sandbox):
    sim, seed, url = sandbox
    connector, _, _ = connect(sim, seed, url)
    sim.revoke_authorization(seed["shop_id"])

    with pytest.raises(AuthRevoked):
        connector.categories()
