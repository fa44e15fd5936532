"""Query budget of a single stock movement through the API: a regression guard (counts, not
timings). Every statement costs a round trip and, through the ORM, ~0.4 ms of building and
compiling: a change that adds one should be a decision, not an accident."""

from __future__ import annotations

from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

# Auth; the batch's products, warehouses and known ids, and its levels locked (one
# statement); ledger insert, level update; the recompute: the listings locked, with their
# bundle components, levels, warehouse links, the tenant's active warehouses, the shops'
# channels and the policies (one statement), then their update (no POS/manual settling
# when the shops are of other channels); the request's transaction is a savepoint and its
# release inside the test's.
SINGLE_MOVEMENT_BUDGET = 8


def post_one(caller, movement_id: str, sku: str):  # noqa: ANN001, ANN201
    body = {
        "movements": [
            {
                "id": movement_id,
                "type": "inbound",
                "warehouse": "W1",
                "sku": sku,
                "quantity": 3,
                "occurred_at": "2026-11-01T08:00:00Z",
            }
        ]
    }
    with CaptureQueriesContext(db_connection) as captured:
        response = caller.post("/api/v1/stock/movements", body)
    assert response.status_code == 200, response.content
    return captured


def test_a_single_movement_stays_within_its_query_budget_whatever_the_fan_out(
    caller, warehouse, product, shop, listing
):
    warehouse("W1")
    shirt, mug = product("SHIRT"), product("MUG")
    kit = product("KIT", {shirt: 2})
    for n in range(20):
        connection = shop(f"shop-{n}")
        listing(connection, shirt)
        if n < 5:
            listing(connection, mug)
        if n % 4 == 3:
            listing(connection, kit)
    post_one(caller, "warm-up", "SHIRT")

    wide = post_one(caller, "m-1", "SHIRT")  # 20 listings and 5 bundle listings
    narrow = post_one(caller, "m-2", "MUG")  # 5 listings

    assert len(wide) == SINGLE_MOVEMENT_BUDGET, [q["sql"][:120] for q in wide]
    assert len(narrow) == len(wide)
