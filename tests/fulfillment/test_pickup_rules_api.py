"""Pickup rules through the API: CRUD, validation, isolation, and the simulator."""

from __future__ import annotations

from omnichannel.fulfillment.models import PickupRule, Shipment
from omnichannel.notifications.models import Event

from .conftest import place_order

FRIDAY_AFTERNOON = "2026-03-06T15:00:00+07:00"  # after a 14:00 cut-off in Jakarta


def error_code(response) -> str:
    return response.json()["error"]["code"]


def create(caller, **fields):
    return caller.post("/api/v1/pickup-rules", fields)


def test_rule_is_created_read_changed_listed_and_deleted(caller, shop):
    created = create(
        caller,
        name="Webstore from JKT",
        connection_id=shop.web.pk,
        warehouse_id=shop.jkt.pk,
        cutoff_time="14:00",
        courier_preferences=["JNE", "SiCepat"],
        working_days=[6, 1, 2, 3, 4, 5, 1],
    )
    assert created.status_code == 201, created.content
    rule = created.json()
    assert rule["scope"] == "connection + warehouse"
    assert (rule["mode"], rule["timezone"], rule["cutoff_time"]) == (
        "pickup",
        "Asia/Jakarta",
        "14:00:00",
    )
    assert rule["working_days"] == [1, 2, 3, 4, 5, 6]
    path = f"/api/v1/pickup-rules/{rule['id']}"
    assert caller.get(path).json() == rule

    changed = caller.patch(path, {"mode": "dropoff", "cutoff_time": None})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["mode"], changed.json()["cutoff_time"]) == ("dropoff", None)
    assert changed.json()["courier_preferences"] == ["JNE", "SiCepat"]

    listed = caller.get("/api/v1/pickup-rules", connection_id=shop.web.pk).json()["items"]
    assert [item["id"] for item in listed] == [rule["id"]]
    assert caller.delete(path).status_code == 204
    assert caller.get(path).status_code == 404


def test_one_rule_per_scope(caller, shop):
    assert create(caller, warehouse_id=shop.jkt.pk).status_code == 201
    assert create(caller).status_code == 201
    again = create(caller, warehouse_id=shop.jkt.pk)
    assert (again.status_code, error_code(again)) == (409, "pickup.rule_exists")
    assert create(caller, warehouse_id=shop.sby.pk).status_code == 201


def test_invalid_rules_are_refused_and_nothing_is_saved(caller):
    for fields, code in [
        ({"timezone": "Java/Jakarta"}, "pickup.invalid_timezone"),
        ({"pickup_window_start": "18:00"}, "pickup.invalid_window"),
        ({"working_days": []}, "pickup.invalid_working_days"),
        ({"working_days": [0, 1]}, "pickup.invalid_working_days"),
        ({"slot_preference": "fixed"}, "pickup.fixed_slot_missing"),
    ]:
        refused = create(caller, **fields)
        assert (refused.status_code, error_code(refused)) == (422, code), fields
    assert not PickupRule.objects.exists()


def test_rules_are_tenant_scoped(caller, other_caller, shop):
    rule_id = create(caller, connection_id=shop.web.pk).json()["id"]
    assert other_caller.get(f"/api/v1/pickup-rules/{rule_id}").status_code == 404
    assert (
        other_caller.patch(f"/api/v1/pickup-rules/{rule_id}", {"mode": "dropoff"}).status_code
        == 404
    )
    assert other_caller.get("/api/v1/pickup-rules").json()["items"] == []
    foreign = create(other_caller, connection_id=shop.web.pk)
    assert foreign.status_code == 404
    assert PickupRule.objects.get().mode == "pickup"


def test_reading_needs_orders_read_and_changing_needs_orders_write(make_caller, tenant):
    reader = make_caller(tenant, scopes=["orders:read"])
    assert reader.get("/api/v1/pickup-rules").status_code == 200
    assert create(reader).status_code == 403
    stock_only = make_caller(tenant, scopes=["stock:read"])
    assert stock_only.get("/api/v1/pickup-rules").status_code == 403


def test_simulator_applies_the_most_specific_rule_to_an_order(caller, shop):
    create(caller, name="default", cutoff_time="16:00")
    create(caller, name="jkt", warehouse_id=shop.jkt.pk, cutoff_time="14:00")
    create(
        caller,
        name="web from jkt",
        connection_id=shop.web.pk,
        warehouse_id=shop.jkt.pk,
        cutoff_time="14:00",
        preparation_minutes=30,
        courier_preferences=["SiCepat", "JNE"],
    )
    order = place_order(shop, [("TEE", 1)])
    answer = caller.post(
        "/api/v1/pickup-rules/simulate", {"order_id": order.pk, "ready_at": FRIDAY_AFTERNOON}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["rule"]["name"], body["rule_scope"]) == ("web from jkt", "connection + warehouse")
    assert (body["mode"], body["source"], body["carrier"]) == ("pickup", "rule", "SiCepat")
    assert body["start"] == "2026-03-09T09:00:00+07:00"
    assert any("cut-off" in reason for reason in body["reasons"])
    assert body["fulfillment_mode"] == "wms"


def test_simulator_picks_from_the_channels_offered_slots(caller, shop):
    create(caller, warehouse_id=shop.jkt.pk, cutoff_time="14:00")
    answer = caller.post(
        "/api/v1/pickup-rules/simulate",
        {
            "connection_id": shop.web.pk,
            "warehouse_id": shop.jkt.pk,
            "ready_at": "2026-03-06T10:00:00+07:00",
            "offered_slots": [
                {"id": "mon", "start": "2026-03-09T09:00:00+07:00"},
                {
                    "id": "fri-pm",
                    "start": "2026-03-06T13:00:00+07:00",
                    "end": "2026-03-06T17:00:00+07:00",
                },
                {
                    "id": "fri-am",
                    "start": "2026-03-06T08:00:00+07:00",
                    "end": "2026-03-06T09:30:00+07:00",
                },
            ],
            "carriers": ["JNE"],
        },
    ).json()
    assert (answer["source"], answer["slot_id"]) == ("offered", "fri-pm")
    assert (answer["rule_scope"], answer["carrier"]) == ("warehouse", "JNE")


def test_simulator_without_any_rule_uses_the_built_in_default_and_saves_nothing(caller, shop):
    order = place_order(shop, [("TEE", 1)])
    events_before = Event.objects.count()
    answer = caller.post(
        "/api/v1/pickup-rules/simulate", {"order_id": order.pk, "ready_at": "2026-03-07T10:00Z"}
    ).json()
    assert (answer["rule"], answer["rule_scope"]) == (None, "built-in default")
    assert answer["start"] == "2026-03-09T09:00:00+07:00"  # Saturday → Monday
    assert not PickupRule.objects.exists() and not Shipment.objects.exists()
    assert Event.objects.count() == events_before


def test_simulator_refuses_other_tenants_objects_and_naive_times(caller, other_caller, shop):
    order = place_order(shop, [("TEE", 1)])
    stolen = other_caller.post("/api/v1/pickup-rules/simulate", {"order_id": order.pk})
    assert stolen.status_code == 404
    naive = caller.post(
        "/api/v1/pickup-rules/simulate", {"order_id": order.pk, "ready_at": "2026-03-06T10:00"}
    )
    assert naive.status_code == 422
