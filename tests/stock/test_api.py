"""The stock API: every endpoint, its errors and its idempotency."""

from __future__ import annotations

import pytest

from omnichannel.catalog.models import Listing, Product
from omnichannel.inventory.models import StockLevel, StockMovement, StockPolicy

AT = "2026-11-01T08:00:00Z"


def movement(id: str, type: str = "inbound", quantity: int = 5, **extra) -> dict:
    return {
        "id": id,
        "type": type,
        "warehouse": "W1",
        "sku": "SHIRT",
        "quantity": quantity,
        "occurred_at": AT,
        **extra,
    }


@pytest.fixture
def stocked(caller, warehouse, product, shop, listing):
    """Tenant A with warehouse W1, SHIRT, and one listing of it on a shop."""
    warehouse("W1")
    shirt = product("SHIRT")
    return listing(shop(), shirt)


def post(caller, *movements, **headers):
    return caller.post("/api/v1/stock/movements", {"movements": list(movements)}, headers=headers)


def test_posting_movements_updates_levels_and_listing_targets(caller, stocked):
    response = post(caller, movement("a"), movement("b", "outbound", 2))
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": ["a", "b"], "duplicates": []}
    stocked.refresh_from_db()
    assert (stocked.target_qty, stocked.push_state) == (3, "pending")


def test_a_replayed_movement_is_reported_as_duplicate(caller, stocked):
    post(caller, movement("a"))
    again = post(caller, movement("a"), movement("b"))
    assert again.json() == {"accepted": ["b"], "duplicates": ["a"]}
    assert StockLevel.objects.get().on_hand == 10


def test_a_movement_id_reused_with_other_content_is_409(caller, stocked):
    post(caller, movement("a"))
    response = post(caller, movement("a", quantity=6))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "stock.movement_conflict"
    assert error["details"]["errors"][0]["index"] == 0


def test_going_negative_is_409_and_changes_nothing(caller, stocked):
    response = post(caller, movement("a", quantity=1), movement("b", "outbound", 2))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stock.negative"
    assert response.json()["error"]["details"]["errors"][0]["index"] == 1
    assert not StockMovement.objects.exists()


def test_unknown_skus_and_warehouses_are_422_with_every_item_listed(caller, stocked):
    response = post(caller, movement("a", sku="NOPE"), movement("b", warehouse="W9"))
    assert response.status_code == 422
    errors = response.json()["error"]["details"]["errors"]
    assert [(e["index"], e["code"]) for e in errors] == [
        (0, "stock.unknown_sku"),
        (1, "stock.unknown_warehouse"),
    ]


def test_a_large_batch_writes_every_movement_and_every_listing_target(
    caller, warehouse, product, shop, listing
):
    """Large enough that PostgreSQL writes the ledger rows and the listing targets as one
    statement each over column arrays: every value must land in its row."""
    warehouse("W1")
    skus = [f"SKU-{n}" for n in range(30)]
    shops = [shop(f"shop-{n}") for n in range(2)]
    products = {sku: product(sku) for sku in skus}
    listings = {sku: [listing(s, products[sku]) for s in shops] for sku in skus}
    movements = [
        movement(f"in-{n}", sku=sku, quantity=n + 1, reason=f"receipt {n}")
        for n, sku in enumerate(skus)
    ]
    movements += [movement(f"out-{n}", "outbound", 1, sku=sku) for n, sku in enumerate(skus)]
    response = post(caller, *movements)
    assert response.status_code == 200, response.content
    ledger = {m.movement_id: m for m in StockMovement.objects.select_related("product")}
    assert len(ledger) == 60
    assert (ledger["in-7"].product.sku, ledger["in-7"].quantity) == ("SKU-7", 8)
    assert (ledger["in-7"].reason, ledger["in-7"].type) == ("receipt 7", "inbound")
    assert ledger["out-7"].occurred_at.isoformat() == "2026-11-01T08:00:00+00:00"
    for n, sku in enumerate(skus):
        for row in listings[sku]:
            row.refresh_from_db()
            assert (row.target_qty, row.push_state) == (n, "pending")


