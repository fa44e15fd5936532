"""Movements and counts: levels follow the ledger, ids are applied once, batches are whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db.models import Sum

from omnichannel.errors import Conflict, Unprocessable
from omnichannel.inventory.ledger import CountInput, MovementInput, apply_counts, post_movements
from omnichannel.inventory.models import StockLevel, StockMovement

WHEN = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def on_hand(product, warehouse) -> int:
    level = StockLevel.objects.filter(product=product, warehouse=warehouse).first()
    return level.on_hand if level else 0


def test_inbound_outbound_and_transfer_move_on_hand(tenant, move, warehouse, product):
    w1, w2, shirt = warehouse("W1"), warehouse("W2"), product("SHIRT")
    move("inbound", w1, shirt, 10)
    move("outbound", w1, shirt, 3)
    move("transfer", w1, shirt, 4, to_warehouse=w2)
    move("adjustment", w2, shirt, -1)
    assert (on_hand(shirt, w1), on_hand(shirt, w2)) == (3, 3)


def test_the_same_id_and_content_is_applied_once_and_reported_as_duplicate(
    tenant, move, warehouse, product
):
    w1, shirt = warehouse(), product("SHIRT")
    first = move("inbound", w1, shirt, 5, movement_id="grn-1")
    again = move("inbound", w1, shirt, 5, movement_id="grn-1")
    assert (first.accepted, again.accepted, again.duplicates) == (["grn-1"], [], ["grn-1"])
    assert on_hand(shirt, w1) == 5


def test_the_same_id_with_other_content_is_a_conflict(tenant, move, warehouse, product):
    w1, shirt = warehouse(), product("SHIRT")
    move("inbound", w1, shirt, 5, movement_id="grn-1")
    with pytest.raises(Conflict) as caught:
        move("inbound", w1, shirt, 6, movement_id="grn-1")
    assert caught.value.code == "stock.movement_conflict"
    assert on_hand(shirt, w1) == 5


def test_stock_cannot_go_negative_unless_the_warehouse_allows_it(tenant, move, warehouse, product):
    strict, loose, shirt = warehouse("W1"), warehouse("W2", allow_negative_stock=True), product("S")
    with pytest.raises(Conflict) as caught:
        move("outbound", strict, shirt, 1)
    assert caught.value.code == "stock.negative"
    move("outbound", loose, shirt, 2)
    assert (on_hand(shirt, strict), on_hand(shirt, loose)) == (0, -2)


def test_a_batch_with_one_bad_item_applies_nothing_and_lists_every_error(
    tenant, move, warehouse, product
):
    w1, shirt = warehouse(), product("SHIRT")
    items = [
        MovementInput("a", "inbound", "W1", "SHIRT", 5, WHEN),
        MovementInput("b", "inbound", "W1", "NOPE", 5, WHEN),
        MovementInput("c", "inbound", "W9", "SHIRT", 5, WHEN),
    ]
    with pytest.raises(Unprocessable) as caught:
        post_movements(tenant, items)
    assert [e["index"] for e in caught.value.details["errors"]] == [1, 2]
    assert caught.value.code == "stock.unknown_sku"
    assert not StockMovement.objects.exists()
    assert on_hand(shirt, w1) == 0


def test_items_of_a_batch_apply_in_order(tenant, move, warehouse, product):
    warehouse(), product("SHIRT")
    post_movements(
        tenant,
        [
            MovementInput("in", "inbound", "W1", "SHIRT", 2, WHEN),
            MovementInput("out", "outbound", "W1", "SHIRT", 2, WHEN),
        ],
    )
    assert StockLevel.objects.get().on_hand == 0


def test_a_bundle_has_no_stock_of_its_own(tenant, move, warehouse, product):
    w1, shirt = warehouse(), product("SHIRT")
    kit = product("KIT", {shirt: 2})
    with pytest.raises(Unprocessable) as caught:
        move("inbound", w1, kit, 1)
    assert caught.value.code == "stock.bundle_sku"


@pytest.mark.parametrize(
    ("type", "quantity", "to"),
    [
        ("inbound", 0, None),
        ("outbound", -1, None),
        ("adjustment", 0, None),
        ("transfer", 1, None),
        ("transfer", 1, "W1"),
        ("inbound", 1, "W1"),
        ("teleport", 1, None),
    ],
)
def test_malformed_movements_are_refused(tenant, move, warehouse, product, type, quantity, to):
    warehouse(), product("SHIRT")
    with pytest.raises(Unprocessable) as caught:
        post_movements(tenant, [MovementInput("x", type, "W1", "SHIRT", quantity, WHEN, to)])
    assert caught.value.code == "stock.invalid_movement"


def test_a_count_becomes_an_adjustment_and_the_ledger_still_sums_to_the_level(
    tenant, move, warehouse, product
):
    w1, shirt = warehouse(), product("SHIRT")
    move("inbound", w1, shirt, 10)
    [result] = apply_counts(tenant, [CountInput("W1", "SHIRT", 7)], WHEN)
    assert (result.previous, result.counted) == (10, 7)
    adjustment = StockMovement.objects.get(movement_id=result.movement_id)
    assert (adjustment.type, adjustment.quantity) == ("adjustment", -3)
    total = StockMovement.objects.aggregate(total=Sum("quantity"))["total"]
    assert total == on_hand(shirt, w1) == 7


def test_repeating_a_count_writes_nothing(tenant, move, warehouse, product):
    warehouse(), product("SHIRT")
    apply_counts(tenant, [CountInput("W1", "SHIRT", 4)], WHEN)
    [again] = apply_counts(tenant, [CountInput("W1", "SHIRT", 4)], WHEN)
    assert again.movement_id is None
    assert StockMovement.objects.count() == 1


def test_counting_one_place_twice_in_a_request_is_refused(tenant, move, warehouse, product):
    warehouse(), product("SHIRT")
    with pytest.raises(Unprocessable) as caught:
        apply_counts(tenant, [CountInput("W1", "SHIRT", 4), CountInput("W1", "SHIRT", 5)], WHEN)
    assert caught.value.code == "stock.duplicate_count"
    assert not StockLevel.objects.exists()


def test_the_content_hash_of_a_movement_never_changes():
    """Stored hashes decide duplicates: the same content must hash the same forever."""
    item = MovementInput(
        "GRN-0001",
        "transfer",
        "JKT-01",
        "TSHIRT-RED-M",
        4,
        datetime(2026, 11, 1, 15, 0, tzinfo=timezone(timedelta(hours=7))),
        to_warehouse="SBY-01",
        reason="purchase",
        reference="PO-778",
    )
    assert item.content_hash() == "145446e2a189c0f6b46c847be29642cfe9283cf1fa36b2ba17d95816e23aadee"
