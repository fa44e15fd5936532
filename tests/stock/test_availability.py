"""The pure availability function: each rule, its order, and the precedence of scopes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omnichannel.inventory.availability import (
    ListingFacts,
    PolicyLayers,
    PolicyValues,
    StockPicture,
    listing_availability,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SHIRT, MUG, GIFT_SET = 1, 2, 3
W1, W2, W3 = 10, 20, 30


def picture(**available: int) -> StockPicture:
    """``picture(SHIRT_W1=5)`` style: product and warehouse by name."""
    names = {"SHIRT": SHIRT, "MUG": MUG, "W1": W1, "W2": W2, "W3": W3}
    levels = {}
    for key, value in available.items():
        product, warehouse = key.split("_")
        levels[(names[product], names[warehouse])] = value
    return StockPicture(at=NOW, available=levels, components={GIFT_SET: ((SHIRT, 1), (MUG, 2))})


def facts(product: int | None = SHIRT, warehouses=(W1, W2), active: bool = True) -> ListingFacts:
    return ListingFacts(1, 7, product, active, tuple(warehouses))


def quantity(pic: StockPicture, of: ListingFacts | None = None, **levels) -> int | None:
    """The quantity for listing ``of`` with policies given per level as keyword dicts."""
    layers = PolicyLayers(**{k: PolicyValues(**v) for k, v in levels.items()})
    return listing_availability(pic, layers, of or facts()).quantity


def test_the_pool_sums_the_connections_warehouses_only():
    assert quantity(picture(SHIRT_W1=5, SHIRT_W2=3, SHIRT_W3=100)) == 8


def test_a_warehouse_below_zero_does_not_eat_another_ones_stock():
    assert quantity(picture(SHIRT_W1=-4, SHIRT_W2=3)) == 3


def test_a_bundle_shows_whole_bundles_of_its_scarcest_component():
    pic = picture(SHIRT_W1=10, MUG_W1=5, MUG_W2=2)
    assert quantity(pic, facts(GIFT_SET)) == 3  # mugs: 7 // 2


def test_inactive_or_unmapped_listings_have_no_target():
    assert quantity(picture(SHIRT_W1=5), facts(active=False)) is None
    assert quantity(picture(SHIRT_W1=5), facts(product=None)) is None


def test_safety_stock_holds_back_units_but_never_goes_below_zero():
    assert quantity(picture(SHIRT_W1=10), tenant={"safety_stock": 3}) == 7
    assert quantity(picture(SHIRT_W1=2), tenant={"safety_stock": 3}) == 0


def test_percentage_allocation_rounds_down():
    rules = {"allocation_kind": "percent", "allocation_value": 50}
    assert quantity(picture(SHIRT_W1=7), connection=rules) == 3


def test_fixed_allocation_is_at_most_what_is_available():
    rules = {"allocation_kind": "fixed", "allocation_value": 5}
    assert quantity(picture(SHIRT_W1=10), listing=rules) == 5
    assert quantity(picture(SHIRT_W1=2), listing=rules) == 2


def test_max_listed_caps_the_quantity():
    assert quantity(picture(SHIRT_W1=500), sku={"max_listed": 100}) == 100


def test_zero_below_shows_zero_for_a_few_units():
    assert quantity(picture(SHIRT_W1=2), tenant={"zero_below": 3}) == 0
    assert quantity(picture(SHIRT_W1=3), tenant={"zero_below": 3}) == 3


def test_below_the_low_stock_threshold_only_priority_connections_keep_stock():
    pic = picture(SHIRT_W1=4)
    assert quantity(pic, tenant={"low_stock_threshold": 5}) == 0
    assert (
        quantity(pic, tenant={"low_stock_threshold": 5}, connection={"low_stock_priority": True})
        == 4
    )
    assert quantity(picture(SHIRT_W1=6), tenant={"low_stock_threshold": 5}) == 6


def test_a_running_pre_order_publishes_its_quantity_and_then_stops():
    running = {"preorder_quantity": 50, "preorder_until": NOW + timedelta(days=1)}
    ended = {"preorder_quantity": 50, "preorder_until": NOW - timedelta(seconds=1)}
    assert quantity(picture(SHIRT_W1=0), listing=running) == 50
    assert quantity(picture(SHIRT_W1=4), listing=ended) == 4


def test_the_most_specific_scope_wins_rule_by_rule():
    pic = picture(SHIRT_W1=100)
    assert (
        quantity(
            pic,
            tenant={"safety_stock": 10, "max_listed": 20},
            connection={"safety_stock": 50},
            sku={"safety_stock": 0},
        )
        == 20
    )


def test_allocation_kind_and_value_resolve_as_a_pair():
    pic = picture(SHIRT_W1=100)
    result = quantity(
        pic,
        sku={"allocation_kind": "percent", "allocation_value": 10},
        listing={"allocation_kind": "fixed", "allocation_value": 30},
    )
    assert result == 30


def test_the_explanation_names_each_step_and_where_its_rule_came_from():
    layers = PolicyLayers(tenant=PolicyValues(safety_stock=2), sku=PolicyValues(max_listed=5))
    result = listing_availability(picture(SHIRT_W1=10), layers, facts())
    assert [(s.rule, s.quantity) for s in result.steps] == [
        ("pool", 10),
        ("safety stock", 8),
        ("max listed", 5),
    ]
    assert "tenant policy" in result.steps[1].detail
    assert "sku policy" in result.steps[2].detail