def test_a_batch_is_at_most_1000_movements(caller, stocked):
    response = post(caller, *[movement(f"m{i}") for i in range(1001)])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_a_full_batch_of_transfers_of_as_many_skus_is_applied_whole(
    tenant, caller, warehouse, shop
):
    """The widest batch: 1,000 SKUs, each moved between two warehouses, each listed."""
    w1, w2 = warehouse("W1"), warehouse("W2")
    products = Product.objects.bulk_create(
        Product(tenant=tenant, sku=f"SKU-{n}", name="p") for n in range(1000)
    )
    StockLevel.objects.bulk_create(
        StockLevel(tenant=tenant, warehouse=w1, product=p, on_hand=5) for p in products
    )
    connection = shop()
    Listing.objects.bulk_create(
        Listing(tenant=tenant, connection=connection, product=p, external_item_id=p.sku)
        for p in products
    )
    transfers = [
        movement(f"t{n}", "transfer", 2, sku=f"SKU-{n}", to_warehouse="W2") for n in range(1000)
    ]

    response = post(caller, *transfers)

    assert response.status_code == 200, response.content
    assert len(response.json()["accepted"]) == 1000
    levels = StockLevel.objects.filter(tenant=tenant)
    assert sorted(set(levels.values_list("warehouse_id", "on_hand"))) == [(w1.pk, 3), (w2.pk, 2)]
    assert set(Listing.objects.values_list("target_qty", "push_state")) == {(5, "pending")}


def test_a_time_without_a_zone_is_refused(caller, stocked):
    response = post(caller, movement("a", occurred_at="2026-11-01T08:00:00"))
    assert response.status_code == 422


def test_the_idempotency_key_replays_the_answer(caller, stocked):
    first = post(caller, movement("a"), **{"Idempotency-Key": "k"})
    again = post(caller, movement("a"), **{"Idempotency-Key": "k"})
    assert first.json() == again.json() == {"accepted": ["a"], "duplicates": []}


def test_writing_needs_the_stock_write_scope(tenant, make_caller, stocked):
    reader = make_caller(tenant, scopes=["stock:read"])
    response = post(reader, movement("a"))
    assert response.status_code == 403
    assert reader.get("/api/v1/stock").status_code == 200


def test_another_tenants_skus_and_warehouses_do_not_exist(other_caller, stocked):
    response = post(other_caller, movement("a"))
    assert response.status_code == 422


def test_counts_write_adjustments_and_report_what_changed(caller, stocked):
    post(caller, movement("a", quantity=10))
    body = {"counts": [{"warehouse": "W1", "sku": "SHIRT", "on_hand": 4}], "reference": "opname"}
    response = caller.put("/api/v1/stock/counts", body)
    assert response.status_code == 200, response.content
    [item] = response.json()["items"]
    assert (item["previous"], item["counted"]) == (10, 4)
    adjustment = StockMovement.objects.get(movement_id=item["movement_id"])
    assert (adjustment.quantity, adjustment.reference) == (-6, "opname")


def test_a_negative_count_is_refused(caller, stocked):
    body = {"counts": [{"warehouse": "W1", "sku": "SHIRT", "on_hand": -1}]}
    assert caller.put("/api/v1/stock/counts", body).status_code == 422


def test_levels_list_on_hand_reserved_and_available(caller, stocked, warehouse):
    warehouse("W2")
    post(caller, movement("a"), movement("b", warehouse="W2", quantity=2))
    response = caller.get("/api/v1/stock", sku="SHIRT", warehouse="W2")
    assert response.json()["items"] == [
        {
            "sku": "SHIRT",
            "warehouse": "W2",
            "on_hand": 2,
            "reserved": 0,
            "available": 2,
            "updated_at": response.json()["items"][0]["updated_at"],
        }
    ]


def test_the_ledger_filters_by_sku_warehouse_type_and_time(caller, stocked, warehouse, product):
    warehouse("W2"), product("MUG")
    post(
        caller,
        movement("a"),
        movement("b", sku="MUG", occurred_at="2026-11-02T08:00:00Z"),
        movement("c", "transfer", 1, to_warehouse="W2", occurred_at="2026-11-03T08:00:00Z"),
    )

    def ids(**filters) -> list[str]:
        response = caller.get("/api/v1/stock/movements", **filters)
        assert response.status_code == 200, response.content
        return [m["id"] for m in response.json()["items"]]

    assert ids() == ["a", "b", "c"]
    assert ids(sku="MUG") == ["b"]
    assert ids(warehouse="W2") == ["c"]
    assert ids(type="transfer") == ["c"]
    assert ids(since="2026-11-02T00:00:00Z", until="2026-11-03T00:00:00Z") == ["b"]
    page = caller.get("/api/v1/stock/movements", limit=2).json()
    rest = caller.get("/api/v1/stock/movements", cursor=page["next_cursor"]).json()
    assert [m["id"] for m in page["items"] + rest["items"]] == ["a", "b", "c"]


