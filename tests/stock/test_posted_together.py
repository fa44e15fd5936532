"""Movement batches posted together: concurrent API calls of one process share a
transaction (``ledger.post_together``, ``omnichannel.groupcommit``).

Each batch must get the answer it would have had alone, posted after the ones before it,
and the stock must end as if they had been posted one after another.
"""

from __future__ import annotations

import pytest
from django.test import Client

from omnichannel.errors import Conflict
from omnichannel.inventory.ledger import MovementInput, post_many, post_movements
from omnichannel.inventory.models import StockLevel, StockMovement

from .conftest import WHEN


def moved(movement_id: str, type: str = "inbound", quantity: int = 5, sku: str = "SHIRT"):
    return MovementInput(
        movement_id=movement_id,
        type=type,
        warehouse="W1",
        sku=sku,
        quantity=quantity,
        occurred_at=WHEN,
    )


@pytest.fixture
def stocked(warehouse, product, shop, listing):
    """W1 with SHIRT and HAT, each listed on a shop."""
    warehouse("W1")
    store = shop()
    return {sku: listing(store, product(sku)) for sku in ("SHIRT", "HAT")}


def picture(tenant) -> dict:
    return {
        "levels": sorted(
            StockLevel.objects.filter(tenant=tenant).values_list("product__sku", "on_hand")
        ),
        "ledger": sorted(
            StockMovement.objects.filter(tenant=tenant).values_list("movement_id", "quantity")
        ),
    }


def test_batches_posted_together_end_as_posted_one_after_another(tenant, stocked):
    batches = [
        [moved("a", quantity=10), moved("b", sku="HAT")],
        [moved("c", "outbound", 4)],
        [moved("d", "outbound", 6), moved("e", "adjustment", -1, sku="HAT")],
    ]

    answers = post_many(tenant, batches)

    assert [(a.accepted, a.duplicates) for a in answers] == [
        (["a", "b"], []),
        (["c"], []),
        (["d", "e"], []),
    ]
    assert picture(tenant)["levels"] == [("HAT", 4), ("SHIRT", 0)]
    for listing in stocked.values():
        listing.refresh_from_db()
    assert (stocked["SHIRT"].target_qty, stocked["HAT"].target_qty) == (0, 4)


def test_a_refused_batch_fails_alone_with_its_own_indexes(tenant, stocked):
    answers = post_many(
        tenant,
        [
            [moved("a", quantity=3)],
            [moved("b", quantity=1), moved("c", "outbound", 9)],  # 9 of 4: refused whole
            [moved("d", "outbound", 2)],
        ],
    )

    assert answers[0].accepted == ["a"] and answers[2].accepted == ["d"]
    refused = answers[1]
    assert isinstance(refused, Conflict) and refused.code == "stock.negative"
    assert [e["index"] for e in refused.details["errors"]] == [1]
    assert picture(tenant) == {"levels": [("SHIRT", 1)], "ledger": [("a", 3), ("d", 2)]}


def test_a_duplicate_reported_to_its_own_batch_only(tenant, stocked):
    post_movements(tenant, [moved("old", quantity=2)])

    answers = post_many(tenant, [[moved("new", quantity=1)], [moved("old", quantity=2)]])

    assert [(a.accepted, a.duplicates) for a in answers] == [(["new"], []), ([], ["old"])]
    assert picture(tenant)["levels"] == [("SHIRT", 3)]


def test_one_id_in_two_batches_is_posted_by_the_first_and_judged_for_the_second(tenant, stocked):
    answers = post_many(
        tenant,
        [[moved("x", quantity=1)], [moved("x", quantity=1)], [moved("x", quantity=7)]],
    )

    assert (answers[0].accepted, answers[1].duplicates) == (["x"], ["x"])
    assert isinstance(answers[2], Conflict) and answers[2].code == "stock.movement_conflict"
    assert picture(tenant)["levels"] == [("SHIRT", 1)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_single_movements_through_the_api_are_all_applied_once(
    make_caller, tenant, warehouse, product, shop, listing, at_once
):
    """Twelve WMS workers post single movements at once, each id twice (a retry): every
    movement is applied once, the retries are duplicates, the level is the ledger's sum."""
    warehouse("W1")
    shirt_listing = listing(shop(), product("SHIRT"))
    token = make_caller(tenant).token
    answers: list[tuple[str, int, dict]] = []

    def post(worker: int) -> None:
        http = Client()
        for n in [0, 1, 2, 3, 0]:
            body = {
                "movements": [
                    {
                        "id": f"w{worker}-{n}",
                        "type": "inbound",
                        "warehouse": "W1",
                        "sku": "SHIRT",
                        "quantity": 1 + n,
                        "occurred_at": "2026-11-01T08:00:00Z",
                    }
                ]
            }
            response = http.post(
                "/api/v1/stock/movements",
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            answers.append((f"w{worker}-{n}", response.status_code, response.json()))

    assert at_once(12, post) == []

    assert {status for _, status, _ in answers} == {200}
    accepted = sorted(id_ for id_, _, body in answers if body["accepted"] == [id_])
    repeated = sorted(id_ for id_, _, body in answers if body["duplicates"] == [id_])
    assert accepted == sorted(f"w{w}-{n}" for w in range(12) for n in range(4))
    assert repeated == sorted(f"w{w}-0" for w in range(12))
    level = StockLevel.objects.get(tenant=tenant)
    assert level.on_hand == 12 * (1 + 2 + 3 + 4)
    assert StockMovement.objects.count() == 48
    shirt_listing.refresh_from_db()
    assert shirt_listing.target_qty == 120
