"""The operator manages tenants and API clients; tokens are shown once and can be revoked."""

import pytest


@pytest.fixture
def operator(tenant, make_caller):
    return make_caller(tenant, ["admin"], name="operator")


def test_operator_creates_a_tenant_and_a_client_whose_token_works(operator):
    brand = operator.post("/api/v1/tenants", {"name": "Brand C"})
    assert brand.status_code == 201
    created = operator.post(
        "/api/v1/api-clients",
        {"tenant_id": brand.json()["id"], "name": "WMS", "scopes": ["catalog:read"]},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["client"]["scopes"] == ["catalog:read"]
    assert body["token"].startswith("omni_")
    response = operator.http.get(
        "/api/v1/warehouses", headers={"Authorization": f"Bearer {body['token']}"}
    )
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_the_clear_token_is_never_shown_again(operator):
    brand = operator.post("/api/v1/tenants", {"name": "Brand C"}).json()
    created = operator.post(
        "/api/v1/api-clients", {"tenant_id": brand["id"], "name": "WMS", "scopes": []}
    ).json()
    shown = operator.get(f"/api/v1/api-clients/{created['client']['id']}")
    assert created["token"] not in shown.content.decode()
    listed = operator.get("/api/v1/api-clients")
    assert created["token"] not in listed.content.decode()


def test_a_duplicate_tenant_name_is_a_conflict(operator, tenant):
    response = operator.post("/api/v1/tenants", {"name": tenant.name})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "tenant.exists"


def test_unknown_scopes_are_refused(operator, tenant):
    response = operator.post(
        "/api/v1/api-clients", {"tenant_id": tenant.pk, "name": "x", "scopes": ["stock:everything"]}
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["unknown"] == ["stock:everything"]


def test_a_revoked_token_stops_working_and_a_new_one_works(operator, tenant):
    created = operator.post(
        "/api/v1/api-clients", {"tenant_id": tenant.pk, "name": "ERP", "scopes": ["catalog:read"]}
    ).json()
    client_id = created["client"]["id"]
    second = operator.post(f"/api/v1/api-clients/{client_id}/tokens").json()
    revoked = operator.post(f"/api/v1/api-clients/{client_id}/tokens/{created['token_id']}/revoke")
    assert revoked.status_code == 200

    def status(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return operator.http.get("/api/v1/warehouses", headers=headers).status_code

    assert status(created["token"]) == 401
    assert status(second["token"]) == 200


def test_a_disabled_client_cannot_call(operator, tenant):
    created = operator.post(
        "/api/v1/api-clients", {"tenant_id": tenant.pk, "name": "ERP", "scopes": ["catalog:read"]}
    ).json()
    operator.post(f"/api/v1/api-clients/{created['client']['id']}/disable")
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert operator.http.get("/api/v1/warehouses", headers=headers).status_code == 401


def test_a_tenant_can_be_deactivated(operator):
    brand = operator.post("/api/v1/tenants", {"name": "Brand C"}).json()
    response = operator.patch(f"/api/v1/tenants/{brand['id']}", {"active": False})
    assert response.json()["active"] is False
