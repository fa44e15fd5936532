"""A tenant's client sees nothing of another tenant: lists are empty, ids answer 404."""

import pytest


@pytest.fixture
def objects_of_tenant_a(caller):
    """One of each kind of object, created by tenant A through the API."""
    warehouse = caller.post("/api/v1/warehouses", {"code": "A-WH", "name": "A"}).json()
    product = caller.post("/api/v1/products", {"sku": "A-1", "name": "Thing"}).json()
    connection = caller.post("/api/v1/connections", {"channel": "pos", "name": "A POS"}).json()
    listing = caller.post(
        "/api/v1/listings",
        {"connection_id": connection["id"], "external_item_id": "1", "sku": "A-1"},
    ).json()
    return {
        "warehouses": warehouse["id"],
        "products": product["id"],
        "connections": connection["id"],
        "listings": listing["id"],
    }


KINDS = ["warehouses", "products", "connections", "listings"]


@pytest.mark.parametrize("kind", KINDS)
def test_another_tenants_list_is_empty(objects_of_tenant_a, caller, other_caller, kind):
    assert caller.get(f"/api/v1/{kind}").json()["items"]
    assert other_caller.get(f"/api/v1/{kind}").json()["items"] == []


@pytest.mark.parametrize("kind", KINDS)
def test_another_tenants_object_answers_404(objects_of_tenant_a, caller, other_caller, kind):
    path = f"/api/v1/{kind}/{objects_of_tenant_a[kind]}"
    assert caller.get(path).status_code == 200
    response = other_caller.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("warehouses", {"name": "mine now"}),
        ("products", {"name": "mine now"}),
        ("listings", {"status": "inactive"}),
    ],
)
def test_another_tenants_object_cannot_be_changed(
    objects_of_tenant_a, caller, other_caller, kind, change
):
    path = f"/api/v1/{kind}/{objects_of_tenant_a[kind]}"
    before = caller.get(path).json()
    assert other_caller.patch(path, change).status_code == 404
    assert caller.get(path).json() == before


def test_another_tenants_connection_cannot_be_disabled(objects_of_tenant_a, caller, other_caller):
    path = f"/api/v1/connections/{objects_of_tenant_a['connections']}"
    assert other_caller.post(f"{path}/disable").status_code == 404
    assert caller.get(path).json()["status"] == "active"


def test_a_listing_cannot_be_added_to_another_tenants_connection(objects_of_tenant_a, other_caller):
    other_caller.post("/api/v1/products", {"sku": "B-1", "name": "B thing"})
    response = other_caller.post(
        "/api/v1/listings",
        {
            "connection_id": objects_of_tenant_a["connections"],
            "external_item_id": "9",
            "sku": "B-1",
        },
    )
    assert response.status_code == 404


def test_a_bundle_cannot_use_another_tenants_product(objects_of_tenant_a, other_caller):
    response = other_caller.post(
        "/api/v1/products",
        {"sku": "B-BUNDLE", "name": "B", "bundle_components": [{"sku": "A-1", "quantity": 1}]},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "product.not_found"


def test_the_same_sku_may_exist_in_two_tenants(objects_of_tenant_a, other_caller):
    assert (
        other_caller.post("/api/v1/products", {"sku": "A-1", "name": "B's A-1"}).status_code == 201
    )