def test_policies_can_be_created_changed_listed_and_removed(caller, stocked):
    post(caller, movement("a", quantity=10))
    created = caller.post("/api/v1/stock-policies", {"sku": "SHIRT", "safety_stock": 3})
    assert created.status_code == 201, created.content
    policy = created.json()
    assert (policy["scope"], policy["sku"]) == ("sku", "SHIRT")
    stocked.refresh_from_db()
    assert stocked.target_qty == 7
    changed = caller.patch(f"/api/v1/stock-policies/{policy['id']}", {"max_listed": 5})
    assert changed.json()["safety_stock"] == 3
    stocked.refresh_from_db()
    assert stocked.target_qty == 5
    assert [p["id"] for p in caller.get("/api/v1/stock-policies", kind="sku").json()["items"]] == [
        policy["id"]
    ]
    assert caller.delete(f"/api/v1/stock-policies/{policy['id']}").status_code == 204
    stocked.refresh_from_db()
    assert stocked.target_qty == 10


def test_one_policy_per_scope(caller, stocked):
    assert caller.post("/api/v1/stock-policies", {"safety_stock": 1}).status_code == 201
    again = caller.post("/api/v1/stock-policies", {"safety_stock": 2})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "stock_policy.exists"


@pytest.mark.parametrize(
    "body",
    [
        {"sku": "SHIRT", "listing_id": 1},
        {"allocation_kind": "percent", "allocation_value": 101},
        {"allocation_kind": "percent"},
        {"preorder_until": AT},
        {"safety_stock": -1},
    ],
)
def test_invalid_policies_are_422(caller, stocked, body):
    response = caller.post("/api/v1/stock-policies", body)
    assert response.status_code == 422, response.content
    assert not StockPolicy.objects.exists()


def test_a_policy_for_another_tenants_listing_is_404(other_caller, stocked):
    response = other_caller.post("/api/v1/stock-policies", {"listing_id": stocked.pk})
    assert response.status_code == 404


def test_the_warehouses_of_a_connection_decide_its_pool(caller, stocked, warehouse):
    warehouse("W2")
    post(caller, movement("a", quantity=4), movement("b", warehouse="W2", quantity=6))
    path = f"/api/v1/stock-policies/connections/{stocked.connection_id}/warehouses"
    response = caller.put(path, {"warehouses": [{"warehouse": "W2", "priority": 1}]})
    assert response.json() == {"warehouses": [{"warehouse": "W2", "priority": 1}]}
    stocked.refresh_from_db()
    assert stocked.target_qty == 6
    assert caller.get(path).json() == response.json()
    unknown = caller.put(path, {"warehouses": [{"warehouse": "W9"}]})
    assert unknown.status_code == 422


def test_availability_explains_the_quantity(caller, stocked):
    post(caller, movement("a", quantity=10))
    caller.post("/api/v1/stock-policies", {"safety_stock": 2})
    response = caller.get(f"/api/v1/listings/{stocked.pk}/availability")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["quantity"], body["target_qty"]) == (8, 8)
    assert [s["rule"] for s in body["explanation"]] == ["pool", "safety stock"]


def test_availability_of_another_tenants_listing_is_404(other_caller, stocked):
    assert other_caller.get(f"/api/v1/listings/{stocked.pk}/availability").status_code == 404


def test_simulate_previews_without_saving(caller, stocked):
    post(caller, movement("a", quantity=10))
    body = {
        "policies": [
            {
                "connection_id": stocked.connection_id,
                "allocation_kind": "percent",
                "allocation_value": 30,
            }
        ]
    }
    response = caller.post("/api/v1/stock/simulate", body)
    assert response.status_code == 200, response.content
    [item] = response.json()["items"]
    assert (item["listing_id"], item["quantity"], item["target_qty"]) == (stocked.pk, 3, 10)
    assert not StockPolicy.objects.exists()
    assert Listing.objects.get(pk=stocked.pk).target_qty == 10


def test_simulate_can_preview_removing_a_policy(caller, stocked):
    post(caller, movement("a", quantity=10))
    caller.post("/api/v1/stock-policies", {"sku": "SHIRT", "max_listed": 1})
    body = {"policies": [{"sku": "SHIRT", "remove": True}], "sku": "SHIRT"}
    [item] = caller.post("/api/v1/stock/simulate", body).json()["items"]
    assert (item["quantity"], item["target_qty"]) == (10, 1)
