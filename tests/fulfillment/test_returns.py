"""Returns end to end through the API: create → receive → QC (restock / write-off) → refund."""

from __future__ import annotations

import pytest

from omnichannel.catalog.models import Listing
from omnichannel.fulfillment.models import Return
from omnichannel.inventory.models import StockLevel, StockMovement
from omnichannel.notifications.models import Event
from omnichannel.orders.models import Order

from .conftest import place_order, ship


def on_hand(warehouse, product) -> int:
    level = StockLevel.objects.filter(warehouse=warehouse, product=product).first()
    return level.on_hand if level else 0


def open_return(caller, order, lines, external_id="RMA-1", **extra):
    body = {"order_id": order.pk, "external_id": external_id, "lines": lines, **extra}
    return caller.post("/api/v1/returns", body)


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_return_flow_restocks_what_passes_writes_off_what_fails_and_records_the_refund(
    caller, shop, shipped_order
):
    tee_target = Listing.objects.get(pk=shop.listings["TEE"].pk).target_qty
    created = open_return(
        caller,
        shipped_order,
        [{"sku": "TEE", "quantity": 2, "reason": "too small"}, {"sku": "MUG", "quantity": 1}],
        reason="buyer changed mind",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["refund_status"]) == ("requested", "none")
    return_id = body["id"]

    received = caller.post(f"/api/v1/returns/{return_id}/receive")
    assert received.json()["status"] == "received"
    assert on_hand(shop.jkt, shop.tee) == 6  # nothing is back in stock before QC

    qc = caller.post(
        f"/api/v1/returns/{return_id}/qc",
        {
            "lines": [
                {"sku": "TEE", "result": "pass"},
                {"sku": "MUG", "result": "fail", "note": "cracked"},
            ],
            "note": "checked by Budi",
        },
    )
    assert qc.status_code == 200, qc.content
    lines = {line["sku"]: line for line in qc.json()["lines"]}
    assert qc.json()["status"] == "qc_passed"
    assert (lines["TEE"]["qc_result"], lines["TEE"]["restock_warehouse"]) == ("pass", "JKT")
    assert (lines["MUG"]["qc_result"], lines["MUG"]["restock_warehouse"]) == ("fail", None)

    assert on_hand(shop.jkt, shop.tee) == 8
    assert on_hand(shop.jkt, shop.mug) == 8  # written off: not restocked
    tee_line = Return.objects.get(pk=return_id).lines.get(sku="TEE")
    movement = StockMovement.objects.get(movement_id=f"return-{return_id}-{tee_line.pk}")
    assert (movement.type, movement.quantity, movement.warehouse.code) == ("inbound", 2, "JKT")
    assert not StockMovement.objects.filter(movement_id__startswith=f"return-{return_id}-").exclude(
        pk=movement.pk
    )
    assert Listing.objects.get(pk=shop.listings["TEE"].pk).target_qty == tee_target + 2

    refunded = caller.post(f"/api/v1/returns/{return_id}/refund", {"amount": "100000.00"})
    assert refunded.status_code == 200, refunded.content
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["refund_status"] == "refunded"
    assert refunded.json()["refund_amount"] == "100000.00"
    closed = caller.post(f"/api/v1/returns/{return_id}/close")
    assert closed.json()["status"] == "closed"

    events = Event.objects.filter(type="return.updated", subject_id=str(return_id))
    statuses = [event.data["status"] for event in events.order_by("sequence")]
    assert statuses == ["requested", "received", "qc_passed", "refunded", "closed"]


def test_a_passed_line_goes_to_the_chosen_warehouse_and_a_bundle_comes_back_as_its_parts(
    caller, shop, shipped_order
):
    return_id = open_return(caller, shipped_order, [{"sku": "GIFT", "quantity": 1}]).json()["id"]
    caller.post(f"/api/v1/returns/{return_id}/receive")
    qc = caller.post(
        f"/api/v1/returns/{return_id}/qc",
        {"lines": [{"sku": "GIFT", "result": "pass", "warehouse": "SBY"}]},
    )
    assert qc.status_code == 200, qc.content
    assert (on_hand(shop.sby, shop.tee), on_hand(shop.sby, shop.mug)) == (2, 1)
    assert (on_hand(shop.jkt, shop.tee), on_hand(shop.jkt, shop.mug)) == (6, 8)
    restocked = StockMovement.objects.filter(movement_id__startswith=f"return-{return_id}-")
    assert sorted(restocked.values_list("product__sku", "quantity")) == [("MUG", 1), ("TEE", 2)]


