"""Idempotency-Key: a retried POST has its effect once and gets the same answer."""

import threading

import pytest
from django.test import Client

from omnichannel.api.models import IdempotencyRecord
from omnichannel.inventory.models import Warehouse

BODY = {"code": "W1", "name": "One"}


def test_the_same_key_and_body_replays_the_first_answer(caller):
    first = caller.post("/api/v1/warehouses", BODY, headers={"Idempotency-Key": "k1"})
    again = caller.post("/api/v1/warehouses", BODY, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Warehouse.objects.filter(tenant=caller.tenant).count() == 1


def test_the_same_key_with_another_body_is_a_conflict(caller):
    caller.post("/api/v1/warehouses", BODY, headers={"Idempotency-Key": "k1"})
    response = caller.post(
        "/api/v1/warehouses", {"code": "W2", "name": "Two"}, headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency.key_reused"
    assert Warehouse.objects.filter(tenant=caller.tenant).count() == 1


def test_the_same_key_on_another_path_is_a_conflict(caller):
    caller.post("/api/v1/warehouses", BODY, headers={"Idempotency-Key": "k1"})
    response = caller.post(
        "/api/v1/products", {"sku": "S", "name": "S"}, headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 409


def test_error_answers_are_replayed_too(caller):
    caller.post("/api/v1/warehouses", BODY)
    first = caller.post("/api/v1/warehouses", BODY, headers={"Idempotency-Key": "k2"})
    Warehouse.objects.filter(tenant=caller.tenant).delete()
    again = caller.post("/api/v1/warehouses", BODY, headers={"Idempotency-Key": "k2"})
    assert first.status_code == again.status_code == 409
    assert not Warehouse.objects.filter(tenant=caller.tenant).exists()


def test_keys_belong_to_one_client(tenant, make_caller):
    first, second = make_caller(tenant), make_caller(tenant)
    assert (
        first.post("/api/v1/warehouses", BODY, headers={"Idempotency-Key": "k"}).status_code == 201
    )
    again = second.post("/api/v1/warehouses", BODY, headers={"Idempotency-Key": "k"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "warehouse.exists"


def test_a_request_still_running_with_the_key_answers_409(caller):
    IdempotencyRecord.objects.create(
        client=caller.api_client,
        key="busy",
        method="POST",
        path="/api/v1/warehouses",
        body_hash="x" * 64,
    )
    response = caller.post("/api/v1/warehouses", BODY, headers={"Idempotency-Key": "busy"})
    assert response.status_code == 409


def test_without_a_valid_token_the_key_is_ignored_and_auth_fails(client, db):
    response = client.post(
        "/api/v1/warehouses",
        BODY,
        content_type="application/json",
        headers={"Idempotency-Key": "k", "Authorization": "Bearer wrong"},
    )
    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_take_effect_once(tenant, make_caller):
    caller = make_caller(tenant)
    statuses: list[int] = []

    def post() -> None:
        response = Client().post(
            "/api/v1/warehouses",
            BODY,
            content_type="application/json",
            headers={"Authorization": f"Bearer {caller.token}", "Idempotency-Key": "race"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Warehouse.objects.filter(tenant=tenant).count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
