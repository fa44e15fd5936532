"""The orders API: manual and POS orders in, lifecycle actions, filters, isolation."""

import pytest

from omnichannel.channels.models import Connection
from omnichannel.inventory.models import StockLevel

from .conftest import build_world


@pytest.fixture
def world(caller):
    return build_world(caller.tenant)


@pytest.fixture
def manual(world):
    shop = Connection.objects.create(
        tenant=world.tenant, channel="manual", name="Phone orders", external_shop_id="phone"
    )
    from .factories import link

    link(shop, world.jkt)
    return shop


def place(caller, manual, **overrides):
    body = {
        "connection_id": manual.pk,
        "external_id": "PHONE-1",
        "lines": [{"sku": "TEE", "quantity": 2, "unit_price": "75000"}],
        "shipping_address": {"name": "Budi", "city": "Jakarta"},
    } | overrides
    return caller.post("/api/v1/orders", body)


def test_a_manual_order_is_created_with_its_stock_reserved(caller, world, manual):
    response = place(caller, manual)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "ready_to_process"
    assert created["warehouse"] == "JKT"
    assert created["total"] == "150000.00"
    assert created["lines"][0]["sku"] == "TEE"
    assert created["lines"][0]["reserved"] == 2
    assert StockLevel.objects.get(warehouse=world.jkt, product=world.tee).reserved == 2


@pytest.mark.parametrize(
    "lines",
    [
        [{"sku": "GIFT", "quantity": 1, "unit_price": "9.5"}],
        [{"sku": "TEE", "quantity": 1}, {"sku": "MUG", "quantity": 2, "name": "Mug"}],
        [{"sku": "TEE", "quantity": 11}],
        [{"sku": "NO-SUCH-SKU", "quantity": 1}],
    ],
    ids=["bundle", "two-lines", "held-for-stock", "held-for-mapping"],
)
def test_the_created_order_is_answered_as_it_reads_back(caller, world, manual, lines):
    created = place(caller, manual, lines=lines)
    assert created.status_code == 201, created.content
    assert created.json() == caller.get(f"/api/v1/orders/{created.json()['id']}").json()


@pytest.mark.parametrize(
    "lines",
    [[{"sku": "TEE", "quantity": 1}], [{"sku": "TEE", "quantity": 11}]],
    ids=["reserved", "held-for-stock"],
)
def test_the_answer_shows_the_stored_update_time_however_long_placing_takes(
    caller, world, manual, lines, monkeypatch
):
    """The clock moves a millisecond at every reading: the order's row is written after
    its answer is built (with its batch's others), and must still say what it answered."""
    from datetime import UTC, datetime, timedelta
    from itertools import count

    from django.utils import timezone

    ticks = count()
    start = datetime(2026, 12, 12, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(milliseconds=next(ticks)))
    created = place(caller, manual, lines=lines)
    assert created.status_code == 201, created.content
    stored = caller.get(f"/api/v1/orders/{created.json()['id']}").json()
    assert created.json()["updated_at"] == stored["updated_at"]


def test_the_same_external_id_twice_is_a_conflict(caller, world, manual):
    place(caller, manual)
    again = place(caller, manual)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "order.exists"


def test_orders_for_marketplace_shops_come_from_the_channel(caller, world):
    response = place(caller, world.shopee)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "order.channel_not_direct"


def test_an_order_without_lines_is_invalid(caller, world, manual):
    assert place(caller, manual, lines=[]).status_code == 422


def test_the_wms_drives_the_order_to_delivery(caller, world, manual):
    order_id = place(caller, manual).json()["id"]
    for action, status in [
        ("accept", "accepted"),
        ("pack", "packed"),
        ("ready-to-ship", "ready_to_ship"),
        ("ship", "shipped"),
        ("deliver", "delivered"),
        ("complete", "completed"),
    ]:
        response = caller.post(f"/api/v1/orders/{order_id}/{action}")
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status
    level = StockLevel.objects.get(warehouse=world.jkt, product=world.tee)
    assert (level.on_hand, level.reserved) == (8, 0)


def test_a_refused_action_answers_409_and_changes_nothing(caller, world, manual):
    order_id = place(caller, manual).json()["id"]
    response = caller.post(f"/api/v1/orders/{order_id}/ship")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "order.invalid_transition"
    assert error["details"]["status"] == "ready_to_process"
    assert caller.get(f"/api/v1/orders/{order_id}").json()["status"] == "ready_to_process"


def test_cancelling_says_who_and_why_and_frees_the_stock(caller, world, manual):
    order_id = place(caller, manual).json()["id"]
    cancelled = caller.post(
        f"/api/v1/orders/{order_id}/cancel", {"reason": "out of stock at pick", "by": "seller"}
    ).json()
    assert (cancelled["status"], cancelled["cancelled_by"]) == ("cancelled", "seller")
    assert cancelled["cancel_reason"] == "out of stock at pick"
    assert StockLevel.objects.get(warehouse=world.jkt, product=world.tee).reserved == 0


def test_a_pos_sale_is_taken_from_stock_at_once(caller, world):
    response = place(
        caller, world.pos, external_id="R-1", type="pos", lines=[{"sku": "MUG", "quantity": 1}]
    )
    assert response.status_code == 201
    # the POS is served by SBY, which has no mugs: the sale is held for the operator
    assert response.json()["hold_reason"] == "insufficient_stock"
    from .factories import stock

    stock(world.sby, world.mug, 3)
    sale = place(
        caller, world.pos, external_id="R-2", type="pos", lines=[{"sku": "MUG", "quantity": 1}]
    )
    assert sale.json()["status"] == "ready_to_process"
    assert StockLevel.objects.get(warehouse=world.sby, product=world.mug).on_hand == 2


def test_orders_are_filtered(caller, world, manual):
    place(caller, manual, external_id="A", lines=[{"sku": "TEE", "quantity": 1}])
    place(caller, manual, external_id="B", lines=[{"sku": "MUG", "quantity": 1}])
    place(caller, manual, external_id="C", lines=[{"sku": "HAT", "quantity": 1}])
    by_sku = caller.get("/api/v1/orders", sku="MUG").json()["items"]
    assert [o["external_id"] for o in by_sku] == ["B"]
    held = caller.get("/api/v1/orders", hold_reason="mapping_error").json()["items"]
    assert [o["external_id"] for o in held] == ["C"]
    assert len(caller.get("/api/v1/orders", status="ready_to_process").json()["items"]) == 2
    assert len(caller.get("/api/v1/orders", connection_id=manual.pk).json()["items"]) == 3
    by_id = caller.get("/api/v1/orders", external_id="B").json()["items"]
    assert [o["external_id"] for o in by_id] == ["B"]


def test_another_tenants_orders_are_invisible(caller, other_caller, world, manual):
    order_id = place(caller, manual).json()["id"]
    assert other_caller.get("/api/v1/orders").json()["items"] == []
    assert other_caller.get(f"/api/v1/orders/{order_id}").status_code == 404
    assert other_caller.post(f"/api/v1/orders/{order_id}/cancel", {}).status_code == 404
    assert (
        other_caller.post(
            "/api/v1/orders", {"connection_id": manual.pk, "lines": [{"sku": "TEE", "quantity": 1}]}
        ).status_code
        == 404
    )


def test_reading_needs_orders_read_and_writing_orders_write(world, manual, make_caller):
    reader = make_caller(world.tenant, ["orders:read"])
    assert reader.get("/api/v1/orders").status_code == 200
    assert place(reader, manual).status_code == 403