def test_all_lines_failing_qc_is_qc_failed_and_restocks_nothing(caller, shop, shipped_order):
    return_id = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 1}]).json()["id"]
    caller.post(f"/api/v1/returns/{return_id}/receive")
    failed = {"lines": [{"sku": "TEE", "result": "fail"}]}
    qc = caller.post(f"/api/v1/returns/{return_id}/qc", failed)
    assert qc.json()["status"] == "qc_failed"
    assert on_hand(shop.jkt, shop.tee) == 6
    assert not StockMovement.objects.filter(movement_id__startswith="return-").exists()


def test_the_order_is_returned_once_every_unit_is_back(caller, shop, shipped_order):
    first = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 2}], "RMA-A").json()
    caller.post(f"/api/v1/returns/{first['id']}/receive")
    assert Order.objects.get(pk=shipped_order.pk).status == "shipped"
    rest = [{"sku": "MUG", "quantity": 1}, {"sku": "GIFT", "quantity": 1}]
    second = open_return(caller, shipped_order, rest, "RMA-B").json()
    caller.post(f"/api/v1/returns/{second['id']}/receive")
    assert Order.objects.get(pk=shipped_order.pk).status == "returned"


def test_creating_the_same_return_again_answers_the_first_one(caller, shipped_order):
    lines = [{"sku": "TEE", "quantity": 1}]
    first = open_return(caller, shipped_order, lines)
    again = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 2}])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Return.objects.count() == 1
    assert Event.objects.filter(type="return.updated").count() == 1


def test_returning_more_than_was_ordered_is_refused(caller, shipped_order):
    over = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 3}])
    assert over.status_code == 422
    assert error_code(over) == "return.exceeds_ordered"
    assert over.json()["error"]["details"]["lines"] == [
        {"sku": "TEE", "ordered": 2, "already_returned": 0, "requested": 3}
    ]
    assert open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 2}]).status_code == 201
    second = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 1}], "RMA-2")
    assert (second.status_code, error_code(second)) == (422, "return.exceeds_ordered")
    unknown = open_return(caller, shipped_order, [{"sku": "HAT", "quantity": 1}], "RMA-3")
    assert (unknown.status_code, error_code(unknown)) == (422, "return.sku_not_in_order")
    assert Return.objects.count() == 1


def test_a_rejected_return_no_longer_counts_against_the_order(caller, shipped_order):
    first = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 2}]).json()
    assert caller.post(f"/api/v1/returns/{first['id']}/reject").json()["status"] == "rejected"
    again = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 2}], "RMA-2")
    assert again.status_code == 201


def test_an_order_that_has_not_shipped_cannot_be_returned(caller, shop):
    order = place_order(shop, [("TEE", 1)], external_id="WEB-2")
    refused = open_return(caller, order, [{"sku": "TEE", "quantity": 1}])
    assert (refused.status_code, error_code(refused)) == (409, "return.order_not_shipped")


def test_invalid_transitions_are_refused_with_409(caller, shipped_order):
    return_id = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 1}]).json()["id"]
    qc_body = {"lines": [{"sku": "TEE", "result": "pass"}]}
    for path, body in [("qc", qc_body), ("refund", {}), ("close", None)]:
        refused = caller.post(f"/api/v1/returns/{return_id}/{path}", body)
        assert (refused.status_code, error_code(refused)) == (409, "return.invalid_transition")
    caller.post(f"/api/v1/returns/{return_id}/receive")
    again = caller.post(f"/api/v1/returns/{return_id}/receive")
    assert (again.status_code, error_code(again)) == (409, "return.invalid_transition")
    assert again.json()["error"]["details"]["status"] == "received"
    assert caller.post(f"/api/v1/returns/{return_id}/qc", qc_body).status_code == 200
    twice = caller.post(f"/api/v1/returns/{return_id}/qc", qc_body)
    assert (twice.status_code, error_code(twice)) == (409, "return.invalid_transition")
    assert StockMovement.objects.filter(movement_id__startswith="return-").count() == 1


def test_qc_must_judge_every_line_once_and_name_real_warehouses(caller, shipped_order):
    lines = [{"sku": "TEE", "quantity": 1}, {"sku": "MUG", "quantity": 1}]
    return_id = open_return(caller, shipped_order, lines).json()["id"]
    caller.post(f"/api/v1/returns/{return_id}/receive")
    partial = caller.post(
        f"/api/v1/returns/{return_id}/qc", {"lines": [{"sku": "TEE", "result": "pass"}]}
    )
    assert (partial.status_code, error_code(partial)) == (422, "return.qc_incomplete")
    nowhere = caller.post(
        f"/api/v1/returns/{return_id}/qc",
        {
            "lines": [
                {"sku": "TEE", "result": "pass", "warehouse": "NOPE"},
                {"sku": "MUG", "result": "pass"},
            ]
        },
    )
    assert (nowhere.status_code, error_code(nowhere)) == (422, "return.unknown_warehouse")
    assert Return.objects.get(pk=return_id).status == "received"
    assert not StockMovement.objects.filter(movement_id__startswith="return-").exists()


def received_return(caller, order, lines) -> int:
    return_id = open_return(caller, order, lines).json()["id"]
    caller.post(f"/api/v1/returns/{return_id}/receive")
    return return_id


def test_qc_by_units_restocks_the_passed_ones_and_writes_off_the_rest(caller, shop, shipped_order):
    return_id = received_return(caller, shipped_order, [{"sku": "TEE", "quantity": 2}])

    qc = caller.post(
        f"/api/v1/returns/{return_id}/qc",
        {"lines": [{"sku": "TEE", "passed": 1, "failed": 1, "note": "one torn"}]},
    )

    assert qc.status_code == 200, qc.content
    assert qc.json()["status"] == "qc_passed"
    (line,) = qc.json()["lines"]
    assert (line["qc_result"], line["passed_quantity"], line["failed_quantity"]) == (
        "partial",
        1,
        1,
    )
    assert line["restock_warehouse"] == "JKT"
    assert on_hand(shop.jkt, shop.tee) == 7
    restocked = StockMovement.objects.get(movement_id=f"return-{return_id}-{line['id']}")
    assert restocked.quantity == 1
    event = Event.objects.filter(type="return.updated", subject_id=str(return_id)).last()
    assert event.data["lines"][0]["failed_quantity"] == 1


def test_the_units_not_named_are_the_other_verdict(caller, shop, shipped_order):
    return_id = received_return(
        caller, shipped_order, [{"sku": "TEE", "quantity": 2}, {"sku": "MUG", "quantity": 1}]
    )

    qc = caller.post(
        f"/api/v1/returns/{return_id}/qc",
        {"lines": [{"sku": "TEE", "failed": 1}, {"sku": "MUG", "passed": 0}]},
    )

    lines = {line["sku"]: line for line in qc.json()["lines"]}
    assert (lines["TEE"]["passed_quantity"], lines["TEE"]["failed_quantity"]) == (1, 1)
    assert (lines["MUG"]["qc_result"], lines["MUG"]["failed_quantity"]) == ("fail", 1)
    assert (on_hand(shop.jkt, shop.tee), on_hand(shop.jkt, shop.mug)) == (7, 8)


def test_when_no_unit_passes_the_return_is_qc_failed(caller, shop, shipped_order):
    return_id = received_return(caller, shipped_order, [{"sku": "TEE", "quantity": 2}])

    qc = caller.post(
        f"/api/v1/returns/{return_id}/qc", {"lines": [{"sku": "TEE", "passed": 0, "failed": 2}]}
    )

    assert qc.json()["status"] == "qc_failed"
    assert qc.json()["lines"][0]["restock_warehouse"] is None
    assert not StockMovement.objects.filter(movement_id__startswith="return-").exists()


def test_a_bundle_comes_back_as_the_parts_of_its_passed_units(caller, shop):
    order = ship(place_order(shop, [("GIFT", 3)], external_id="WEB-2002"))
    return_id = received_return(caller, order, [{"sku": "GIFT", "quantity": 3}])

    caller.post(f"/api/v1/returns/{return_id}/qc", {"lines": [{"sku": "GIFT", "passed": 2}]})

    restocked = StockMovement.objects.filter(movement_id__startswith=f"return-{return_id}-")
    assert sorted(restocked.values_list("product__sku", "quantity")) == [("MUG", 2), ("TEE", 4)]


@pytest.mark.parametrize(
    "verdict",
    [
        {"passed": 3},  # more than came back
        {"passed": 1, "failed": 0},  # fewer
        {"result": "pass", "failed": 1},  # contradicts itself
        {"note": "no verdict"},
    ],
)
def test_qc_units_must_add_up_to_the_line_and_nothing_changes_otherwise(
    caller, shipped_order, verdict
):
    return_id = received_return(caller, shipped_order, [{"sku": "TEE", "quantity": 2}])

    refused = caller.post(f"/api/v1/returns/{return_id}/qc", {"lines": [{"sku": "TEE", **verdict}]})

    assert refused.status_code == 422
    expected = "return.qc_incomplete" if "note" in verdict else "return.qc_quantities_mismatch"
    assert error_code(refused) == expected
    assert Return.objects.get(pk=return_id).status == "received"
    assert not StockMovement.objects.filter(movement_id__startswith="return-").exists()


def test_refund_cannot_exceed_the_order_total_and_pending_keeps_the_status(caller, shipped_order):
    return_id = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 1}]).json()["id"]
    caller.post(f"/api/v1/returns/{return_id}/receive")
    too_much = caller.post(f"/api/v1/returns/{return_id}/refund", {"amount": "250000.01"})
    assert (too_much.status_code, error_code(too_much)) == (422, "return.refund_exceeds_order")
    pending = caller.post(
        f"/api/v1/returns/{return_id}/refund", {"status": "pending", "amount": "50000"}
    ).json()
    assert (pending["status"], pending["refund_status"]) == ("received", "pending")


def test_returns_are_listed_by_status_and_order(caller, shop, shipped_order):
    other = ship(place_order(shop, [("TEE", 1)], external_id="WEB-3"))
    first = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 1}]).json()
    open_return(caller, other, [{"sku": "TEE", "quantity": 1}])
    caller.post(f"/api/v1/returns/{first['id']}/receive")

    def ids(**filters) -> list[int]:
        return [row["order_id"] for row in caller.get("/api/v1/returns", **filters).json()["items"]]

    assert ids() == [shipped_order.pk, other.pk]
    assert ids(status="received") == [shipped_order.pk]
    assert ids(order_id=other.pk) == [other.pk]
    assert caller.get(f"/api/v1/returns/{first['id']}").json()["status"] == "received"


def test_another_tenants_returns_and_orders_are_404(caller, other_caller, shipped_order):
    return_id = open_return(caller, shipped_order, [{"sku": "TEE", "quantity": 1}]).json()["id"]
    assert other_caller.get(f"/api/v1/returns/{return_id}").status_code == 404
    assert other_caller.post(f"/api/v1/returns/{return_id}/receive").status_code == 404
    assert other_caller.get("/api/v1/returns").json()["items"] == []
    stolen = open_return(other_caller, shipped_order, [{"sku": "TEE", "quantity": 1}], "X")
    assert stolen.status_code == 404
    assert Return.objects.get(pk=return_id).status == "requested"


def test_changing_returns_needs_orders_write(make_caller, tenant, shipped_order):
    reader = make_caller(tenant, scopes=["orders:read"])
    refused = open_return(reader, shipped_order, [{"sku": "TEE", "quantity": 1}])
    assert (refused.status_code, error_code(refused)) == (403, "auth.missing_scope")
